"""The outbox and one row's processing, against the simulator over real HTTP. Rows are processed
by calling the service directly (what the Celery task does), so each step can be inspected."""

from __future__ import annotations

import pytest
from django.db import transaction

from bpjs_bridge import services
from bpjs_bridge.models import (
    HasilPercobaan,
    JenisPermintaan,
    PermintaanBpjs,
    StatusPermintaan,
    StatusPeserta,
)
from pendaftaran.models import Kunjungan
from tests.bpjs_bridge.conftest import panggilan

J = JenisPermintaan
S = StatusPermintaan
pytestmark = pytest.mark.django_db


def rows(kunjungan) -> dict[str, PermintaanBpjs]:
    return {r.jenis: r for r in PermintaanBpjs.objects.filter(kunjungan=kunjungan)}


def proses(row: PermintaanBpjs) -> str:
    return services.permintaan_proses(permintaan_id=row.pk, pekerja="uji")


def proses_semua(kunjungan, putaran: int = 5) -> None:
    """Process every due row of the visit in order, as workers would."""
    for _ in range(putaran):
        for r in PermintaanBpjs.objects.filter(kunjungan=kunjungan).order_by("pk"):
            proses(r)


def test_a_bpjs_visit_writes_its_outbox_rows_in_the_same_transaction_and_publishes_on_commit(
    bpjs_settings, peserta_pasien, daftar_bpjs, django_capture_on_commit_callbacks, monkeypatch
):
    terkirim: list[int] = []
    monkeypatch.setattr(
        "bpjs_bridge.tasks.proses_permintaan.apply_async",
        lambda args, **kw: terkirim.append(args[0]),
    )
    pasien = peserta_pasien("aktif")
    with django_capture_on_commit_callbacks(execute=True):
        k = daftar_bpjs(pasien)
        r = rows(k)
        assert set(r) == {J.CEK_PESERTA, J.PENDAFTARAN_ADD, J.ANTREAN_ADD}
        assert r[J.PENDAFTARAN_ADD].setelah == r[J.CEK_PESERTA]
        assert r[J.ANTREAN_ADD].tiket == k.tiket_pertama
        assert all(x.status == S.MENUNGGU and x.diantrekan_pada is None for x in r.values())
        assert terkirim == []  # nothing published inside the transaction
    # Published after commit, and only the head of the chain: the rest follow their turn.
    assert terkirim == [r[J.CEK_PESERTA].pk]
    assert PermintaanBpjs.objects.get(pk=r[J.CEK_PESERTA].pk).diantrekan_pada is not None


def test_a_broker_outage_never_fails_the_registration(
    bpjs_settings, peserta_pasien, daftar_bpjs, django_capture_on_commit_callbacks, monkeypatch
):
    def mati(*args, **kwargs):
        raise ConnectionRefusedError("redis mati")

    monkeypatch.setattr("bpjs_bridge.tasks.proses_permintaan.apply_async", mati)
    with django_capture_on_commit_callbacks(execute=True):
        k = daftar_bpjs(peserta_pasien("aktif"))
    cek = rows(k)[J.CEK_PESERTA]
    assert cek.status == S.MENUNGGU and cek.diantrekan_pada is None  # the sweep will publish


def test_a_visit_rolled_back_leaves_no_outbox_rows(bpjs_settings, peserta_pasien, daftar_bpjs):
    pasien = peserta_pasien("aktif")
    with pytest.raises(RuntimeError), transaction.atomic():
        daftar_bpjs(pasien)
        raise RuntimeError("loket gagal menyimpan")
    assert not Kunjungan.objects.filter(pasien=pasien).exists()
    assert not PermintaanBpjs.objects.exists()


def test_an_umum_visit_needs_no_bpjs_work(bpjs_settings, peserta_pasien, daftar_bpjs):
    k = daftar_bpjs(peserta_pasien("aktif"), penjamin="umum")
    assert not PermintaanBpjs.objects.filter(kunjungan=k).exists()


