from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.utils import timezone

from antrean.models import StatusTiket
from pendaftaran import services
from pendaftaran.models import Kunjungan, Pasien
from pendaftaran.validasi import DataKunjungan, DataPasien
from tests.factories import buat_nik

pytestmark = pytest.mark.django_db


def data_pasien(**kw) -> DataPasien:
    lahir = kw.pop("tanggal_lahir", date(1990, 4, 5))
    jk = kw.pop("jenis_kelamin", "L")
    return DataPasien(
        **{
            "nama": "Ahmad Fauzi",
            "tanggal_lahir": lahir,
            "jenis_kelamin": jk,
            "nik": buat_nik(lahir, jk, serial=77),
            **kw,
        }
    )


def daftar(puskesmas, pasien, unit, petugas, **kw):
    return services.kunjungan_daftar(
        puskesmas=puskesmas,
        pasien=pasien,
        unit=unit,
        data=kw.pop("data", DataKunjungan(penjamin="umum")),
        client_uuid=kw.pop("client_uuid", uuid.uuid4()),
        oleh=petugas.user,
        loket=petugas.loket,
        **kw,
    )


def test_a_new_patient_gets_the_next_medical_record_number(puskesmas, petugas_loket):
    a = services.pasien_buat(puskesmas=puskesmas, data=data_pasien(), oleh=petugas_loket.user)
    b = services.pasien_buat(
        puskesmas=puskesmas, data=data_pasien(nama="Budi", nik=buat_nik(date(1990, 4, 5), "L", 78))
    )
    assert int(b.no_rm) == int(a.no_rm) + 1 and len(a.no_rm) == 6


def test_a_known_nik_opens_the_existing_patient_instead_of_a_second_one(puskesmas, pasien_bpjs):
    data = DataPasien(
        nama="Siti A.",
        tanggal_lahir=pasien_bpjs.tanggal_lahir,
        jenis_kelamin="P",
        nik=pasien_bpjs.nik,
    )
    with pytest.raises(services.PasienSudahAda) as e:
        services.pasien_buat(puskesmas=puskesmas, data=data)
    assert e.value.pasien == pasien_bpjs and "nik" in e.value.galat
    assert Pasien.objects.filter(nik=pasien_bpjs.nik).count() == 1


def test_a_known_bpjs_card_opens_the_existing_patient(puskesmas, pasien_bpjs):
    data = data_pasien(no_bpjs=pasien_bpjs.no_bpjs)
    with pytest.raises(services.PasienSudahAda) as e:
        services.pasien_buat(puskesmas=puskesmas, data=data)
    assert "no_bpjs" in e.value.galat


def test_the_same_nik_may_live_at_two_puskesmas(puskesmas, puskesmas_lain, pasien_bpjs):
    data = DataPasien(
        nama="Siti Aminah",
        tanggal_lahir=pasien_bpjs.tanggal_lahir,
        jenis_kelamin="P",
        nik=pasien_bpjs.nik,
    )
    assert services.pasien_buat(puskesmas=puskesmas_lain, data=data).no_rm == "000001"


def test_a_patient_without_nik_who_resembles_someone_shows_candidates_first(puskesmas, pasien_bpjs):
    mirip = DataPasien(
        nama="Siti Aminnah", tanggal_lahir=pasien_bpjs.tanggal_lahir, jenis_kelamin="P"
    )
    with pytest.raises(services.KemungkinanDuplikat) as e:
        services.pasien_buat(puskesmas=puskesmas, data=mirip)
    assert [p for p, _ in e.value.kandidat] == [pasien_bpjs]
    baru = services.pasien_buat(puskesmas=puskesmas, data=mirip, konfirmasi_baru=True)
    assert baru.tanpa_nik


def test_invalid_patient_data_raises_with_fields_and_saves_nothing(puskesmas):
    with pytest.raises(services.PendaftaranError) as e:
        services.pasien_buat(puskesmas=puskesmas, data=data_pasien(tanggal_lahir=date(2099, 1, 1)))
    assert "tanggal_lahir" in e.value.galat and Pasien.objects.count() == 0


