from __future__ import annotations

from datetime import date

import pytest

from antrean.routing import sarankan, umur_tahun, urutan_pencarian


@pytest.mark.parametrize(
    "kw, layanan",
    [
        (dict(umur=30, jenis_kelamin="L"), "dewasa"),
        (dict(umur=59, jenis_kelamin="P"), "dewasa"),
        (dict(umur=60, jenis_kelamin="P"), "lansia"),
        (dict(umur=17, jenis_kelamin="L"), "anak"),
        (dict(umur=0, jenis_kelamin="P"), "anak"),
        (dict(umur=25, jenis_kelamin="P", hamil=True), "kia"),
        (dict(umur=16, jenis_kelamin="P", hamil=True), "kia"),
        (dict(umur=25, jenis_kelamin="L", hamil=True), "dewasa"),
        (dict(umur=40, jenis_kelamin="L", suspek_menular=True), "menular"),
        (dict(umur=8, jenis_kelamin="L", suspek_menular=True), "menular"),
        (dict(umur=40, jenis_kelamin="L", layanan_diminta="gigi"), "gigi"),
        (dict(umur=70, jenis_kelamin="L", layanan_diminta="lab"), "lab"),
        (dict(umur=25, jenis_kelamin="P", hamil=True, layanan_diminta="ugd"), "ugd"),
        (dict(umur=25, jenis_kelamin="L", suspek_menular=True, layanan_diminta="ugd"), "ugd"),
        (dict(umur=30, jenis_kelamin="P", layanan_diminta="kia"), "kia"),
    ],
)
def test_ilp_rules_suggest_the_service(kw, layanan):
    assert sarankan(**kw).layanan == layanan


def test_every_suggestion_says_why():
    saran = sarankan(umur=65, jenis_kelamin="L")
    assert "65" in saran.alasan and saran.klaster_ilp == 3


def test_age_counts_only_completed_years():
    assert umur_tahun(date(1966, 11, 24), date(2026, 11, 23)) == 59
    assert umur_tahun(date(1966, 11, 23), date(2026, 11, 23)) == 60


def test_a_missing_elderly_unit_falls_back_to_the_adult_one():
    assert urutan_pencarian("lansia") == ("lansia", "dewasa")
    assert urutan_pencarian("gigi") == ("gigi",)
