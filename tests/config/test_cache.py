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
