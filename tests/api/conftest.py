"""Helpers for the API tests: JSON posts, a bearer-token client and a second Puskesmas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

API = "/api/v1"


def kirim(client: Client, path: str, data: Any, **extra: Any):
    """POST a JSON body (anything json.dumps accepts, or raw str/bytes sent as they are)."""
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(API + path, body, content_type="application/json", **extra)


@pytest.fixture
def token_loket(petugas_loket) -> str:
    from puskesmas.services import api_token_buat

    return api_token_buat(user=petugas_loket.user, nama="uji")[1]


@pytest.fixture
def api_client(token_loket) -> Client:
    """An integrator: no cookies, a bearer token on every request."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_loket}")


@pytest.fixture
def petugas_lain(puskesmas_lain):
    """A loket officer of the neighbouring Puskesmas, with one unit and one patient there."""
    from tests.factories import PasienFactory, PetugasFactory, UnitFactory

    petugas = PetugasFactory(puskesmas=puskesmas_lain, user__username="loket_tetangga")
    UnitFactory(puskesmas=puskesmas_lain, kode="UMUM", prefix="A")
    PasienFactory(puskesmas=puskesmas_lain, nama="Warga Tetangga")
    return petugas
