"""Dates, times and numbers for people, outside templates (messages, PDF, CSV): the same
formats as config/formats/id (17-08-1985, 15.08, 100,0%), always in the Puskesmas' time zone
(settings.TIME_ZONE), with Indonesian month names whatever language is active (Celery, PDF)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def lokal(t: datetime) -> datetime:
    """An aware moment in the Puskesmas' zone (naive ones are taken as already local)."""
    return timezone.localtime(t) if timezone.is_aware(t) else t


def tanggal(d: date | datetime | None) -> str:
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = lokal(d)
    return f"{d:%d-%m-%Y}"


def jam(t: datetime | None) -> str:
    return f"{lokal(t):%H.%M}" if t else ""


def tanggal_jam(t: datetime | None) -> str:
    return f"{lokal(t):%d-%m-%Y %H.%M}" if t else ""


def angka(x: float | int | None, desimal: int = 1) -> str:
    """1234.5 → "1.234,5" (Indonesian separators)."""
    if x is None:
        return ""
    teks = f"{x:,.{desimal}f}"
    return teks.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def persen(x: float | None, desimal: int = 1) -> str:
    """100.0 → "100,0%"."""
    return "" if x is None else f"{angka(x, desimal)}%"


def bulan_tahun(tahun: int, bulan: int) -> str:
    return f"{BULAN[bulan - 1]} {tahun}"
