"""The circuit breaker: shared through the cache, opens after N transient failures, makes rows
wait without spending attempts, probes, and closes when BPJS answers."""

from __future__ import annotations

import time

import pytest

from bpjs_bridge import breaker, services
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan
from tests.bpjs_bridge.conftest import panggilan

S = StatusPermintaan
pytestmark = pytest.mark.django_db


@pytest.fixture
def terkirim(monkeypatch) -> list[int]:
    """Messages the services publish (no worker here: tests drive the rows themselves)."""
    daftar: list[int] = []
    monkeypatch.setattr(
        "bpjs_bridge.tasks.proses_permintaan.apply_async",
        lambda args, **kw: daftar.append(args[0]),
    )
    monkeypatch.setattr("bpjs_bridge.tasks.probe.apply_async", lambda args, **kw: None)
    return daftar


def cek_rows(kunjungan_list) -> list[PermintaanBpjs]:
    return [
        PermintaanBpjs.objects.get(kunjungan=k, jenis=JenisPermintaan.CEK_PESERTA)
        for k in kunjungan_list
    ]


def test_breaker_opens_after_n_transient_failures_then_rows_wait_without_spending_attempts(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs, puskesmas, terkirim
):
    visits = [daftar_bpjs(peserta_pasien("aktif", i)) for i in range(5)]
    control.post("/faults", json={"mode": "down"})
    hasil = [services.permintaan_proses(permintaan_id=r.pk) for r in cek_rows(visits)]
    # Ambang is 3: three real failures, then BPJS is left alone.
    assert hasil == ["gagal_sementara"] * 3 + ["ditunda_pemutus"] * 2
    assert len(panggilan(sim, "GET", "peserta")) == 3
    keadaan = breaker.keadaan(puskesmas.pk)
    assert keadaan.status == breaker.TERBUKA and keadaan.gangguan
    ditunda = cek_rows(visits)[3]
    assert ditunda.status == S.MENUNGGU and ditunda.percobaan == 0  # no attempt burned
    assert ditunda.log.count() == 0


def test_half_open_allows_one_probe_and_a_failed_probe_reopens(
    bpjs_settings, sim, control, puskesmas, terkirim
):
    control.post("/faults", json={"mode": "down"})
    for _ in range(3):
        breaker.catat_gagal(puskesmas.pk)
    assert not breaker.minta_izin(puskesmas.pk).boleh
    time.sleep(1.05)
    assert breaker.keadaan(puskesmas.pk).status == breaker.SETENGAH
    assert services.probe_pemutus(puskesmas_id=puskesmas.pk) == "masih_gangguan"
    assert breaker.keadaan(puskesmas.pk).status == breaker.TERBUKA
    time.sleep(1.05)
    izin = breaker.minta_izin(puskesmas.pk)
    assert izin.boleh and izin.probe
    assert not breaker.minta_izin(puskesmas.pk).boleh  # only one probe at a time


def test_a_successful_probe_closes_the_breaker_and_releases_the_waiting_rows(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs, puskesmas, terkirim
):
    visits = [daftar_bpjs(peserta_pasien("aktif", i)) for i in range(4)]
    control.post("/faults", json={"mode": "down"})
    for r in cek_rows(visits):
        services.permintaan_proses(permintaan_id=r.pk)
    control.post("/faults", json={"mode": "ok"})
    time.sleep(1.05)
    terkirim.clear()
    assert services.sapu().probe == [puskesmas.pk]
    assert services.probe_pemutus(puskesmas_id=puskesmas.pk) == "pulih"
    assert breaker.keadaan(puskesmas.pk).status == breaker.TERTUTUP
    # Everything waiting is due now, backoff or not, and was published at once.
    assert sorted(terkirim) == sorted(r.pk for r in cek_rows(visits))
    for pk in terkirim:
        assert services.permintaan_proses(permintaan_id=pk) == S.BERHASIL


def test_breaker_state_is_per_puskesmas(bpjs_settings, puskesmas, puskesmas_lain):
    for _ in range(3):
        breaker.catat_gagal(puskesmas.pk)
    assert breaker.keadaan(puskesmas.pk).gangguan
    assert not breaker.keadaan(puskesmas_lain.pk).gangguan


def test_an_answer_from_bpjs_resets_the_consecutive_count(bpjs_settings, puskesmas, terkirim):
    breaker.catat_gagal(puskesmas.pk)
    breaker.catat_gagal(puskesmas.pk)
    breaker.catat_berhasil(puskesmas.pk)
    breaker.catat_gagal(puskesmas.pk)
    assert not breaker.keadaan(puskesmas.pk).gangguan


def test_opening_and_closing_are_recorded_in_the_downtime_ledger_when_it_exists(
    bpjs_settings, puskesmas, terkirim
):
    downtime_services = pytest.importorskip("downtime.services")
    if not hasattr(downtime_services, "episode_bpjs_mulai"):
        pytest.skip("downtime ledger has no BPJS episodes yet")
    from downtime.models import EpisodeDowntime

    for _ in range(3):
        breaker.catat_gagal(puskesmas.pk)
    episode = EpisodeDowntime.objects.get(puskesmas=puskesmas, jenis="bpjs")
    assert episode.selesai is None
    breaker.catat_berhasil(puskesmas.pk)
    episode.refresh_from_db()
    assert episode.selesai is not None


def test_a_probe_held_back_by_an_access_hold_lets_another_row_probe(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, puskesmas, terkirim
):
    from bpjs_bridge import akses
    from integrasi.selectors import konfigurasi_bpjs

    k = daftar_bpjs(peserta_pasien("aktif"))
    for _ in range(3):
        breaker.catat_gagal(puskesmas.pk)
    time.sleep(1.1)  # the pause (1 s in tests) is over: the next caller probes
    config = konfigurasi_bpjs(puskesmas.pk)
    akses.PENAHAN.tahan(
        puskesmas.pk, "pcare", kode="auth_kredensial", pesan="uji",
        sidik=akses.sidik(config, "pcare"),
    )  # fmt: skip
    (cek,) = cek_rows([k])
    assert services.permintaan_proses(permintaan_id=cek.pk) == "ditahan_akses"
    assert panggilan(sim, "GET", "peserta") == []  # the probe made no call ...
    assert breaker.minta_izin(puskesmas.pk).probe  # ... so it does not block the next probe
