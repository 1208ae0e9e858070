from __future__ import annotations

from datetime import date

import pytest

from pendaftaran import nik


def test_a_womans_nik_has_forty_added_to_the_birth_day():
    info = nik.urai("3204105708450001")
    assert (info.hari, info.bulan, info.tahun_2digit, info.jenis_kelamin) == (17, 8, 45, "P")


def test_a_mans_nik_is_read_without_the_offset():
    info = nik.urai("3171011708450001")
    assert (info.hari, info.jenis_kelamin) == (17, "L")


def test_spaces_dots_and_dashes_typed_inside_a_nik_are_ignored():
    assert nik.urai("3204 1057-0845.0001").nik == "3204105708450001"


@pytest.mark.parametrize(
    "nilai, potongan",
    [
        ("320410570845001", "16 digit"),
        ("32041057084500012", "16 digit"),
        ("3204A05708450001", "16 digit"),
        ("9904105708450001", "Kode provinsi"),
        ("2004105708450001", "Kode provinsi"),
        ("3200105708450001", "Kode provinsi"),
        ("3204103213450001", "bukan tanggal"),
        ("3204107208450001", "bukan tanggal"),
        ("3204105708450000", "0000"),
    ],
)
def test_malformed_niks_are_refused_with_a_message_naming_the_problem(nilai, potongan):
    with pytest.raises(nik.NikTidakValid) as e:
        nik.urai(nilai)
    assert potongan in str(e.value)


@pytest.mark.parametrize("provinsi", ["65", "92", "95", "97", "21", "11", "94"])
def test_provinces_created_by_recent_splits_are_known(provinsi):
    assert nik.urai(f"{provinsi}04105708450001").kode_wilayah.startswith(provinsi)


def test_matching_birth_date_and_sex_give_no_complaint():
    info = nik.urai("3204105708450001")
    assert nik.ketidakcocokan(info, tanggal_lahir=date(1945, 8, 17), jenis_kelamin="P") == []


def test_a_birth_date_that_disagrees_with_the_nik_is_named():
    info = nik.urai("3204105708450001")
    pesan = nik.ketidakcocokan(info, tanggal_lahir=date(1945, 8, 18), jenis_kelamin="P")
    assert len(pesan) == 1 and "17 Agu ..45" in pesan[0] and "18-08-1945" in pesan[0]


def test_a_man_entered_with_a_womans_nik_is_caught():
    info = nik.urai("3204105708450001")
    pesan = nik.ketidakcocokan(info, tanggal_lahir=date(1945, 8, 17), jenis_kelamin="L")
    assert len(pesan) == 1 and "perempuan" in pesan[0]


def test_the_nik_only_fixes_two_digits_of_the_year_so_any_century_matches():
    info = nik.urai("3204101708050001")
    assert nik.ketidakcocokan(info, tanggal_lahir=date(2005, 8, 17), jenis_kelamin="L") == []


@pytest.mark.parametrize("nilai", ["000123456789", "00012345678901", "0001234x67890"])
def test_bpjs_card_numbers_must_be_thirteen_digits(nilai):
    with pytest.raises(nik.NikTidakValid, match="13 digit"):
        nik.valid_bpjs(nilai)


def test_bpjs_card_numbers_keep_their_leading_zeros():
    assert nik.valid_bpjs("0001 2345 67890") == "0001234567890"
