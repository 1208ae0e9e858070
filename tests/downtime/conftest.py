"""Helpers for downtime tests: offline entries shaped as the loket browser sends them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import buat_nik


def waktu(jam: int, menit: int = 0, hari: date | None = None) -> datetime:
    """A moment today (or on `hari`) in the Puskesmas' time zone."""
    hari = hari or timezone.localdate()
    return timezone.make_aware(datetime(hari.year, hari.month, hari.day, jam, menit))


def pasien_baru(
    nama: str = "Dewi Lestari",
    lahir: date = date(1990, 5, 17),
    jk: str = "P",
    serial: int | None = 77,
    **lain,
) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "nama": nama,
        "tanggal_lahir": lahir.isoformat(),
        "jenis_kelamin": jk,
        "nik": buat_nik(lahir, jk, serial=serial) if serial is not None else "",
        "alamat": "Jl. Kenanga 5",
        "no_hp": "081234567890",
    }
    data.update(lain)
    return data


def entri(
    pasien: dict,
    *,
    pada: datetime | None = None,
    loket: str = "L1",
    unit: str = "UMUM",
    penjamin: str = "umum",
    nomor: int | None = None,
    petugas: str = "loket1",
    **kunjungan,
) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "dibuat_klien": (pada or timezone.now() - timedelta(minutes=30)).isoformat(),
        "loket": loket,
        "petugas": petugas,
        "nomor_antrean": nomor,
        "pasien": pasien,
        "kunjungan": {"unit": unit, "penjamin": penjamin, "keluhan": "demam", **kunjungan},
    }


@pytest.fixture(autouse=True)
def _jauh_dari_tengah_malam(jauh_dari_tengah_malam):
    """Entries here are dated hours back; just after local midnight that would be yesterday."""


@pytest.fixture
def pagi():
    """Entries made 'this morning': a couple of hours ago, so never in the future."""
    sekarang = timezone.localtime()
    return sekarang.replace(second=0, microsecond=0) - timedelta(hours=2)
