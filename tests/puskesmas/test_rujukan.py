"""The reference cache's lifetimes (puskesmas/rujukan.py): long while the shared generation
holds, short while it cannot be read, and nothing from before an outage trusted after it; a row
loaded by one process is shared with the others through Redis under its generation only. A fake
clock and a fake cache stand in for time and Redis."""

from __future__ import annotations

import types

import pytest

from puskesmas import rujukan


class CacheTiruan:
    def __init__(self) -> None:
        self.isi: dict[str, str] = {}
        self.mati = False

    def get(self, kunci):
        return None if self.mati else self.isi.get(kunci)

    def add(self, kunci, nilai, timeout=None):
        if not self.mati:
            self.isi.setdefault(kunci, nilai)

    def set(self, kunci, nilai, timeout=None):
        if not self.mati:
            self.isi[kunci] = nilai


@pytest.fixture
def jam(monkeypatch):
    waktu = types.SimpleNamespace(t=1000.0)
    monkeypatch.setattr(
        rujukan, "time", types.SimpleNamespace(monotonic=lambda: waktu.t, time=lambda: waktu.t)
    )
    monkeypatch.setattr(rujukan, "_isi", {})
    monkeypatch.setattr(rujukan, "_dibaca", None)
    return waktu


@pytest.fixture
def redis(monkeypatch):
    tiruan = CacheTiruan()
    monkeypatch.setattr(rujukan, "cache", tiruan)
    return tiruan


def _pemuat(nilai: list):
    dimuat = []

    def muat():
        dimuat.append(1)
        return nilai[0]

    return muat, dimuat


def test_a_row_is_kept_past_the_short_lifetime_while_its_generation_holds(jam, redis, settings):
    settings.RUJUKAN_CACHE_DETIK, settings.RUJUKAN_GENERASI_DETIK = 10, 300
    muat, dimuat = _pemuat(["unit lama"])
    assert rujukan.ambil(("unit", 1), muat) == "unit lama"
    jam.t += 120  # well past 10 s
    assert rujukan.ambil(("unit", 1), muat) == "unit lama" and len(dimuat) == 1
    jam.t += 200  # past 300 s: loaded again even so
    rujukan.ambil(("unit", 1), muat)
    assert len(dimuat) == 2


def test_rows_loaded_together_do_not_all_expire_together(jam, redis, settings):
    """A morning's first requests load every token, officer and unit within a minute: each key
    keeps 80-100% of the lifetime, so their reloads spread instead of landing in one second."""
    settings.RUJUKAN_CACHE_DETIK, settings.RUJUKAN_GENERASI_DETIK = 10, 300
    muat, dimuat = _pemuat(["baris"])
    for i in range(200):
        rujukan.ambil(("petugas", i), muat)
    jam.t += 239  # under 80%: every key still fresh
    for i in range(200):
        rujukan.ambil(("petugas", i), muat)
    assert len(dimuat) == 200
    jam.t += 31  # 90%: about half of them
    for i in range(200):
        rujukan.ambil(("petugas", i), muat)
    assert 40 < len(dimuat) - 200 < 160
    jam.t += 31  # past 100%: all of them
    for i in range(200):
        rujukan.ambil(("petugas", i), muat)
    assert len(dimuat) == 400


