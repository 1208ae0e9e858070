"""The fail-soft Redis cache (config/cache.py) keeps one redis client per pool."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")


def test_the_redis_client_is_built_once_and_serves_reads_and_writes():
    klien = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is klien  # one server: reads and writes share its pool
    cache.set("uji:klien", "satu", 30)
    assert cache.get("uji:klien") == "satu"
    cache.set("uji:klien", "dua", 30)
    assert cache.get("uji:klien") == "dua"
    assert cache._cache.get_client(write=True) is klien


def test_every_backend_for_one_location_shares_the_client_and_the_failure_pause(monkeypatch):
    """Django builds a backend per thread: they must share the pools (not a TCP connection per
    thread or per request) and the pause after a failure (not a timeout per request)."""
    import time

    from django.core.cache.backends.redis import RedisCache

    from config.cache import CacheRedisTangguh

    lokasi = cache._servers[0]
    a, b = CacheRedisTangguh(lokasi, {}), CacheRedisTangguh(lokasi, {})
    assert a._cache is b._cache is CacheRedisTangguh(lokasi, {})._cache

    mati = "redis://127.0.0.1:1/0"  # nothing listens there
    c, d = CacheRedisTangguh(mati, {}), CacheRedisTangguh(mati, {})
    assert c.get("x", "bawaan") == "bawaan"  # refused: answered like a miss, and a pause begins
    assert d._mati_sampai > time.monotonic()  # the other backend pauses too
    coba = []
    monkeypatch.setattr(RedisCache, "get", lambda *a, **k: coba.append(a))
    assert d.get("x", "bawaan") == "bawaan"
    assert coba == []  # during the pause Redis is not even tried
    d._mati_sampai = 0  # the pause ends for both
    assert c._mati_sampai == 0
    c.get("x")
    assert len(coba) == 1