def test_registering_a_visit_issues_a_ticket_with_the_unit_prefix(
    puskesmas, petugas_loket, pasien_umum, unit
):
    hasil = daftar(puskesmas, pasien_umum, unit, petugas_loket)
    tiket = hasil.kunjungan.tiket.get()
    assert hasil.baru and tiket.kode == "A-001" and tiket.status == StatusTiket.MENUNGGU
    assert hasil.kunjungan.klaster.nomor == 3 and not hasil.kunjungan.saran_diubah


def test_the_same_client_uuid_returns_the_first_result_and_creates_nothing(
    puskesmas, petugas_loket, pasien_umum, unit
):
    key = uuid.uuid4()
    pertama = daftar(puskesmas, pasien_umum, unit, petugas_loket, client_uuid=key)
    kedua = daftar(puskesmas, pasien_umum, unit, petugas_loket, client_uuid=key)
    assert not kedua.baru and kedua.kunjungan.pk == pertama.kunjungan.pk
    assert Kunjungan.objects.count() == 1 and pertama.kunjungan.tiket.count() == 1


def test_a_uuid_committed_by_a_concurrent_request_after_the_first_look_is_a_replay(
    monkeypatch, puskesmas, petugas_loket, pasien_umum, unit
):
    """The interleaving CI once hit on PostgreSQL: request B looks the UUID up before request A
    commits, then finds A's visit as "already open today". That is the same registration twice,
    not a second visit, so B must answer as a replay (200), never 409."""
    key = uuid.uuid4()
    pertama = daftar(puskesmas, pasien_umum, unit, petugas_loket, client_uuid=key)
    monkeypatch.setattr(services, "_kunjungan_dengan_uuid", lambda _uuid: None)
    kedua = daftar(puskesmas, pasien_umum, unit, petugas_loket, client_uuid=key)
    assert not kedua.baru and kedua.kunjungan.pk == pertama.kunjungan.pk
    assert Kunjungan.objects.count() == 1


def test_choosing_another_unit_than_suggested_is_recorded(puskesmas, petugas_loket, pasien_umum):
    gigi = puskesmas.unit_layanan.get(kode="GIGI")
    k = daftar(puskesmas, pasien_umum, gigi, petugas_loket).kunjungan
    assert k.saran_diubah and k.layanan_saran == "dewasa" and k.klaster.nomor == 5


def test_the_same_patient_twice_in_one_unit_on_one_day_is_refused(
    puskesmas, petugas_loket, pasien_umum, unit
):
    daftar(puskesmas, pasien_umum, unit, petugas_loket)
    with pytest.raises(services.KunjunganGanda) as e:
        daftar(puskesmas, pasien_umum, unit, petugas_loket)
    assert "A-001" in e.value.galat["unit"][0]


def test_bpjs_visit_for_a_patient_without_card_or_nik_is_refused(
    puskesmas, petugas_loket, pasien_umum, unit
):
    pasien_umum.nik = None
    pasien_umum.save()
    with pytest.raises(services.PendaftaranError) as e:
        daftar(puskesmas, pasien_umum, unit, petugas_loket, data=DataKunjungan(penjamin="bpjs"))
    assert "penjamin" in e.value.galat


def test_bpjs_visit_for_a_patient_who_lost_the_card_goes_through_on_the_nik(
    puskesmas, petugas_loket, pasien_umum, unit
):
    assert pasien_umum.nik and not pasien_umum.no_bpjs
    data = DataKunjungan(penjamin="bpjs")
    k = daftar(puskesmas, pasien_umum, unit, petugas_loket, data=data).kunjungan
    assert k.penjamin == "bpjs" and k.tiket.exists()


def test_elderly_and_pregnant_patients_get_priority_with_the_reason(
    puskesmas, petugas_loket, pasien_bpjs
):
    kia = puskesmas.unit_layanan.get(kode="KIA")
    k = daftar(
        puskesmas, pasien_bpjs, kia, petugas_loket, data=DataKunjungan(penjamin="bpjs", hamil=True)
    ).kunjungan
    tiket = k.tiket.get()
    assert tiket.prioritas and "ibu hamil" in tiket.alasan_prioritas


