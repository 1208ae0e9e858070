"""Queue fixtures: tickets are made the way the loket makes them, through
pendaftaran.services.kunjungan_daftar, so every test starts from a real registration."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from pendaftaran import services as pendaftaran
from pendaftaran.validasi import DataKunjungan


@pytest.fixture
def daftar(puskesmas, unit, jauh_dari_tengah_malam):
    """daftar(unit=None, umur=35, sumber="loket", menit_lalu=0, **flags) → the new ticket."""
    from tests.factories import PasienFactory

    def buat(unit_tujuan=None, *, umur=35, sumber="loket", menit_lalu=0, jk="L", **flags):
        hari = timezone.localdate()
        lahir = date(hari.year - umur, 1, 1) if umur else date(hari.year - 35, 1, 1)
        pasien = PasienFactory(puskesmas=puskesmas, tanggal_lahir=lahir, jenis_kelamin=jk)
        hasil = pendaftaran.kunjungan_daftar(
            puskesmas=puskesmas,
            pasien=pasien,
            unit=unit_tujuan or unit,
            data=DataKunjungan(penjamin="umum", **flags),
            client_uuid=uuid.uuid4(),
            sumber=sumber,
            dibuat_klien=timezone.now() - timedelta(minutes=menit_lalu),
            percaya_waktu_klien=True,  # stands for a patient who came `menit_lalu` ago
        )
        return hasil.kunjungan.tiket.get()

    return buat


@pytest.fixture
def lab(puskesmas):
    return puskesmas.unit_layanan.get(kode="LAB")


@pytest.fixture
def farmasi(puskesmas):
    return puskesmas.unit_layanan.get(kode="FARMASI")
