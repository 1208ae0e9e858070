"""Fixtures for the security tests: every kind of caller of the permission matrix, and one
small world of records in the demo Puskesmas and in a neighbouring one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client

# The BPJS simulator over real HTTP (for the log-masking test of BPJS calls).
from tests.bpjs_bridge.conftest import (  # noqa: F401
    bpjs,
    bpjs_config,
    pick,
    sim,
    simulator,
)


@dataclass
class Dunia:
    """Records of one Puskesmas that URLs can point at."""

    puskesmas: Any
    pasien: Any
    kunjungan: Any
    tiket: Any
    unit: Any


def daftar_di_loket(*, pasien: Any, unit: Any, petugas: Any, penjamin: str = "umum") -> Any:
    """A visit registered at the loket by `petugas`, through the real service."""
    from pendaftaran import services
    from pendaftaran.validasi import DataKunjungan

    return services.kunjungan_daftar(
        puskesmas=unit.puskesmas,
        pasien=pasien,
        unit=unit,
        data=DataKunjungan(penjamin=penjamin, keluhan="demam"),
        client_uuid=uuid.uuid4(),
        oleh=petugas.user,
        loket=petugas.loket,
    ).kunjungan


def buat_dunia(puskesmas: Any, petugas: Any, *, serial: int) -> Dunia:
    from tests.factories import PasienFactory, UnitFactory, buat_nik

    lahir = date(1990, 1, 5)
    pasien = PasienFactory(
        puskesmas=puskesmas,
        tanggal_lahir=lahir,
        jenis_kelamin="L",
        nik=buat_nik(lahir, "L", serial=serial),
        no_bpjs=f"{serial:013d}",
    )
    unit = puskesmas.unit_layanan.filter(kode="UMUM").first() or UnitFactory(
        puskesmas=puskesmas, kode="UMUM", prefix="A"
    )
    kunjungan = daftar_di_loket(pasien=pasien, unit=unit, petugas=petugas)
    return Dunia(puskesmas, pasien, kunjungan, kunjungan.tiket.first(), unit)


@pytest.fixture
def kepala(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.select_related("user").get(user__username="kepala")


@pytest.fixture
def dunia(puskesmas, petugas_loket) -> Dunia:
    return buat_dunia(puskesmas, petugas_loket, serial=7001)


@pytest.fixture
def dunia_lain(puskesmas_lain) -> Dunia:
    from tests.factories import LoketFactory, PetugasFactory

    loket = LoketFactory(puskesmas=puskesmas_lain, kode="T1")
    petugas = PetugasFactory(puskesmas=puskesmas_lain, user__username="loket_lain", loket=loket)
    return buat_dunia(puskesmas_lain, petugas, serial=7002)


@pytest.fixture
def token_integrator(puskesmas):
    """An integrator's bearer token: its own account, a loket-role officer of the Puskesmas."""
    from puskesmas.models import Peran
    from puskesmas.services import api_token_buat
    from tests.factories import PetugasFactory

    petugas = PetugasFactory(
        puskesmas=puskesmas, peran=Peran.LOKET, user__username="integrator_simrs"
    )
    return api_token_buat(user=petugas.user, nama="SIMRS uji")[1]


@pytest.fixture
def token_jkn(puskesmas, settings) -> dict[str, str]:
    """Headers Mobile JKN sends after /auth."""
    from bpjs_bridge import jkn

    settings.JKN_KODE_FASKES = puskesmas.kode_faskes
    token = jkn.token_buat(username=settings.JKN_USERNAME, password=settings.JKN_PASSWORD)
    return {"HTTP_X_TOKEN": token, "HTTP_X_USERNAME": settings.JKN_USERNAME}


def klien_login(user: Any, **extra: Any) -> Client:
    client = Client(**extra)
    client.force_login(user)
    return client
