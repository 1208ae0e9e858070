from __future__ import annotations

from datetime import date, datetime, timedelta

from pendaftaran.validasi import DataKunjungan, DataPasien, validasi_kunjungan, validasi_pasien

HARI_INI = date(2026, 11, 23)


def pasien(**kw) -> DataPasien:
    base = dict(
        nama="Siti Aminah",
        tanggal_lahir=date(1945, 8, 17),
        jenis_kelamin="P",
        nik="3204105708450001",
    )
    return DataPasien(**{**base, **kw}).rapikan()


def test_a_complete_patient_is_valid():
    assert validasi_pasien(pasien(), hari_ini=HARI_INI) == {}


def test_a_birth_date_in_the_future_is_refused_on_that_field():
    galat = validasi_pasien(pasien(tanggal_lahir=date(2026, 11, 24), nik=""), hari_ini=HARI_INI)
    assert galat == {"tanggal_lahir": ["Tanggal lahir tidak boleh di masa depan."]}


def test_missing_name_sex_and_birth_date_are_each_named():
    galat = validasi_pasien(
        DataPasien(nama="  ", tanggal_lahir=None, jenis_kelamin=""), hari_ini=HARI_INI
    )
    assert set(galat) == {"nama", "tanggal_lahir", "jenis_kelamin"}


def test_a_nik_that_disagrees_with_the_birth_date_is_an_error_on_the_nik():
    galat = validasi_pasien(pasien(tanggal_lahir=date(1945, 8, 18)), hari_ini=HARI_INI)
    assert list(galat) == ["nik"]


def test_a_patient_without_nik_is_allowed():
    assert validasi_pasien(pasien(nik=""), hari_ini=HARI_INI) == {}


def test_a_baby_may_carry_the_mothers_nik_but_it_must_be_a_womans():
    bayi = pasien(
        nik="", tanggal_lahir=date(2026, 11, 1), jenis_kelamin="L", nik_ibu="3171011708450001"
    )
    assert "nik_ibu" in validasi_pasien(bayi, hari_ini=HARI_INI)


def test_names_with_apostrophes_and_single_names_are_fine():
    assert validasi_pasien(pasien(nama="Nur'aini"), hari_ini=HARI_INI) == {}
    assert (
        validasi_pasien(pasien(nama="Sukarno", nik="", jenis_kelamin="L"), hari_ini=HARI_INI) == {}
    )


def test_a_phone_number_is_tidied_and_checked():
    assert pasien(no_hp="+62 812-3456-7890").no_hp == "081234567890"
    assert "no_hp" in validasi_pasien(pasien(no_hp="12ab"), hari_ini=HARI_INI)


def test_bpjs_payer_needs_a_card_number_or_at_least_a_nik():
    galat = validasi_kunjungan(DataKunjungan(penjamin="bpjs"), jenis_kelamin="L", no_bpjs=None)
    assert "maupun NIK" in galat["penjamin"][0]
    # Card lost, NIK known: BPJS finds the participant by NIK (bpjs_bridge).
    assert not validasi_kunjungan(
        DataKunjungan(penjamin="bpjs"), jenis_kelamin="L", no_bpjs=None, nik="3171234567890003"
    )


def test_a_man_cannot_be_marked_pregnant():
    galat = validasi_kunjungan(
        DataKunjungan(penjamin="umum", hamil=True), jenis_kelamin="L", no_bpjs=None
    )
    assert "hamil" in galat


def test_a_registration_time_far_in_the_future_is_refused():
    now = datetime(2026, 11, 23, 8, 0)
    galat = validasi_kunjungan(
        DataKunjungan(penjamin="umum"),
        jenis_kelamin="L",
        no_bpjs=None,
        dibuat_klien=now + timedelta(hours=2),
        sekarang=now,
    )
    assert "dibuat_klien" in galat