def test_eligibility_then_pcare_registration_then_mobile_jkn_queue(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs
):
    pasien = peserta_pasien("aktif")
    k = daftar_bpjs(pasien)
    r = rows(k)
    # The registration waits for its predecessor without spending an attempt.
    assert proses(r[J.PENDAFTARAN_ADD]) == "menunggu_pendahulu"
    assert proses(r[J.CEK_PESERTA]) == S.BERHASIL
    assert proses(r[J.PENDAFTARAN_ADD]) == S.BERHASIL
    assert proses(r[J.ANTREAN_ADD]) == S.BERHASIL
    r = rows(k)
    assert r[J.PENDAFTARAN_ADD].hasil["noUrut"].startswith("A")
    assert r[J.PENDAFTARAN_ADD].percobaan == 1
    assert r[J.CEK_PESERTA].hasil["ket_aktif"] == "AKTIF"
    cache = StatusPeserta.objects.get(no_kartu=pasien.no_bpjs)
    assert cache.aktif and cache.kd_provider == "0114U163"
    state = sim.simulator.state
    assert [p["noKartu"] for p in state.pendaftaran.values()] == [pasien.no_bpjs]
    (antrean,) = state.antrean.values()
    assert antrean["nomorantrean"] == k.tiket_pertama.kode
    assert antrean["nik"] == pasien.nik


def test_processing_a_row_twice_makes_one_call(bpjs_settings, sim, peserta_pasien, daftar_bpjs):
    k = daftar_bpjs(peserta_pasien("aktif"))
    r = rows(k)
    proses(r[J.CEK_PESERTA])
    assert proses(r[J.PENDAFTARAN_ADD]) == S.BERHASIL
    assert proses(r[J.PENDAFTARAN_ADD]) == "tidak_diklaim"
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


def test_an_unanswered_registration_is_reconciled_from_the_day_list_not_sent_again(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs
):
    pasien = peserta_pasien("aktif")
    k = daftar_bpjs(pasien)
    r = rows(k)
    proses(r[J.CEK_PESERTA])
    # BPJS registers the visit, but the answer never reaches us (client timeout 1 s).
    control.post(
        "/faults",
        json={"mode": "timeout", "delay_ms": 3000, "apply": True, "path_contains": "pendaftaran"},
    )
    assert proses(r[J.PENDAFTARAN_ADD]) == "gagal_sementara"
    add = PermintaanBpjs.objects.get(pk=r[J.PENDAFTARAN_ADD].pk)
    assert add.ambigu and add.status == S.GAGAL_SEMENTARA
    assert add.kode_galat.startswith("BpjsTimeoutError")
    control.post("/faults", json={"mode": "ok"})
    PermintaanBpjs.objects.filter(pk=add.pk).update(jadwal=add.dibuat_pada)
    assert proses(add) == S.BERHASIL
    add.refresh_from_db()
    (terdaftar,) = sim.simulator.state.pendaftaran.values()
    assert add.hasil == {"noUrut": terdaftar["noUrut"], "rekonsiliasi": True}
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1  # never a second registration
    assert add.log.last().hasil == HasilPercobaan.REKONSILIASI


