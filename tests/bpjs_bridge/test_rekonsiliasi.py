"""Reconciliation never adopts a registration another visit holds: the same card registered at
two units sharing one PCare poli code (Poli Umum and Poli Lansia are both 001 in the demo), an
unanswered POST pendaftaran, then a cancel. Against the simulator over real HTTP."""

from __future__ import annotations

import pytest

from bpjs_bridge import services
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan
from tests.bpjs_bridge.conftest import panggilan
from tests.bpjs_bridge.test_outbox import proses, proses_semua, rows

J = JenisPermintaan
S = StatusPermintaan
pytestmark = pytest.mark.django_db

# BPJS registers the visit but the answer never reaches us (client timeout is 1 s in tests).
TIMEOUT_POST = {
    "mode": "timeout",
    "delay_ms": 2500,
    "apply": True,
    "path_contains": "pendaftaran",
    "remaining": 1,
}


@pytest.fixture
def dua_unit_satu_kode(control, bpjs_settings):
    """The simulator accepts one card twice a day at poli 001, as the real server was seen to."""
    control.post("/config", json={"allow_duplicate_poli": True})


def _ulang_sekarang(kunjungan) -> None:
    PermintaanBpjs.objects.filter(kunjungan=kunjungan).update(jadwal=kunjungan.diterima_server)


def _pcare(sim) -> dict[str, str]:
    """noUrut -> keluhan of what PCare holds now."""
    return {r["noUrut"]: r["keluhan"] for r in sim.simulator.state.pendaftaran.values()}


def _dua_kunjungan_tak_pasti(control, peserta_pasien, daftar_bpjs, keluhan=("demam", "demam")):
    """Umum and Lansia visits of one card whose POST pendaftaran both went unanswered."""
    pasien = peserta_pasien("aktif")
    umum = daftar_bpjs(pasien, unit="UMUM", keluhan=keluhan[0])
    lansia = daftar_bpjs(pasien, unit="LANSIA", keluhan=keluhan[1])
    for k in (umum, lansia):
        proses(rows(k)[J.CEK_PESERTA])
        control.post("/faults", json=TIMEOUT_POST)
        proses(rows(k)[J.PENDAFTARAN_ADD])
        _ulang_sekarang(k)
    return umum, lansia


def test_a_timed_out_registration_adopts_its_own_number_never_the_other_units(
    sim, control, dua_unit_satu_kode, peserta_pasien, daftar_bpjs, petugas_loket
):
    from pendaftaran.services import kunjungan_batal

    pasien = peserta_pasien("aktif")
    umum = daftar_bpjs(pasien, unit="UMUM")
    proses_semua(umum)
    assert rows(umum)[J.PENDAFTARAN_ADD].hasil == {"noUrut": "A1"}

    lansia = daftar_bpjs(pasien, unit="LANSIA")
    r = rows(lansia)
    assert r[J.PENDAFTARAN_ADD].payload["kd_poli"] == "001"  # the same PCare poli as Umum
    proses(r[J.CEK_PESERTA])
    control.post("/faults", json=TIMEOUT_POST)
    assert proses(r[J.PENDAFTARAN_ADD]) == "gagal_sementara"
    assert _pcare(sim).keys() == {"A1", "A2"}  # BPJS did register the Lansia visit as A2

    _ulang_sekarang(lansia)
    assert proses(r[J.PENDAFTARAN_ADD]) == S.BERHASIL
    # A1 (same card, same poli, same complaint) belongs to the Umum visit: not a candidate.
    assert rows(lansia)[J.PENDAFTARAN_ADD].hasil == {"noUrut": "A2", "rekonsiliasi": True}
    assert rows(umum)[J.PENDAFTARAN_ADD].hasil == {"noUrut": "A1"}
    assert len(panggilan(sim, "POST", "pendaftaran")) == 2  # one per visit, never a resend

    kunjungan_batal(kunjungan=lansia, oleh=petugas_loket.user, alasan="salah unit")
    proses_semua(lansia)
    assert rows(lansia)[J.PENDAFTARAN_DELETE].status == S.BERHASIL
    (hapus,) = panggilan(sim, "DELETE", "pendaftaran")
    assert "/noUrut/A2/kdPoli/001" in hapus["path"]
    assert _pcare(sim).keys() == {"A1"}  # the Umum patient, still waiting, keeps A1


def test_with_duplicates_refused_the_other_visits_number_is_still_never_adopted(
    sim, control, bpjs_settings, peserta_pasien, daftar_bpjs
):
    pasien = peserta_pasien("aktif")
    umum = daftar_bpjs(pasien, unit="UMUM")
    proses_semua(umum)
    lansia = daftar_bpjs(pasien, unit="LANSIA")
    r = rows(lansia)
    proses(r[J.CEK_PESERTA])
    control.post("/faults", json=TIMEOUT_POST)
    proses(r[J.PENDAFTARAN_ADD])
    _ulang_sekarang(lansia)
    # The day list shows only A1 (Umum's); BPJS answers the resend "sudah terdaftar".
    assert proses(r[J.PENDAFTARAN_ADD]) == "gagal_final"
    add = PermintaanBpjs.objects.get(pk=r[J.PENDAFTARAN_ADD].pk)
    assert "noUrut" not in add.hasil
    assert "sudah terdaftar" in add.pesan_galat
    assert "milik kunjungan lain hari ini: Poli Umum (No. urut A1)" in add.pesan_galat
    assert add.kode_galat == "terdaftar_kunjungan_lain"


