"""The beat's sweep and the breaker on the shared outbox mechanism (integrasi/outbox.py), as BPJS
uses it: a stale claim is taken over once, and one Puskesmas' outage holds only its own rows.
Rows are processed by calling the service (what the Celery task does); the cache is Redis when
REDIS_URL is set."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from bpjs_bridge import breaker, services
from bpjs_bridge.models import HasilPercobaan, JenisPermintaan, PermintaanBpjs, StatusPermintaan
from integrasi.services import pengaturan_simpan
from pendaftaran.services import kunjungan_daftar
from pendaftaran.validasi import DataKunjungan
from tests.bpjs_bridge.conftest import SIM_CONFIG, panggilan
from tests.factories import KlasterFactory, PasienFactory, UnitFactory

J = JenisPermintaan
S = StatusPermintaan
pytestmark = pytest.mark.django_db

# Nothing listens here (this worktree's own port range): connection refused, an outage.
BPJS_MATI = "http://127.0.0.1:18499"


@pytest.fixture
def terkirim(monkeypatch) -> list[int]:
    """Messages the services publish (no worker: the test delivers them itself)."""
    daftar: list[int] = []
    monkeypatch.setattr(
        "bpjs_bridge.tasks.proses_permintaan.apply_async",
        lambda args, **kw: daftar.append(args[0]),
    )
    monkeypatch.setattr("bpjs_bridge.tasks.probe.apply_async", lambda args, **kw: None)
    return daftar


def _row(kunjungan, jenis: str) -> PermintaanBpjs:
    return PermintaanBpjs.objects.get(kunjungan=kunjungan, jenis=jenis)


def test_a_registration_claimed_by_a_dead_worker_is_taken_over_by_the_sweep_once_and_made_once(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, settings, terkirim
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    services.permintaan_proses(permintaan_id=_row(k, J.CEK_PESERTA).pk)
    add = _row(k, J.PENDAFTARAN_ADD)
    assert services.permintaan_proses(permintaan_id=add.pk) == S.BERHASIL
    # The worker that claimed it died after PCare registered the visit, before saving.
    PermintaanBpjs.objects.filter(pk=add.pk).update(
        status=S.DIPROSES, diklaim_oleh="mati:1", diklaim_pada=add.dibuat_pada, hasil={}
    )
    settings.BPJS_KLAIM_KEDALUWARSA = 0.0
    # Two beat nodes sweep at the same moment: one takes the claim over, and publishes once.
    pertama, kedua = services.sapu(), services.sapu()
    assert (pertama.basi, kedua.basi) == (1, 0)
    assert terkirim.count(add.pk) == 1
    add.refresh_from_db()
    assert add.status == S.GAGAL_SEMENTARA and add.ambigu and add.diklaim_oleh == ""
    # The message is delivered twice (acks_late redelivery): one reconciliation, no new call.
    hasil = [services.permintaan_proses(permintaan_id=add.pk) for _ in range(2)]
    assert hasil == [S.BERHASIL, "tidak_diklaim"]
    add.refresh_from_db()
    (terdaftar,) = sim.simulator.state.pendaftaran.values()
    assert add.hasil == {"noUrut": terdaftar["noUrut"], "rekonsiliasi": True}
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1
    assert add.log.filter(hasil=HasilPercobaan.REKONSILIASI).count() == 1


def test_a_breaker_opened_for_one_puskesmas_holds_none_of_another_puskesmas_rows(
    bpjs_settings,
    sim,
    peserta_pasien,
    daftar_bpjs,
    puskesmas,
    puskesmas_lain,
    admin_puskesmas,
    petugas_loket,
    terkirim,
):
    # The pause must outlast the test however slow the box: the fourth row finds the breaker
    # still open and the sweep sends no probe (with the fixture's 1 s both raced a loaded box).
    bpjs_settings.BPJS_BREAKER_JEDA = 300.0
    # The neighbour's BPJS is unreachable; ours (the simulator) answers.
    pengaturan_simpan(
        puskesmas=puskesmas_lain,
        oleh=admin_puskesmas.user,
        data={
            "bpjs_aktif": True,
            "bpjs_cons_id": SIM_CONFIG.cons_id,
            "bpjs_secret_key": SIM_CONFIG.secret,
            "bpjs_user_key": SIM_CONFIG.user_key,
            "bpjs_antrean_user_key": SIM_CONFIG.antrean_user_key,
            "pcare_username": SIM_CONFIG.username,
            "pcare_password": SIM_CONFIG.password,
            "pcare_base_url": f"{BPJS_MATI}/pcare-rest",
            "antrean_base_url": f"{BPJS_MATI}/antreanfktp",
        },
    )
    unit_b = UnitFactory(
        puskesmas=puskesmas_lain,
        kode="UMUM",
        kd_poli_pcare="001",
        klaster=KlasterFactory(puskesmas=puskesmas_lain),
    )
    tetangga = [
        kunjungan_daftar(
            puskesmas=puskesmas_lain,
            unit=unit_b,
            data=DataKunjungan(penjamin="bpjs"),
            pasien=PasienFactory(puskesmas=puskesmas_lain, no_bpjs=f"000990000000{i}"),
            client_uuid=uuid.uuid4(),
            oleh=petugas_loket.user,
        ).kunjungan
        for i in range(4)
    ]
    kami = [daftar_bpjs(peserta_pasien("aktif", i)) for i in range(2)]

    hasil_b = [
        services.permintaan_proses(permintaan_id=_row(k, J.CEK_PESERTA).pk) for k in tetangga
    ]
    assert hasil_b == ["gagal_sementara"] * 3 + ["ditunda_pemutus"]  # ambang 3
    assert breaker.keadaan(puskesmas_lain.pk).status == breaker.TERBUKA
    assert not breaker.keadaan(puskesmas.pk).gangguan
    # Our rows go on as if nothing happened next door.
    hasil_a = [services.permintaan_proses(permintaan_id=_row(k, J.CEK_PESERTA).pk) for k in kami]
    assert hasil_a == [S.BERHASIL] * 2

    # Everything is due and unpublished: the sweep publishes ours and none of the neighbour's.
    PermintaanBpjs.objects.filter(status__in=(S.MENUNGGU, S.GAGAL_SEMENTARA)).update(
        jadwal=timezone.now() - timedelta(seconds=5), diantrekan_pada=None
    )
    terkirim.clear()
    sapuan = services.sapu()
    milik_kami = set(
        PermintaanBpjs.objects.filter(puskesmas=puskesmas, status=S.MENUNGGU).values_list(
            "pk", flat=True
        )
    )
    assert milik_kami and set(terkirim) == milik_kami
    assert sapuan.probe == []  # the neighbour's pause is not over yet
    for pk in sorted(milik_kami):
        assert services.permintaan_proses(permintaan_id=pk) == S.BERHASIL
    assert not breaker.keadaan(puskesmas.pk).gangguan
    assert breaker.keadaan(puskesmas_lain.pk).gangguan
