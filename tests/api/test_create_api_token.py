from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from puskesmas.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def jalankan(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_a_working_token_once_with_a_revoke_hint(petugas_loket):
    out = jalankan("loket1", "--nama", "SIMRS Dinkes")
    raw = next(line for line in out.splitlines() if line.startswith("pkm_"))
    token = ApiToken.objects.get()
    assert token.nama == "SIMRS Dinkes" and token.hash == ApiToken.hash_of(raw)
    assert f"--cabut {token.prefix}" in out
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert c.get("/api/v1/unit").status_code == 200


def test_the_command_revokes_a_token_by_its_prefix(petugas_loket):
    out = jalankan("loket1")
    raw = next(line for line in out.splitlines() if line.startswith("pkm_"))
    prefix = ApiToken.objects.get().prefix
    assert "dicabut" in jalankan("loket1", "--cabut", prefix)
    assert ApiToken.objects.get().dicabut_pada is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/unit").status_code == 401
    with pytest.raises(CommandError, match="Tidak ada token aktif"):
        jalankan("loket1", "--cabut", prefix)


def test_an_unknown_user_is_an_indonesian_error(puskesmas):
    with pytest.raises(CommandError, match="Pengguna 'hantu' tidak ditemukan"):
        jalankan("hantu")
    assert not ApiToken.objects.exists()


def test_a_user_without_petugas_gets_no_token(puskesmas):
    UserFactory(username="tamu")
    with pytest.raises(CommandError, match="belum terdaftar sebagai petugas"):
        jalankan("tamu")
    assert not ApiToken.objects.exists()
