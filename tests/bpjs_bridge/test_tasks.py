"""The outbox through a real Celery worker (in a thread, consuming the test broker) against the
simulator over HTTP: retries, permanent failures, idempotency and the breaker end to end."""

from __future__ import annotations

import itertools
import time

import pytest

from bpjs_bridge import breaker, services
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan
from bpjs_bridge.tasks import proses_permintaan
from tests.bpjs_bridge.conftest import panggilan, tunggu

J = JenisPermintaan
S = StatusPermintaan
pytestmark = pytest.mark.django_db(transaction=True)


def row(kunjungan, jenis: str) -> PermintaanBpjs:
    return PermintaanBpjs.objects.get(kunjungan=kunjungan, jenis=jenis)


def status(kunjungan, jenis: str) -> str:
    return row(kunjungan, jenis).status


def test_transient_5xx_is_retried_with_backoff_then_succeeds(
    pekerja, sim, control, peserta_pasien, daftar_bpjs
):
    control.post("/faults", json={"mode": "error5xx", "path_contains": "peserta", "remaining": 2})
    k = daftar_bpjs(peserta_pasien("aktif"))
    tunggu(lambda: status(k, J.PENDAFTARAN_ADD) == S.BERHASIL)
    cek = row(k, J.CEK_PESERTA)
    log = list(cek.log.order_by("ke"))
    assert [p.hasil for p in log] == ["gagal_sementara", "gagal_sementara", "berhasil"]
    assert log[0].kode_galat == "BpjsServerError/500"
    # Backoff: at least half the base (0.1 s → ≥ 0.05 s, then ≥ 0.1 s) between attempts.
    jeda = [(b.mulai - a.mulai).total_seconds() for a, b in itertools.pairwise(log)]
    assert jeda[0] >= 0.05 and jeda[1] >= 0.1
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


def test_a_permanent_412_goes_straight_to_the_worklist(
    pekerja, sim, control, peserta_pasien, daftar_bpjs
):
    control.post("/faults", json={"mode": "validation412", "path_contains": "pendaftaran"})
    k = daftar_bpjs(peserta_pasien("aktif"))
    tunggu(lambda: status(k, J.PENDAFTARAN_ADD) == S.GAGAL_FINAL)
    add = row(k, J.PENDAFTARAN_ADD)
    assert add.percobaan == 1
    assert "Simulasi: data tidak valid" in add.pesan_galat
    assert add.pesan_galat.startswith("Data ditolak oleh BPJS")
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


def test_the_same_task_delivered_twice_registers_once(
    pekerja, sim, control, peserta_pasien, daftar_bpjs
):
    # Hold the PCare registration for a moment so the duplicate arrives while it is in flight.
    control.post("/faults", json={"mode": "slow", "delay_ms": 400, "path_contains": "pendaftaran"})
    k = daftar_bpjs(peserta_pasien("aktif"))
    tunggu(lambda: status(k, J.PENDAFTARAN_ADD) == S.DIPROSES)
    add = row(k, J.PENDAFTARAN_ADD)
    proses_permintaan.delay(add.pk)
    proses_permintaan.delay(add.pk)
    tunggu(lambda: status(k, J.PENDAFTARAN_ADD) == S.BERHASIL)
    time.sleep(0.5)  # let the duplicates run
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1
    assert row(k, J.PENDAFTARAN_ADD).log.count() == 1


def test_breaker_opens_pauses_probes_and_closes_with_every_call_made_once(
    pekerja, sim, control, peserta_pasien, daftar_bpjs, puskesmas, bpjs_settings
):
    # A pause long enough that a loaded machine cannot reach the half-open probe before the
    # assertions below have looked.
    bpjs_settings.BPJS_BREAKER_JEDA = 4.0
    control.post("/faults", json={"mode": "down"})
    visits = [daftar_bpjs(peserta_pasien("aktif", i)) for i in range(6)]
    tunggu(lambda: breaker.keadaan(puskesmas.pk).gangguan)
    tunggu(
        lambda: (
            PermintaanBpjs.objects.filter(
                jenis=J.CEK_PESERTA, status__in=(S.MENUNGGU, S.GAGAL_SEMENTARA)
            ).count()
            == 6
        )
    )
    peserta_calls = len(panggilan(sim, "GET", "peserta"))
    assert peserta_calls <= 3 + 1  # ambang, plus at most one probe
    control.post("/faults", json={"mode": "ok"})
    sisa = breaker.keadaan(puskesmas.pk).probe_setelah - time.time()
    time.sleep(max(sisa, 0) + 0.05)  # the rest of the breaker's pause
    services.sapu()  # what beat does: asks the worker for a probe
    tunggu(lambda: not breaker.keadaan(puskesmas.pk).gangguan)
    for k in visits:
        tunggu(lambda k=k: status(k, J.PENDAFTARAN_ADD) == S.BERHASIL)
    kartu = sorted(c["body"]["noKartu"] for c in panggilan(sim, "POST", "pendaftaran"))
    assert kartu == sorted(k.pasien.no_bpjs for k in visits)  # each exactly once
    # While BPJS was down only the first `ambang` calls were spent (and recorded); the other
    # rows waited without an attempt. (percobaan counts the final successful one too.)
    gagal = sum(row(k, J.CEK_PESERTA).log.filter(hasil="gagal_sementara").count() for k in visits)
    assert gagal == peserta_calls
    assert max(row(k, J.CEK_PESERTA).percobaan for k in visits) <= 3
