"""Small display filters for the loket pages: how an officer reads a patient at a glance."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone

from antrean.routing import umur_tahun

register = template.Library()


@register.filter
def umur(tanggal_lahir: date | None) -> str:
    """ "45 th", "7 bln" or "12 hr": babies are told apart by months and days, not "0 th"."""
    if not tanggal_lahir:
        return ""
    hari_ini = timezone.localdate()
    tahun = umur_tahun(tanggal_lahir, hari_ini)
    if tahun >= 1:
        return f"{tahun} th"
    bulan = (hari_ini.year - tanggal_lahir.year) * 12 + hari_ini.month - tanggal_lahir.month
    if hari_ini.day < tanggal_lahir.day:
        bulan -= 1
    if bulan >= 1:
        return f"{bulan} bln"
    return f"{(hari_ini - tanggal_lahir).days} hr"


@register.filter
def nik_samar(nik: str | None) -> str:
    """Region and serial stay readable (enough to recognise the right card), the birth-date
    middle is hidden from the people queueing behind the patient."""
    if not nik:
        return ""
    if len(nik) != 16:
        return "•" * max(len(nik) - 4, 0) + nik[-4:]
    return f"{nik[:4]} •••• •••• {nik[-4:]}"


@register.filter
def dikelompokkan(nomor: str | None, ukuran: int = 4) -> str:
    """A long number in groups of four, the way it is printed on a KTP or BPJS card."""
    if not nomor:
        return ""
    return " ".join(nomor[i : i + ukuran] for i in range(0, len(nomor), ukuran))


# The search list draws these for 20 patients on every keystroke: Django's `date` and
# `truncatechars` filters (format parsing, locale look-ups, Truncator) cost more than the row's
# other 15 values together. Same output for what the loket shows: dd-mm-yyyy, plain text.
@register.filter
def tgl(tanggal: date | None) -> str:
    """dd-mm-yyyy, as `date:"d-m-Y"`."""
    if not tanggal:
        return ""
    return f"{tanggal.day:02d}-{tanggal.month:02d}-{tanggal.year:04d}"


@register.filter
def potong(teks: str | None, panjang: int) -> str:
    """At most `panjang` characters, the last one "…" when cut, as `truncatechars`."""
    teks = teks or ""
    return teks if len(teks) <= panjang else teks[: panjang - 1] + "…"