def test_a_patient_of_another_puskesmas_cannot_be_registered_here(
    puskesmas, puskesmas_lain, petugas_loket, unit
):
    from tests.factories import PasienFactory

    asing = PasienFactory(puskesmas=puskesmas_lain)
    with pytest.raises(services.PendaftaranError) as e:
        daftar(puskesmas, asing, unit, petugas_loket)
    assert "pasien" in e.value.galat


def test_cancelling_keeps_the_visit_and_closes_its_ticket(
    puskesmas, petugas_loket, pasien_umum, unit
):
    k = daftar(puskesmas, pasien_umum, unit, petugas_loket).kunjungan
    with pytest.raises(services.PendaftaranError):
        services.kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan=" ")
    services.kunjungan_batal(kunjungan=k, oleh=petugas_loket.user, alasan="Salah poli")
    k.refresh_from_db()
    assert k.status == "batal" and k.alasan_batal == "Salah poli"
    assert k.tiket.get().status == StatusTiket.BATAL
    # …and the patient can then be registered again in the same unit
    assert daftar(puskesmas, pasien_umum, unit, petugas_loket).kunjungan.tiket.get().kode == "A-002"


def test_the_visit_keeps_the_officers_time_and_the_servers_time(
    puskesmas, petugas_loket, pasien_umum, unit
):
    saat = timezone.now() - timezone.timedelta(hours=3)
    k = daftar(puskesmas, pasien_umum, unit, petugas_loket, dibuat_klien=saat).kunjungan
    assert k.dibuat_klien == saat and k.diterima_server > saat


def test_a_visit_registered_during_declared_downtime_is_flagged(
    puskesmas, petugas_loket, admin_puskesmas, pasien_umum, unit
):
    from downtime.services import downtime_mulai

    assert not daftar(puskesmas, pasien_umum, unit, petugas_loket).kunjungan.mode_downtime
    downtime_mulai(puskesmas=puskesmas, oleh=admin_puskesmas.user, alasan="erm")
    gigi = puskesmas.unit_layanan.get(kode="GIGI")
    assert daftar(puskesmas, pasien_umum, gigi, petugas_loket).kunjungan.mode_downtime


def test_a_declaration_flags_its_own_loket_or_the_whole_puskesmas_and_ends_everywhere(
    puskesmas, puskesmas_lain, petugas_loket, petugas_loket_2, admin_puskesmas, pasien_umum
):
    """The declaration in force is cached per Puskesmas (puskesmas/rujukan.py) and picked per
    loket: one loket's declaration flags that loket only, another Puskesmas' none of ours, a
    Puskesmas-wide one every loket, and ending it reaches the next registration."""
    from downtime.services import downtime_mulai, downtime_selesai
    from tests.factories import LoketFactory

    units = iter(puskesmas.unit_layanan.filter(aktif=True).order_by("pk"))

    def flag(petugas) -> bool:
        return daftar(puskesmas, pasien_umum, next(units), petugas).kunjungan.mode_downtime

    downtime_mulai(
        puskesmas=puskesmas_lain, alasan="listrik", loket=LoketFactory(puskesmas=puskesmas_lain)
    )
    downtime_mulai(puskesmas=puskesmas_lain, alasan="listrik")
    assert not flag(petugas_loket)
    sendiri = downtime_mulai(puskesmas=puskesmas, alasan="listrik", loket=petugas_loket.loket)
    assert flag(petugas_loket) and not flag(petugas_loket_2)
    semua = downtime_mulai(puskesmas=puskesmas, alasan="erm", oleh=admin_puskesmas.user)
    assert flag(petugas_loket_2)
    downtime_selesai(episode=semua)
    assert not flag(petugas_loket_2) and flag(petugas_loket)
    downtime_selesai(episode=sendiri)
    assert not flag(petugas_loket)
