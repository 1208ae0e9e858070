"""Property tests for NIK parsing: whatever an officer (or a fuzzer) types, `urai` either
returns a NikInfo or raises NikTidakValid with a message — never anything else — and a valid
NIK round-trips through its parts."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pendaftaran.nik import PROVINSI, NikTidakValid, bersihkan, ketidakcocokan, urai

teks_bebas = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
digit_ascii = st.text(alphabet="0123456789", min_size=0, max_size=20)
# Sixteen "digits" from any script: superscripts, Arabic-Indic, fullwidth… all `isdigit()`.
unicode_digit = st.text(
    alphabet=st.one_of(st.sampled_from("0123456789"), st.characters(categories=("Nd", "No"))),
    min_size=16,
    max_size=16,
)


def _nik(prov: int, kab: int, lahir: date, perempuan: bool, serial: int) -> str:
    hari = lahir.day + (40 if perempuan else 0)
    return f"{prov:02d}{kab:02d}01{hari:02d}{lahir:%m}{lahir.year % 100:02d}{serial:04d}"


@settings(max_examples=500, deadline=None)
@given(st.one_of(teks_bebas, digit_ascii, unicode_digit))
def test_any_input_parses_or_raises_nik_tidak_valid(nilai):
    try:
        info = urai(nilai)
    except NikTidakValid as e:
        assert e.args and isinstance(e.args[0], str) and e.args[0]
    else:
        assert info.nik.isascii() and info.nik.isdigit() and len(info.nik) == 16


def test_digits_of_other_scripts_are_not_a_nik():
    """Found by the property above: '²' passed isdigit() and crashed int(); Arabic-Indic
    digits were accepted and would have been stored as a NIK."""
    for nilai in ("²" * 16, "١" * 16, "３２０４１０５２０３８００００１"):
        try:
            urai(nilai)
        except NikTidakValid:
            continue
        raise AssertionError(f"{nilai!r} diterima sebagai NIK")


@settings(max_examples=300, deadline=None)
@given(
    prov=st.sampled_from(sorted(PROVINSI)),
    kab=st.integers(1, 99),
    lahir=st.dates(date(1900, 1, 1), date(2099, 12, 31)),
    perempuan=st.booleans(),
    serial=st.integers(1, 9999),
    pemisah=st.sampled_from(["", " ", "-", "."]),
)
def test_a_valid_nik_round_trips_through_its_parts(prov, kab, lahir, perempuan, serial, pemisah):
    nik = _nik(prov, kab, lahir, perempuan, serial)
    diketik = pemisah.join([nik[:6], nik[6:12], nik[12:]])
    info = urai(diketik)
    assert info.nik == nik == bersihkan(diketik)
    assert info.kode_wilayah == nik[:4]
    assert (info.hari, info.bulan, info.tahun_2digit) == (lahir.day, lahir.month, lahir.year % 100)
    assert info.jenis_kelamin == ("P" if perempuan else "L")
    assert ketidakcocokan(info, tanggal_lahir=lahir, jenis_kelamin=info.jenis_kelamin) == []


@settings(max_examples=200, deadline=None)
@given(
    lahir=st.dates(date(1930, 1, 1), date(2025, 12, 31)),
    geser=st.integers(1, 400),
    perempuan=st.booleans(),
)
def test_a_different_birth_date_or_sex_is_always_reported(lahir, geser, perempuan):
    info = urai(_nik(32, 4, lahir, perempuan, 1))
    lain = lahir + timedelta(days=geser)
    if (lain.day, lain.month, lain.year % 100) != (lahir.day, lahir.month, lahir.year % 100):
        assert ketidakcocokan(info, tanggal_lahir=lain, jenis_kelamin=None)
    jk_lain = "L" if perempuan else "P"
    assert ketidakcocokan(info, tanggal_lahir=None, jenis_kelamin=jk_lain)