@pytest.mark.django_db
def test_a_row_read_between_a_save_and_its_commit_is_not_shared_after_the_commit(
    jam, redis, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A declaration's save starts a new generation in its post_save, before it commits: a
    request in another process may read the row as it was under that generation and share it.
    The commit starts another, so no process keeps that read."""
    settings.RUJUKAN_CEK_DETIK = 1
    nilai = ["tanpa deklarasi"]
    muat, _ = _pemuat(nilai)
    with django_capture_on_commit_callbacks(execute=True):
        rujukan.ubah()  # the save's post_save, inside its transaction
        _proses_lain(monkeypatch)  # another process, reading the committed (old) state
        assert rujukan.ambil(("downtime", 1), muat) == "tanpa deklarasi"
        nilai[0] = "deklarasi"  # what the transaction commits
    _proses_lain(monkeypatch)  # a third process: only Redis to go by
    assert rujukan.ambil(("downtime", 1), muat) == "deklarasi"


def test_a_save_in_another_process_is_seen_within_the_generation_check(jam, redis, settings):
    settings.RUJUKAN_CEK_DETIK = 1
    nilai = ["aktif"]
    muat, _ = _pemuat(nilai)
    rujukan.ambil(("token", "h"), muat)
    nilai[0] = "dicabut"
    redis.set(rujukan.KUNCI_GENERASI, "generasi-baru")  # what ubah() does in the other process
    jam.t += 1.5
    assert rujukan.ambil(("token", "h"), muat) == "dicabut"


def test_rows_from_before_a_redis_outage_are_not_trusted_after_it(jam, redis, settings):
    settings.RUJUKAN_CEK_DETIK, settings.RUJUKAN_CACHE_DETIK = 1, 10
    nilai = ["aktif"]
    muat, _ = _pemuat(nilai)
    rujukan.ambil(("token", "h"), muat)
    redis.mati = True
    jam.t += 1.5
    rujukan.ambil(("petugas", 7), lambda: "x")  # any lookup during the outage
    nilai[0] = "dicabut"  # revoked while Redis was down: the generation could not move
    redis.mati = False
    jam.t += 1.5
    assert rujukan.ambil(("token", "h"), muat) == "dicabut"  # same generation, reloaded


def test_while_redis_is_down_a_row_is_trusted_for_the_short_lifetime_only(jam, redis, settings):
    settings.RUJUKAN_CEK_DETIK, settings.RUJUKAN_CACHE_DETIK = 1, 10
    redis.mati = True
    muat, dimuat = _pemuat(["unit"])
    rujukan.ambil(("unit", 1), muat)
    jam.t += 5
    rujukan.ambil(("unit", 1), muat)
    assert len(dimuat) == 1
    jam.t += 6
    rujukan.ambil(("unit", 1), muat)
    assert len(dimuat) == 2


def _proses_lain(monkeypatch) -> None:
    """What another process (a second gunicorn worker, another host) starts from: nothing of
    its own, the same Redis."""
    monkeypatch.setattr(rujukan, "_isi", {})
    monkeypatch.setattr(rujukan, "_dibaca", None)
    monkeypatch.setattr(rujukan, "_perlu_baru", False)


def test_a_row_loaded_in_one_process_is_taken_from_redis_by_the_others(jam, redis, monkeypatch):
    muat, dimuat = _pemuat(["unit"])
    assert rujukan.ambil(("unit", 1), muat) == "unit"
    _proses_lain(monkeypatch)
    assert rujukan.ambil(("unit", 1), muat) == "unit"
    assert rujukan.ambil(("unit", 404), lambda: None) is None  # "no such row" is shared too
    _proses_lain(monkeypatch)
    assert rujukan.ambil(("unit", 404), muat) is None
    assert len(dimuat) == 1


def test_a_shared_row_is_not_used_under_a_new_generation(jam, redis, monkeypatch, settings):
    nilai = ["aktif"]
    muat, dimuat = _pemuat(nilai)
    rujukan.ambil(("token", "h"), muat)
    nilai[0] = "dicabut"
    rujukan.ubah()  # the revocation, in this process
    _proses_lain(monkeypatch)
    assert rujukan.ambil(("token", "h"), muat) == "dicabut"
    assert len(dimuat) == 2


def test_a_shared_row_keeps_its_age_across_processes(jam, redis, monkeypatch, settings):
    settings.RUJUKAN_CACHE_DETIK, settings.RUJUKAN_GENERASI_DETIK = 10, 300
    muat, dimuat = _pemuat(["unit"])
    rujukan.ambil(("unit", 1), muat)
    jam.t += 250
    _proses_lain(monkeypatch)
    rujukan.ambil(("unit", 1), muat)  # from Redis, 250 s old
    jam.t += 60  # 310 s since it was read from the database
    rujukan.ambil(("unit", 1), muat)
    assert len(dimuat) == 2


def test_a_change_saved_while_redis_is_down_reaches_every_process_when_it_is_back(
    jam, redis, monkeypatch, settings
):
    settings.RUJUKAN_CEK_DETIK = 1
    nilai = ["aktif"]
    muat, _ = _pemuat(nilai)
    rujukan.ambil(("token", "h"), muat)  # shared in Redis under the current generation
    redis.mati = True
    nilai[0] = "dicabut"
    rujukan.ubah()  # revoked during the outage: the new generation cannot be written
    redis.mati = False
    jam.t += 1.5
    rujukan.ambil(("petugas", 7), lambda: "x")  # this process's next lookup, Redis back
    _proses_lain(monkeypatch)  # a process that never noticed the outage
    assert rujukan.ambil(("token", "h"), muat) == "dicabut"


def test_a_process_that_saw_redis_down_starts_a_new_generation_when_it_is_back(
    jam, redis, monkeypatch, settings
):
    settings.RUJUKAN_CEK_DETIK = 1
    nilai = ["aktif"]
    muat, _ = _pemuat(nilai)
    rujukan.ambil(("token", "h"), muat)
    lama = redis.isi[rujukan.KUNCI_GENERASI]
    redis.mati = True
    jam.t += 1.5
    rujukan.ambil(("unit", 1), lambda: "x")  # the outage is seen here
    nilai[0] = "dicabut"  # changed meanwhile by a process whose write was lost
    redis.mati = False
    jam.t += 1.5
    rujukan.ambil(("unit", 1), lambda: "x")
    assert redis.isi[rujukan.KUNCI_GENERASI] != lama
    _proses_lain(monkeypatch)
    assert rujukan.ambil(("token", "h"), muat) == "dicabut"


# --- One unit, for the registration paths -------------------------------------------------------


@pytest.mark.django_db
def test_one_unit_comes_from_its_own_puskesmas_only(puskesmas, puskesmas_lain, unit):
    from antrean.models import UnitLayanan

    lain = UnitLayanan.objects.filter(
        puskesmas=puskesmas_lain
    ).first() or UnitLayanan.objects.create(
        puskesmas=puskesmas_lain, klaster=unit.klaster, kode="lain", nama="Lain", prefix="L"
    )
    assert rujukan.unit(puskesmas.pk, unit.pk).pk == unit.pk
    assert rujukan.unit(puskesmas.pk, unit.pk).klaster.nomor == unit.klaster.nomor
    assert rujukan.unit(puskesmas.pk, lain.pk) is None
    assert rujukan.unit(puskesmas.pk, 10**9) is None


@pytest.mark.django_db
def test_a_closed_unit_is_refused_at_the_loket_on_the_very_next_save(
    client_loket, pasien_bpjs, pasien_umum, unit
):
    import uuid

    from django.urls import reverse

    def simpan(pasien):
        data = {"client_uuid": str(uuid.uuid4()), "penjamin": "umum", "keluhan": "batuk",
                "layanan_diminta": "", "unit": str(unit.pk)}  # fmt: skip
        return client_loket.post(
            reverse("pendaftaran:daftar", args=[pasien.pk]), data, HTTP_HX_REQUEST="true"
        )

    assert simpan(pasien_bpjs).status_code == 200  # warm: the unit is cached
    assert rujukan.unit(unit.puskesmas_id, unit.pk).aktif
    unit.aktif = False
    unit.save()
    r = simpan(pasien_umum)
    assert "Unit tujuan tidak tersedia" in r.content.decode()
    assert not pasien_umum.kunjungan.exists()


@pytest.mark.django_db
def test_the_api_reads_a_unit_renamed_meanwhile(petugas_loket, pasien_umum, unit):
    import json
    import uuid

    from django.test import Client

    from puskesmas.services import api_token_buat

    c = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=petugas_loket.user)[1]}")
    assert c.get("/api/v1/unit").status_code == 200
    assert rujukan.unit(unit.puskesmas_id, unit.pk).nama == unit.nama  # cached
    unit.nama = "Poli Umum Baru"
    unit.save()
    badan = {"client_uuid": str(uuid.uuid4()), "pasien_id": pasien_umum.pk, "unit_id": unit.pk,
             "penjamin": "umum", "keluhan": "batuk"}  # fmt: skip
    r = c.post("/api/v1/kunjungan", json.dumps(badan), content_type="application/json")
    assert r.status_code == 201, r.content
    assert "Poli Umum Baru" in r.content.decode()
