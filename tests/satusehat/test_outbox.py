"""The SATUSEHAT outbox through its public entry points (registration, the poli's call,
cancellation, the worker's processing) against the simulator over real HTTP."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from antrean import services as antrean_services
from pendaftaran import services as pendaftaran_services
from pendaftaran.models import Kunjungan, Sumber
from satusehat.models import EncounterKunjungan, IhsPasien, KirimanSatusehat
from satusehat.services import kiriman_proses
from tests.satusehat.conftest import panggilan_ss, proses_semua

pytestmark = pytest.mark.django_db(transaction=True)


def _encounter(ss_sim, kunjungan):
    enc = EncounterKunjungan.objects.get(kunjungan=kunjungan)
    return enc, ss_sim.simulator.encounter[enc.encounter_id]


def test_registration_writes_the_encounter_row_and_the_worker_sends_it_arrived(
    ss_sim, pasien_ss, daftar
):
    pasien = pasien_ss(0)
    k = daftar(pasien)
    rows = list(KirimanSatusehat.objects.filter(kunjungan=k))
    assert [(r.jenis, r.status) for r in rows] == [("encounter_buat", "menunggu")]
    assert not ss_sim.simulator.calls  # nothing is sent from the request itself

    assert proses_semua(k) == ["berhasil"]
    enc, body = _encounter(ss_sim, k)
    tiket = k.tiket.get()
    mulai = tiket.waktu_masuk.astimezone(UTC).replace(microsecond=0).isoformat()
    assert body["status"] == "arrived"
    assert body["identifier"] == [
        {"system": "http://sys-ids.kemkes.go.id/encounter/10000004", "value": str(k.pk)}
    ]
    assert body["class"]["code"] == "AMB"
    assert body["subject"]["reference"] == f"Patient/{IhsPasien.objects.get(pasien=pasien).ihs}"
    assert body["participant"][0]["type"][0]["coding"][0]["code"] == "ATND"
    assert body["period"] == {"start": mulai} and mulai.endswith("+00:00")
    assert body["statusHistory"] == [{"status": "arrived", "period": {"start": mulai}}]
    assert body["serviceProvider"] == {"reference": "Organization/10000004"}
    assert enc.status == "arrived"


def test_the_ihs_number_is_looked_up_once_per_patient(ss_sim, pasien_ss, daftar):
    pasien = pasien_ss(1)
    proses_semua(daftar(pasien, unit="UMUM"))
    proses_semua(daftar(pasien, unit="GIGI"))
    assert len(panggilan_ss(ss_sim, "GET", "/Patient")) == 1
    assert len(panggilan_ss(ss_sim, "POST", "/Encounter")) == 2


def test_the_poli_call_moves_the_encounter_to_in_progress_with_the_call_time(
    ss_sim, pasien_ss, daftar, perawat_poli
):
    k = daftar(pasien_ss(2))
    proses_semua(k)
    tiket = antrean_services.panggil(tiket=k.tiket.get(), oleh=perawat_poli.user)
    antrean_services.panggil_ulang(tiket=tiket, oleh=perawat_poli.user)  # a recall adds nothing
    assert proses_semua(k) == ["berhasil"]
    enc, body = _encounter(ss_sim, k)
    panggil = tiket.dipanggil_pertama.astimezone(UTC).replace(microsecond=0).isoformat()
    assert body["status"] == "in-progress" and enc.status == "in-progress"
    assert body["statusHistory"][0]["period"]["end"] == panggil
    assert body["statusHistory"][1] == {"status": "in-progress", "period": {"start": panggil}}
    assert KirimanSatusehat.objects.filter(kunjungan=k).count() == 2


def test_a_call_made_while_satusehat_was_down_waits_for_the_create(
    ss_sim, ss_control, pasien_ss, daftar, perawat_poli
):
    k = daftar(pasien_ss(3))
    ss_control.post("/faults", json={"mode": "down"})
    assert proses_semua(k, ulang=1) == ["gagal_sementara"]
    antrean_services.panggil(tiket=k.tiket.get(), oleh=perawat_poli.user)
    ss_control.post("/faults", json={"mode": "ok"})
    hasil = proses_semua(k)
    assert hasil.count("berhasil") == 2
    assert _encounter(ss_sim, k)[1]["status"] == "in-progress"


def test_cancelling_before_anything_was_sent_sends_nothing(
    ss_sim, pasien_ss, daftar, petugas_loket
):
    k = daftar(pasien_ss(4))
    pendaftaran_services.kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan="pulang")
    assert proses_semua(k) == []
    assert set(KirimanSatusehat.objects.filter(kunjungan=k).values_list("status", flat=True)) == {
        "dibatalkan"
    }
    assert not ss_sim.simulator.encounter


def test_cancelling_a_sent_visit_moves_the_encounter_to_cancelled(
    ss_sim, pasien_ss, daftar, petugas_loket
):
    k = daftar(pasien_ss(5))
    proses_semua(k)
    pendaftaran_services.kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan="pulang")
    assert proses_semua(k) == ["berhasil"]
    body = _encounter(ss_sim, k)[1]
    assert body["status"] == "cancelled" and body["period"]["end"]


def test_an_unmapped_unit_holds_the_row_with_the_reason_and_mapping_it_sends_it(
    ss_sim, pasien_ss, daftar, admin_puskesmas
):
    from satusehat.services import pemetaan_simpan
    from satusehat.simulator.app import DEMO_ORG, PRAKTISI, lokasi_demo

    k = daftar(pasien_ss(6), unit="KIA")
    assert Kunjungan.objects.filter(pk=k.pk).exists()  # the visit is registered regardless
    assert proses_semua(k) == ["ditahan"]
    row = KirimanSatusehat.objects.get(kunjungan=k)
    assert row.status == "gagal_final" and row.kode_galat == "belum_dipetakan"
    assert "Ruang KIA (Ibu) belum dipetakan" in row.pesan_galat
    assert not panggilan_ss(ss_sim, "POST", "Encounter")

    pemetaan_simpan(
        unit=k.unit,
        location_id=lokasi_demo(DEMO_ORG, "KIA"),
        praktisi_nik=PRAKTISI[3][0],
        oleh=admin_puskesmas.user,
    )
    row.refresh_from_db()
    assert row.status == "menunggu"
    assert proses_semua(k) == ["berhasil"]
    assert _encounter(ss_sim, k)[1]["participant"][0]["individual"]["reference"] == (
        f"Practitioner/{PRAKTISI[3][1]}"
    )


def test_mapping_refuses_an_unknown_practitioner_naming_the_field(pkm_satusehat, admin_puskesmas):
    from satusehat.services import PemetaanError, pemetaan_simpan
    from satusehat.simulator.app import DEMO_ORG, lokasi_demo

    with pytest.raises(PemetaanError) as e:
        pemetaan_simpan(
            unit=pkm_satusehat.unit_layanan.get(kode="LAB"),
            location_id=lokasi_demo(DEMO_ORG, "LAB"),
            praktisi_nik="1234567890123456",
            oleh=admin_puskesmas.user,
        )
    assert "praktisi_nik" in e.value.galat


def test_a_patient_without_nik_or_unknown_to_satusehat_is_held_for_a_person(
    ss_sim, pkm_satusehat, daftar
):
    from tests.factories import PasienFactory

    tanpa = PasienFactory(puskesmas=pkm_satusehat, nik=None, no_bpjs=None)
    asing = PasienFactory(puskesmas=pkm_satusehat, nik="3204105506800000", no_bpjs=None)
    for pasien, kode in ((tanpa, "tanpa_nik"), (asing, "ihs_tidak_ditemukan")):
        k = daftar(pasien)
        assert proses_semua(k) == ["ditahan"]
        row = KirimanSatusehat.objects.get(kunjungan=k)
        assert row.kode_galat == kode and "data pasien" in row.pesan_galat


def test_a_lost_reply_is_retried_and_the_existing_encounter_adopted_never_a_second(
    ss_sim, ss_control, pasien_ss, daftar
):
    k = daftar(pasien_ss(7))
    ss_control.post(
        "/faults",
        json={"mode": "down", "apply": True, "path_contains": "Encounter", "method": "POST",
              "remaining": 1},
    )  # fmt: skip
    assert proses_semua(k) == ["gagal_sementara", "berhasil"]
    assert len(ss_sim.simulator.encounter) == 1
    enc = EncounterKunjungan.objects.get(kunjungan=k)
    assert enc.diadopsi and enc.encounter_id in ss_sim.simulator.encounter
    assert len(panggilan_ss(ss_sim, "POST", "/Encounter")) == 1  # searched, never re-sent


def test_a_duplicate_refusal_means_already_there(ss_sim, pasien_ss, daftar):
    """An Encounter for this visit exists though our row does not know it (e.g. the row's
    ambiguity was lost): the create is refused as a duplicate and the Encounter adopted."""
    from integrasi.selectors import konfigurasi_satusehat
    from satusehat.client import SatusehatClient
    from satusehat.fhir import DataEncounter, encounter
    from satusehat.simulator.app import PRAKTISI, lokasi_demo

    pasien = pasien_ss(8)
    k = daftar(pasien)
    config = konfigurasi_satusehat(k.puskesmas_id)
    with SatusehatClient(config) as c:
        ihs = c.pasien_by_nik(pasien.nik).ihs
        d = DataEncounter(
            organization_id=config.organization_id,
            kunjungan_id=str(k.pk),
            pasien_ihs=ihs,
            pasien_nama="",
            praktisi_ihs=PRAKTISI[0][1],
            praktisi_nama="",
            location_id=lokasi_demo(config.organization_id, "UMUM"),
            location_nama="",
            datang=k.tiket.get().waktu_masuk,
        )
        c.encounter_buat(encounter(d, "arrived"))
    assert proses_semua(k) == ["berhasil"]
    assert len(ss_sim.simulator.encounter) == 1
    assert EncounterKunjungan.objects.get(kunjungan=k).diadopsi


def test_an_offline_visit_replayed_later_is_sent_with_the_real_arrival_time(
    ss_sim, pasien_ss, daftar
):
    datang = timezone.now().replace(microsecond=0) - timedelta(hours=2, minutes=13)
    # As the replay registers it once the time passed its window check (downtime/waktu.py).
    k = daftar(pasien_ss(9), sumber=Sumber.OFFLINE, dibuat_klien=datang, percaya_waktu_klien=True)
    proses_semua(k)
    body = _encounter(ss_sim, k)[1]
    assert body["period"]["start"] == datang.astimezone(UTC).isoformat()


def test_satusehat_down_never_fails_a_registration_and_the_breaker_holds_the_rest(
    ss_sim, ss_control, pasien_ss, daftar
):
    from satusehat.services import PEMUTUS, sapu

    ss_control.post("/faults", json={"mode": "down"})
    visits = [daftar(pasien_ss(10 + i)) for i in range(4)]
    assert all(Kunjungan.objects.filter(pk=k.pk).exists() for k in visits)
    hasil = [proses_semua(k, ulang=1)[0] for k in visits]
    assert hasil[:3] == ["gagal_sementara"] * 3
    assert hasil[3] == "ditunda_pemutus"  # breaker open after 3: no attempt spent
    assert PEMUTUS.keadaan(visits[0].puskesmas_id) == "terbuka"
    assert sapu().diantrekan == 0  # open breaker: the sweep does not republish
    ss_control.post("/faults", json={"mode": "ok"})
    import time as _time

    _time.sleep(1.1)  # the breaker's pause (1 s in tests): the next row is the probe
    for k in visits:
        proses_semua(k)
    assert len(ss_sim.simulator.encounter) == 4


def test_a_wrong_secret_goes_to_the_worklist_saying_so(ss_sim, pasien_ss, daftar, admin_puskesmas):
    from integrasi.services import pengaturan_simpan

    pengaturan_simpan(
        puskesmas=pasien_ss(0).puskesmas,
        oleh=admin_puskesmas.user,
        data={"ss_client_secret": "salah"},
    )
    k = daftar(pasien_ss(11))
    assert proses_semua(k) == ["gagal_final"]
    row = KirimanSatusehat.objects.get(kunjungan=k)
    assert "client secret salah" in row.pesan_galat


@pytest.fixture
def tetangga_ss(ss_sim, puskesmas_lain, admin_puskesmas):
    """A second Puskesmas of the deployment on SATUSEHAT with its own client, secret and
    Organization (20000009), its UMUM unit mapped; returns its UMUM unit."""
    from integrasi.services import pengaturan_simpan
    from satusehat.services import pemetaan_pasang
    from satusehat.simulator import Klien
    from satusehat.simulator.app import PRAKTISI, lokasi_demo
    from tests.factories import KlasterFactory, UnitFactory

    ss_sim.simulator.tambah_klien("pkm-tetangga", Klien("rahasia-t", "20000009", "PKM Tetangga"))
    pengaturan_simpan(
        puskesmas=puskesmas_lain,
        oleh=admin_puskesmas.user,
        data={"ss_aktif": True, "ss_client_id": "pkm-tetangga", "ss_client_secret": "rahasia-t",
              "ss_organization_id": "20000009", "ss_base_url": ss_sim.url},
    )  # fmt: skip
    unit = UnitFactory(
        puskesmas=puskesmas_lain, kode="UMUM", klaster=KlasterFactory(puskesmas=puskesmas_lain)
    )
    pemetaan_pasang(
        unit=unit,
        location_id=lokasi_demo("20000009", "UMUM"),
        location_nama="",
        praktisi_nik=PRAKTISI[1][0],
        praktisi_ihs=PRAKTISI[1][1],
        praktisi_nama="",
    )
    return unit


def test_two_puskesmas_send_under_their_own_credentials_and_organization(
    ss_sim, pasien_ss, daftar, tetangga_ss
):
    from tests.factories import PasienFactory

    _, p = list(ss_sim.simulator.pasien.items())[20]
    pasien_b = PasienFactory(puskesmas=tetangga_ss.puskesmas, nik=p["nik"], no_bpjs=None)
    k_a, k_b = daftar(pasien_ss(12)), daftar(pasien_b)
    proses_semua(k_a)
    proses_semua(k_b)
    a = _encounter(ss_sim, k_a)[1]
    b = _encounter(ss_sim, k_b)[1]
    assert a["serviceProvider"]["reference"] == "Organization/10000004"
    assert b["serviceProvider"]["reference"] == "Organization/20000009"
    assert b["identifier"][0]["system"].endswith("/20000009")
    orgs = {c["query"].get("grant_type") for c in panggilan_ss(ss_sim, "POST", "accesstoken")}
    assert orgs == {"client_credentials"}
    assert len(ss_sim.simulator.tokens) == 2  # one token per Puskesmas


def test_a_lost_reply_between_two_puskesmas_is_adopted_from_its_own_visit_only(
    ss_sim, ss_control, pasien_ss, daftar, tetangga_ss
):
    """The same person is registered at both Puskesmas, whose calls share the process's HTTP
    client (integrasi/klien_http.py). Our Encounter's reply is lost after SATUSEHAT stored it;
    the neighbour's goes through between our attempt and its retry. The retry adopts our own
    visit's Encounter, under our Organization, never the neighbour's, and sends no second."""
    from tests.factories import PasienFactory

    kita = pasien_ss(15)
    sama = PasienFactory(
        puskesmas=tetangga_ss.puskesmas, nik=kita.nik, nama=kita.nama, no_bpjs=None
    )
    k_a, k_b = daftar(kita), daftar(sama)
    ss_control.post(
        "/faults",
        json={"mode": "down", "apply": True, "path_contains": "Encounter", "method": "POST",
              "remaining": 1},
    )  # fmt: skip
    row_a = KirimanSatusehat.objects.get(kunjungan=k_a)
    assert kiriman_proses(kiriman_id=row_a.pk) == "gagal_sementara"  # stored, reply lost
    assert proses_semua(k_b) == ["berhasil"]  # the neighbour's, on the same client
    assert proses_semua(k_a) == ["berhasil"]
    enc_a, a = _encounter(ss_sim, k_a)
    enc_b, b = _encounter(ss_sim, k_b)
    assert enc_a.diadopsi and not enc_b.diadopsi
    assert enc_a.encounter_id != enc_b.encounter_id
    assert a["serviceProvider"]["reference"] == "Organization/10000004"
    assert b["serviceProvider"]["reference"] == "Organization/20000009"
    assert len(ss_sim.simulator.encounter) == 2  # one each, none sent twice
    assert len(panggilan_ss(ss_sim, "POST", "/Encounter")) == 2


def test_kiriman_proses_twice_makes_one_call(ss_sim, pasien_ss, daftar):
    k = daftar(pasien_ss(13))
    row = KirimanSatusehat.objects.get(kunjungan=k)
    assert kiriman_proses(kiriman_id=row.pk) == "berhasil"
    assert kiriman_proses(kiriman_id=row.pk) == "tidak_diklaim"
    assert len(panggilan_ss(ss_sim, "POST", "/Encounter")) == 1


def test_a_puskesmas_without_satusehat_writes_no_rows(puskesmas, pasien_umum, daftar):
    daftar(pasien_umum)
    assert not KirimanSatusehat.objects.exists()


def test_a_mobile_jkn_booking_starts_its_encounter_when_the_patient_is_here(
    ss_sim, pasien_ss, daftar, petugas_loket
):
    k = daftar(pasien_ss(14), sumber=Sumber.MOBILE_JKN)
    assert proses_semua(k, ulang=1) == ["ditunda"]  # a booking is not an arrival
    row = KirimanSatusehat.objects.get(kunjungan=k)
    assert row.status == "menunggu" and row.percobaan == 0 and row.jadwal > timezone.now()
    tiket = antrean_services.hadir(tiket=k.tiket.get(), oleh=petugas_loket.user)
    assert proses_semua(k) == ["berhasil"]
    body = _encounter(ss_sim, k)[1]
    assert (
        body["period"]["start"]
        == tiket.hadir_pada.astimezone(UTC).replace(microsecond=0).isoformat()
    )


def test_a_corrected_nik_is_looked_up_again(ss_sim, pasien_ss, daftar):
    pasien = pasien_ss(15)
    proses_semua(daftar(pasien, unit="UMUM"))
    nik_baru = list(ss_sim.simulator.pasien.values())[16]["nik"]
    ihs_baru = next(i for i, p in ss_sim.simulator.pasien.items() if p["nik"] == nik_baru)
    pasien.nik = nik_baru
    pasien.save()
    proses_semua(daftar(pasien, unit="GIGI"))
    assert IhsPasien.objects.get(pasien=pasien).ihs == ihs_baru
    assert len(panggilan_ss(ss_sim, "GET", "/Patient")) == 2


def test_a_replayed_run_whose_batch_insert_fails_still_records_every_other_visit(
    pkm_satusehat, pasien_ss, daftar, monkeypatch
):
    """saat_kunjungan_terdaftar_banyak writes a run's Encounter rows in one statement; when that
    fails, each row is written again under its own savepoint, so one bad row costs only its own
    visit (listed as "belum dikirim"), never the run's."""
    from satusehat import services as ss_services
    from satusehat.models import KirimanSatusehat

    kunjungan = [daftar(pasien_ss(i)) for i in range(3)]
    KirimanSatusehat.objects.filter(kunjungan__in=kunjungan).delete()  # as if replayed now

    def gagal_banyak(rows):
        raise RuntimeError("batch insert failed")

    sisip_asli = ss_services.sisip

    def sisip_sebagian(row):
        if row.kunjungan_id == kunjungan[1].pk:
            raise RuntimeError("this row is bad")
        sisip_asli(row)

    monkeypatch.setattr(ss_services, "sisip_banyak", gagal_banyak)
    monkeypatch.setattr(ss_services, "sisip", sisip_sebagian)
    rows = ss_services.saat_kunjungan_terdaftar_banyak([{"kunjungan": k} for k in kunjungan])
    tersimpan = set(KirimanSatusehat.objects.values_list("kunjungan_id", flat=True))
    assert tersimpan == {kunjungan[0].pk, kunjungan[2].pk}
    assert sorted(r.kunjungan_id for r in rows) == sorted(tersimpan)
    assert all(r.pk is not None for r in rows)
