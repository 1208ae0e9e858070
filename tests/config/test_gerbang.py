"""The request gate (config/gerbang.py): requests run on a few pool threads, and what Django
keeps per thread there (the cache backend and its Redis connections, the active translation)
lasts as long as the thread, while what the WSGI handler sets for the request (the script
prefix) still reaches the view."""

from __future__ import annotations

import pytest
import redis
from django.urls import reverse, set_script_prefix

from tests.conftest import REDIS_URL, _redis_db


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL")
@pytest.mark.django_db(transaction=True)
def test_requests_behind_the_gate_reuse_their_redis_connections(klien_gerbang, puskesmas):
    url = reverse("antrean:tv_versi", args=[puskesmas.kunci_display])
    assert klien_gerbang.get(url).status_code == 200  # warm: each thread's first connection
    assert klien_gerbang.get(url).status_code == 200
    info = redis.Redis.from_url(_redis_db(REDIS_URL, 1))
    sebelum = info.info("stats")["total_connections_received"]
    for _ in range(30):
        assert klien_gerbang.get(url).status_code == 200  # each reads the queue version
    baru = info.info("stats")["total_connections_received"] - sebelum
    info.close()
    # Before, every request built a new backend, pool and TCP connection: 30 or more. Other
    # tests' processes are not running at the same time (the suite is serial), so the
    # headroom is for a pool thread that had not served a request yet.
    assert baru <= 2


@pytest.mark.django_db(transaction=True)
def test_the_script_prefix_reaches_the_view_behind_the_gate(klien_gerbang, puskesmas):
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    suara = reverse("antrean:tv_suara", args=[puskesmas.kunci_display])  # a reverse() link
    # The WSGI handler sets the prefix in the server's thread (the test client does not, so
    # the test does it); the view runs on a pool thread.
    set_script_prefix("/pkm/")
    try:
        r = klien_gerbang.get(url)
    finally:
        set_script_prefix("/")
    assert r.status_code == 200
    assert f'data-suara-daftar="/pkm{suara}"'.encode() in r.content
    # …and it does not stick to the pool thread for the next request without one.
    r = klien_gerbang.get(url)
    assert f'data-suara-daftar="{suara}"'.encode() in r.content