def test_the_complaint_tells_two_uncertain_visits_apart(
    sim, control, dua_unit_satu_kode, peserta_pasien, daftar_bpjs
):
    umum, lansia = _dua_kunjungan_tak_pasti(
        control, peserta_pasien, daftar_bpjs, keluhan=("batuk", "nyeri lutut")
    )
    assert _pcare(sim) == {"A1": "batuk", "A2": "nyeri lutut"}
    # Lansia first: both adds are uncertain, so only what was sent decides.
    assert proses(rows(lansia)[J.PENDAFTARAN_ADD]) == S.BERHASIL
    assert proses(rows(umum)[J.PENDAFTARAN_ADD]) == S.BERHASIL
    assert rows(lansia)[J.PENDAFTARAN_ADD].hasil["noUrut"] == "A2"
    assert rows(umum)[J.PENDAFTARAN_ADD].hasil["noUrut"] == "A1"


def test_when_nothing_tells_them_apart_the_row_waits_for_a_person_with_both_candidates(
    sim, control, dua_unit_satu_kode, peserta_pasien, daftar_bpjs, petugas_loket
):
    umum, lansia = _dua_kunjungan_tak_pasti(control, peserta_pasien, daftar_bpjs)
    assert proses(rows(lansia)[J.PENDAFTARAN_ADD]) == "gagal_final"
    add = rows(lansia)[J.PENDAFTARAN_ADD]
    assert add.kode_galat == "rekonsiliasi_ragu"
    assert [c["noUrut"] for c in add.hasil["kandidat"]] == ["A1", "A2"]
    assert "A1" in add.pesan_galat and "A2" in add.pesan_galat
    assert "Poli Umum" in add.pesan_galat  # the rival visit is named

    # The officer checks PCare and picks A2 for the Lansia visit ...
    services.worklist_pilih_pcare(permintaan=add, no_urut="A2", oleh=petugas_loket.user)
    add.refresh_from_db()
    assert add.status == S.BERHASIL and add.hasil["noUrut"] == "A2"
    # ... after which the Umum visit's retry can only be A1.
    assert proses(rows(umum)[J.PENDAFTARAN_ADD]) == S.BERHASIL
    assert rows(umum)[J.PENDAFTARAN_ADD].hasil["noUrut"] == "A1"
    assert len(panggilan(sim, "POST", "pendaftaran")) == 2


def test_a_person_cannot_pick_a_number_another_visit_holds(
    sim, control, dua_unit_satu_kode, peserta_pasien, daftar_bpjs, petugas_loket
):
    umum, lansia = _dua_kunjungan_tak_pasti(control, peserta_pasien, daftar_bpjs)
    proses(rows(lansia)[J.PENDAFTARAN_ADD])
    proses(rows(umum)[J.PENDAFTARAN_ADD])
    a, b = rows(lansia)[J.PENDAFTARAN_ADD], rows(umum)[J.PENDAFTARAN_ADD]
    services.worklist_pilih_pcare(permintaan=a, no_urut="A1", oleh=petugas_loket.user)
    with pytest.raises(services.WorklistError) as info:
        services.worklist_pilih_pcare(permintaan=b, no_urut="A1", oleh=petugas_loket.user)
    assert "kunjungan lain" in info.value.pesan


def test_mobile_jkn_entry_of_a_shared_code_is_held_by_one_visit_and_never_cancelled_by_another(
    sim, bpjs_settings, peserta_pasien, daftar_bpjs, petugas_loket
):
    from pendaftaran.services import kunjungan_batal

    pasien = peserta_pasien("aktif")
    umum = daftar_bpjs(pasien, unit="UMUM")
    proses_semua(umum)
    assert rows(umum)[J.ANTREAN_ADD].status == S.BERHASIL
    lansia = daftar_bpjs(pasien, unit="LANSIA")
    proses_semua(lansia)
    add = rows(lansia)[J.ANTREAN_ADD]
    # Antrean FKTP keys on card + poli code + day: the entry is Umum's, so none is sent.
    assert add.status == S.DIBATALKAN and f"#{umum.pk}" in add.hasil["alasan"]
    assert len(panggilan(sim, "POST", "antrean/add")) == 1

    kunjungan_batal(kunjungan=lansia, oleh=petugas_loket.user, alasan="salah unit")
    proses_semua(lansia)
    assert panggilan(sim, "POST", "antrean/batal") == []
    assert [a["status"] for a in sim.simulator.state.antrean.values()] == ["menunggu"]
