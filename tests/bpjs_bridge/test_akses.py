"""Refusals of who we are (secret, clock, user key) are not outages: one attempt, no breaker,
one message naming the likely cause, every request of that service held until it is fixed.
Against the simulator over real HTTP."""

from __future__ import annotations

import time

import pytest

from bpjs_bridge import breaker, services
from bpjs_bridge.models import JenisPermintaan, PercobaanBpjs, PermintaanBpjs, StatusPermintaan
from tests.bpjs_bridge.conftest import panggilan
from tests.bpjs_bridge.test_outbox import proses, proses_semua, rows

J = JenisPermintaan
S = StatusPermintaan
pytestmark = pytest.mark.django_db


def _banner(client) -> str:
    return client.get("/bpjs/status/").content.decode()


def _tidak_ada_pemutus(puskesmas) -> None:
    k = breaker.keadaan(puskesmas.pk)
    assert k.status == breaker.TERTUTUP and k.gagal_beruntun == 0


def test_a_wrong_secret_is_refused_once_holds_every_row_and_says_check_the_keys(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, client_loket, puskesmas
):
    bpjs_settings.BPJS_SECRET_KEY = "bukan-rahasianya"
    kunjungan = [daftar_bpjs(peserta_pasien("aktif", i)) for i in range(3)]
    assert proses(rows(kunjungan[0])[J.CEK_PESERTA]) == "ditolak_akses"
    for k in kunjungan:
        proses_semua(k)
    # One call reached BPJS; the other rows waited behind the hold without calling.
    assert len(panggilan(sim, "GET", "peserta")) == 1
    cek = rows(kunjungan[0])[J.CEK_PESERTA]
    assert cek.status == S.MENUNGGU and cek.percobaan == 0 and not cek.ambigu
    assert cek.kode_galat == "auth_kredensial"
    (percobaan,) = PercobaanBpjs.objects.filter(permintaan=cek)
    assert percobaan.kode_galat == "auth_kredensial"
    assert not PermintaanBpjs.objects.filter(status=S.GAGAL_FINAL).exists()  # no worklist flood
    _tidak_ada_pemutus(puskesmas)

    html = _banner(client_loket)
    assert html.count('role="alert"') == 1
    assert "periksa cons-id, secret key dan user key PCare" in html
    assert "jam server sesuai dengan BPJS" in html
    assert "gangguan" not in html
    assert "3 permintaan ditahan" in html

    # Fixed: another fingerprint of the keys lifts the hold at once and the backlog goes.
    bpjs_settings.BPJS_SECRET_KEY = "simulator-secret"
    assert services.akses_periksa_perubahan() == [puskesmas.pk]  # the beat's sweep
    assert proses(rows(kunjungan[0])[J.CEK_PESERTA]) == S.BERHASIL
    for k in kunjungan:
        proses_semua(k)
    assert all(rows(k)[J.PENDAFTARAN_ADD].status == S.BERHASIL for k in kunjungan)
    assert 'role="alert"' not in _banner(client_loket)


def test_a_clock_ten_minutes_off_is_named_and_a_retry_notices_the_fix(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs, client_loket, puskesmas
):
    bpjs_settings.BPJS_AKSES_JEDA = 2.0
    control.post("/config", json={"clock_offset": 600})  # BPJS 10 minutes ahead of us
    k = daftar_bpjs(peserta_pasien("aktif"))
    cek = rows(k)[J.CEK_PESERTA]
    assert proses(cek) == "ditolak_akses"
    cek.refresh_from_db()
    assert cek.kode_galat == "auth_jam"
    assert "jam server Puskesmas 10 menit lebih lambat dari jam BPJS" in cek.pesan_galat
    _tidak_ada_pemutus(puskesmas)
    html = _banner(client_loket)
    assert "Setel jam server (NTP)" in html and "gangguan" not in html
    assert proses(cek) in ("tidak_diklaim", "ditahan_akses")  # held until its retry time
    assert len(panggilan(sim, "GET", "peserta")) == 1

    control.post("/config", json={"clock_offset": 0})  # the clock was fixed (same keys)
    time.sleep(2.1)
    assert proses(cek) == S.BERHASIL
    assert 'role="alert"' not in _banner(client_loket)


def test_a_wrong_antrean_user_key_holds_only_mobile_jkn_and_names_that_key(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, client_loket, puskesmas
):
    bpjs_settings.BPJS_ANTREAN_USER_KEY = "user-key-salah"
    k = daftar_bpjs(peserta_pasien("aktif"))
    proses_semua(k)
    r = rows(k)
    # PCare accepted the same cons-id and secret: only the Antrean FKTP key can be wrong.
    assert r[J.CEK_PESERTA].status == S.BERHASIL
    assert r[J.PENDAFTARAN_ADD].status == S.BERHASIL
    antrean = r[J.ANTREAN_ADD]
    assert antrean.status == S.MENUNGGU and antrean.kode_galat == "auth_user_key"
    assert "periksa user key Antrean FKTP" in antrean.pesan_galat
    _tidak_ada_pemutus(puskesmas)
    html = _banner(client_loket)
    assert "BPJS Antrean FKTP menolak user key Antrean FKTP" in html


def test_an_outage_still_retries_with_backoff_and_opens_the_breaker(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs, puskesmas
):
    control.post("/faults", json={"mode": "down"})
    k = daftar_bpjs(peserta_pasien("aktif"))
    cek = rows(k)[J.CEK_PESERTA]
    for _ in range(3):
        PermintaanBpjs.objects.filter(pk=cek.pk).update(jadwal=k.diterima_server)
        assert proses(cek) == "gagal_sementara"
    cek.refresh_from_db()
    assert cek.percobaan == 3 and cek.ambigu
    assert breaker.keadaan(puskesmas.pk).gangguan