def test_a_claim_left_by_a_dead_worker_is_taken_over_as_uncertain(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, settings
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    r = rows(k)
    proses(r[J.CEK_PESERTA])
    add = r[J.PENDAFTARAN_ADD]
    assert proses(add) == S.BERHASIL
    # Pretend the worker died after PCare answered but before saving.
    PermintaanBpjs.objects.filter(pk=add.pk).update(
        status=S.DIPROSES, diklaim_oleh="mati:1", diklaim_pada=add.dibuat_pada, hasil={}
    )
    settings.BPJS_KLAIM_KEDALUWARSA = 0.0
    assert proses(add) == S.BERHASIL
    add.refresh_from_db()
    assert add.hasil["rekonsiliasi"] is True
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


@pytest.mark.parametrize(
    ("kategori", "kode", "kata"),
    [
        ("tidak_aktif", "tidak_aktif", "tidak aktif"),
        ("menunggak", "menunggak", "MENUNGGAK"),
        ("fktp_lain", "fktp_lain", "FKTP lain"),
    ],
)
def test_an_eligibility_problem_goes_to_the_worklist_and_holds_the_registration(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, kategori, kode, kata
):
    from bpjs_bridge import selectors

    pasien = peserta_pasien(kategori)
    k = daftar_bpjs(pasien)
    proses_semua(k)
    r = rows(k)
    assert r[J.CEK_PESERTA].status == S.GAGAL_FINAL
    assert r[J.CEK_PESERTA].kode_galat == kode
    assert kata in r[J.CEK_PESERTA].pesan_galat
    assert r[J.PENDAFTARAN_ADD].status == S.MENUNGGU  # held, not sent, not lost
    assert not panggilan(sim, "POST", "pendaftaran")
    assert list(selectors.worklist(puskesmas=k.puskesmas)) == [r[J.CEK_PESERTA]]
    cache = StatusPeserta.objects.get(no_kartu=pasien.no_bpjs)
    assert cache.aktif is (kategori == "fktp_lain")
    status = selectors.status_kunjungan(k)
    assert status.kelas == "gagal" and status.final


def test_unknown_card_is_a_final_failure_with_the_reason(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs
):
    pasien = peserta_pasien("aktif")
    pasien.no_bpjs = "0009999999999"
    pasien.save()
    k = daftar_bpjs(pasien)
    proses_semua(k)
    cek = rows(k)[J.CEK_PESERTA]
    assert cek.status == S.GAGAL_FINAL
    assert "tidak ditemukan" in cek.pesan_galat.lower()


def test_worklist_change_to_umum_cancels_the_pending_registration_and_is_recorded(
    bpjs_settings,
    sim,
    peserta_pasien,
    daftar_bpjs,
    petugas_loket,
    django_capture_on_commit_callbacks,
):
    from antrean import live

    k = daftar_bpjs(peserta_pasien("tidak_aktif"))
    proses_semua(k)
    cek = rows(k)[J.CEK_PESERTA]
    unit_id = k.tiket_pertama.unit_id
    versi = live.versi_unit(k.puskesmas_id, unit_id)[1]
    versi_tv = live.versi_tv(k.puskesmas_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.worklist_ubah_umum(permintaan=cek, oleh=petugas_loket.user, catatan="diberi tahu")
    k.refresh_from_db()
    assert k.penjamin == "umum"
    # The poli panel shows the payer: its cached copy must go (antrean/views.py).
    assert live.versi_unit(k.puskesmas_id, unit_id)[1] != versi
    assert live.versi_tv(k.puskesmas_id) != versi_tv  # rare enough: the TV re-reads too
    r = rows(k)
    assert r[J.CEK_PESERTA].status == S.DIBATALKAN
    assert r[J.PENDAFTARAN_ADD].status == S.DIBATALKAN
    (tindakan,) = r[J.CEK_PESERTA].tindakan.all()
    assert (tindakan.aksi, tindakan.oleh, tindakan.catatan) == (
        "ubah_umum",
        petugas_loket.user,
        "diberi tahu",
    )
    proses_semua(k)
    assert not panggilan(sim, "POST", "pendaftaran")
    with pytest.raises(services.WorklistError):
        services.worklist_coba_lagi(permintaan=cek, oleh=petugas_loket.user)


def test_worklist_mark_done_lets_the_held_registration_go_on(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, petugas_loket, control
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    control.post("/faults", json={"mode": "validation412", "path_contains": "peserta"})
    proses_semua(k, putaran=1)
    control.post("/faults", json={"mode": "ok"})
    cek = rows(k)[J.CEK_PESERTA]
    assert cek.status == S.GAGAL_FINAL
    services.worklist_tandai_selesai(permintaan=cek, oleh=petugas_loket.user, catatan="cek manual")
    proses_semua(k)
    assert rows(k)[J.PENDAFTARAN_ADD].status == S.BERHASIL
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


def test_worklist_retry_sends_again_with_a_fresh_attempt_budget(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, petugas_loket, control
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    control.post("/faults", json={"mode": "validation412", "path_contains": "peserta"})
    proses_semua(k, putaran=1)
    control.post("/faults", json={"mode": "ok"})
    cek = services.worklist_coba_lagi(permintaan=rows(k)[J.CEK_PESERTA], oleh=petugas_loket.user)
    assert cek.status == S.MENUNGGU and cek.percobaan == 0
    proses_semua(k)
    r = rows(k)
    assert r[J.CEK_PESERTA].status == S.BERHASIL
    assert r[J.CEK_PESERTA].log.count() == 2  # both attempts kept
    assert r[J.PENDAFTARAN_ADD].status == S.BERHASIL


def test_cancelling_a_registered_visit_deletes_it_at_pcare_and_cancels_mobile_jkn(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, petugas_loket
):
    from pendaftaran.services import kunjungan_batal

    k = daftar_bpjs(peserta_pasien("aktif"))
    proses_semua(k)
    assert len(sim.simulator.state.pendaftaran) == 1
    kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan="pasien pulang")
    proses_semua(k)
    r = rows(k)
    assert r[J.PENDAFTARAN_DELETE].status == S.BERHASIL
    assert r[J.ANTREAN_BATAL].status == S.BERHASIL
    assert sim.simulator.state.pendaftaran == {}
    assert [a["status"] for a in sim.simulator.state.antrean.values()] == ["batal"]


def test_cancelling_before_anything_was_sent_sends_nothing(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, petugas_loket
):
    from pendaftaran.services import kunjungan_batal

    k = daftar_bpjs(peserta_pasien("aktif"))
    kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan="salah pasien")
    proses_semua(k)
    assert {r.status for r in rows(k).values()} == {S.DIBATALKAN}
    assert sim.simulator.calls == []


def test_cancelling_while_the_registration_is_uncertain_reconciles_then_deletes(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs, petugas_loket
):
    from pendaftaran.services import kunjungan_batal

    k = daftar_bpjs(peserta_pasien("aktif"))
    r = rows(k)
    proses(r[J.CEK_PESERTA])
    control.post(
        "/faults",
        json={"mode": "timeout", "delay_ms": 3000, "apply": True, "path_contains": "pendaftaran"},
    )
    proses(r[J.PENDAFTARAN_ADD])
    control.post("/faults", json={"mode": "ok"})
    kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan="pasien pulang")
    PermintaanBpjs.objects.filter(kunjungan=k).update(jadwal=k.diterima_server)
    proses_semua(k)
    r = rows(k)
    assert r[J.PENDAFTARAN_ADD].hasil["rekonsiliasi"] is True
    assert r[J.PENDAFTARAN_DELETE].status == S.BERHASIL
    assert sim.simulator.state.pendaftaran == {}
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


def test_a_called_bpjs_patient_is_reported_to_mobile_jkn_once_in_order(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    tiket = k.tiket_pertama
    panggil = services.outbox_antrean_panggil(tiket=tiket, hadir=True)
    assert services.outbox_antrean_panggil(tiket=tiket, hadir=True) is None  # panggil ulang
    assert panggil.setelah == rows(k)[J.ANTREAN_ADD]
    proses(panggil)
    assert PermintaanBpjs.objects.get(pk=panggil.pk).status == S.MENUNGGU  # add not done yet
    proses_semua(k)
    panggil.refresh_from_db()
    assert panggil.status == S.BERHASIL
    (antrean,) = sim.simulator.state.antrean.values()
    assert antrean["status"] == "hadir"


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.BPJS_RETRY_DASAR = 10
    settings.BPJS_RETRY_BATAS = 900
    assert services.jeda_backoff(1, rng=lambda: 0.0) == 5
    assert services.jeda_backoff(1, rng=lambda: 1.0) == 10
    assert services.jeda_backoff(3, rng=lambda: 1.0) == 40
    assert services.jeda_backoff(20, rng=lambda: 1.0) == 900
    assert 450 <= services.jeda_backoff(20) <= 900


def test_transient_failures_retry_until_the_cap_then_go_to_the_worklist(
    bpjs_settings, sim, control, peserta_pasien, daftar_bpjs
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    cek = rows(k)[J.CEK_PESERTA]
    control.post("/faults", json={"mode": "error5xx"})
    bpjs_settings.BPJS_BREAKER_AMBANG = 100  # this test is about the attempt cap
    hasil = []
    for _ in range(bpjs_settings.BPJS_PERCOBAAN_MAKS):
        PermintaanBpjs.objects.filter(pk=cek.pk).update(jadwal=cek.dibuat_pada)
        hasil.append(proses(cek))
    assert hasil == ["gagal_sementara"] * 3 + ["gagal_final"]
    cek.refresh_from_db()
    assert cek.status == S.GAGAL_FINAL and cek.percobaan == 4
    assert "gagal 4 kali" in cek.pesan_galat
    assert cek.log.count() == 4


def test_the_sweep_recovers_stale_claims_and_republishes_lost_messages(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs, settings, monkeypatch
):
    terkirim: list[int] = []
    monkeypatch.setattr(
        "bpjs_bridge.tasks.proses_permintaan.apply_async",
        lambda args, **kw: terkirim.append(args[0]),
    )
    k = daftar_bpjs(peserta_pasien("aktif"))
    r = rows(k)
    PermintaanBpjs.objects.filter(pk=r[J.CEK_PESERTA].pk).update(
        status=S.DIPROSES, diklaim_pada=k.diterima_server, diklaim_oleh="mati:9"
    )
    settings.BPJS_KLAIM_KEDALUWARSA = 0.0
    hasil = services.sapu()
    assert hasil.basi == 1
    assert terkirim == [r[J.CEK_PESERTA].pk]  # successors wait for their predecessor
    cek = PermintaanBpjs.objects.get(pk=r[J.CEK_PESERTA].pk)
    assert cek.status == S.GAGAL_SEMENTARA and cek.ambigu and cek.diantrekan_pada is not None
    assert services.sapu().diantrekan == 0  # published recently: not again


def test_a_patient_who_lost_the_card_is_found_by_nik_and_registered_with_the_card_bpjs_knows(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs
):
    """Known to us by NIK only (card lost): the eligibility check asks BPJS by NIK, stores the
    card number BPJS returns on the patient (audited), and PCare + Mobile JKN get that card."""
    from audit.models import AuditLog

    pasien = peserta_pasien("nik_saja")
    pasien.no_bpjs = None
    pasien.save()
    peserta = next(p for p in sim.simulator.participants if p["nik"] == pasien.nik)
    k = daftar_bpjs(pasien)
    r = rows(k)
    assert r[J.CEK_PESERTA].payload == {"no_kartu": "", "nik": pasien.nik}
    proses_semua(k)
    r = rows(k)
    assert {x.status for x in r.values()} == {S.BERHASIL}, {
        x.jenis: x.pesan_galat for x in r.values()
    }
    assert len(panggilan(sim, "GET", f"peserta/nik/{pasien.nik}")) == 1
    assert r[J.CEK_PESERTA].hasil["no_kartu"] == peserta["no_kartu"]
    pasien.refresh_from_db()
    assert pasien.no_bpjs == peserta["no_kartu"]
    assert AuditLog.objects.filter(aksi="pasien_ubah", objek_id=str(pasien.pk)).exists()
    state = sim.simulator.state
    assert [p["noKartu"] for p in state.pendaftaran.values()] == [peserta["no_kartu"]]
    (antrean,) = state.antrean.values()
    assert antrean["nomorkartu"] == peserta["no_kartu"]
