"""The loket's cheap display filters give what Django's own filters gave."""

from __future__ import annotations

from datetime import date

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars

from pendaftaran.templatetags.loket import potong, tgl


def test_tgl_writes_a_date_as_the_date_filter_does():
    for d in (date(1980, 1, 2), date(2026, 12, 31), date(1905, 10, 9)):
        assert tgl(d) == date_filter(d, "d-m-Y")
    assert tgl(None) == ""


def test_potong_cuts_plain_text_as_truncatechars_does():
    for teks in (
        "",
        "Jl. Melati",
        "x" * 39,
        "x" * 40,
        "x" * 41,
        "Jl. Raya Sukamaju No. 1, Kab. Bandung, Jawa Barat",
    ):
        assert potong(teks, 40) == truncatechars(teks, 40)
    assert potong(None, 40) == ""
