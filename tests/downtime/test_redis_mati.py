"""Issue 9: outside services never block the counter. Redis (the cache behind the live-update
signal, the BPJS breaker and schedule lookups) is a real redis-server here that the test stops:
online registration and replay still answer success and store everything exactly once."""

from __future__ import annotations

import json
import shutil
import uuid

import pytest
from django.core.cache import caches

from antrean import live
from pendaftaran.models import Kunjungan
from tests.factories import PasienFactory
from tests.proses import RedisSendiri

from .conftest import entri, pasien_baru

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed"),
]


@pytest.fixture
def redis_mati_nanti(settings):
    r = RedisSendiri()
    r.mulai()
    settings.CACHES = {"default": {"BACKEND": "config.cache.CacheRedisTangguh", "LOCATION": r.url}}
    try:
        yield r
    finally:
        r.berhenti()
        caches["default"].close()


def _daftar_online(client, pasien, unit):
    body = {"pasien_id": pasien.pk, "unit_id": unit.pk, "penjamin": "umum",
            "client_uuid": str(uuid.uuid4())}  # fmt: skip
    return client.post("/api/v1/kunjungan", json.dumps(body), content_type="application/json")


def test_registration_and_replay_succeed_while_redis_is_stopped(
    client_loket, petugas_loket, redis_mati_nanti, django_capture_on_commit_callbacks
):
    pkm = petugas_loket.puskesmas
    unit = pkm.unit_layanan.get(kode="UMUM")
    with django_capture_on_commit_callbacks(execute=True):
        r = _daftar_online(client_loket, PasienFactory(puskesmas=pkm), unit)
    assert r.status_code == 201, r.content
    versi = live.versi(pkm.pk)
    assert versi != "0"  # the live signal works while Redis is up

    redis_mati_nanti.berhenti()
    with django_capture_on_commit_callbacks(execute=True):
        r = _daftar_online(client_loket, PasienFactory(puskesmas=pkm), unit)
    assert r.status_code == 201, r.content  # saved, and said so — not "kode 500"
    assert live.versi(pkm.pk) == "0"  # the signal is lost, nothing raised

    batch = [entri(pasien_baru(nama=f"Luring {i}", serial=30 + i)) for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        r = client_loket.post(
            "/api/v1/replay", json.dumps({"loket": "L1", "entri": batch}),
            content_type="application/json",
        )  # fmt: skip
    assert r.status_code == 200 and r.json()["selesai"] is True
    assert [h["status"] for h in r.json()["hasil"]] == ["dibuat"] * 5
    assert Kunjungan.objects.count() == 7

    redis_mati_nanti.mulai()  # back: after the pause the cache is used again
    caches["default"]._mati_sampai = 0
    live.tandai_berubah(pkm.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _daftar_online(client_loket, PasienFactory(puskesmas=pkm), unit)
    assert live.versi(pkm.pk) != "0"
