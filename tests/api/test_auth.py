from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from pendaftaran.models import Kunjungan, Pasien
from puskesmas.models import ApiToken
from puskesmas.services import api_token_buat, api_token_cabut
from tests.api.conftest import API, kirim
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASIEN = {"nama": "Budi Santoso", "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L"}


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_without_credentials_the_api_answers_401_json(client, puskesmas):
    r = client.get(f"{API}/unit")
    assert r.status_code == 401 and r.json()["kode"] == "tidak_terautentikasi"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = kirim(client, "/pasien", PASIEN)
    assert r.status_code == 401  # not a confusing CSRF error for an integrator without a token


def test_a_valid_token_is_accepted_and_its_last_use_recorded(petugas_loket):
    token, raw = api_token_buat(user=petugas_loket.user)
    assert token.terakhir_dipakai is None
    assert bearer(raw).get(f"{API}/unit").status_code == 200
    token.refresh_from_db()
    assert token.terakhir_dipakai is not None
    assert (timezone.now() - token.terakhir_dipakai).total_seconds() < 60


def test_the_token_is_stored_only_as_its_hash(petugas_loket):
    token, raw = api_token_buat(user=petugas_loket.user)
    assert raw not in {token.hash, token.prefix}
    assert not ApiToken.objects.filter(hash=raw).exists()


@pytest.mark.parametrize(
    "header",
    ["Bearer pkm_salah", "Bearer ", "Token {raw}", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 10_000],
)
def test_wrong_or_malformed_tokens_are_refused(petugas_loket, header):
    _, raw = api_token_buat(user=petugas_loket.user)
    c = Client(HTTP_AUTHORIZATION=header.format(raw=raw))
    r = c.get(f"{API}/unit")
    assert r.status_code == 401 and r.json()["kode"] == "tidak_terautentikasi"


def test_a_revoked_token_is_refused(petugas_loket):
    token, raw = api_token_buat(user=petugas_loket.user)
    api_token_cabut(token=token)
    assert bearer(raw).get(f"{API}/unit").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(petugas_loket):
    _, raw = api_token_buat(user=petugas_loket.user)
    petugas_loket.user.is_active = False
    petugas_loket.user.save()
    assert bearer(raw).get(f"{API}/unit").status_code == 401


def test_a_token_of_an_account_without_petugas_is_forbidden(puskesmas):
    _, raw = api_token_buat(user=UserFactory(username="tamu"))
    r = bearer(raw).get(f"{API}/pasien", {"q": "budi"})
    assert r.status_code == 403 and "petugas" in r.json()["pesan"]


def test_a_session_post_without_csrf_token_is_refused(petugas_loket):
    c = Client(enforce_csrf_checks=True)
    c.force_login(petugas_loket.user)
    r = kirim(c, "/pasien", PASIEN)
    assert r.status_code == 403 and r.json()["kode"] == "csrf_gagal"
    assert Pasien.objects.count() == 0


def test_a_session_post_with_the_csrf_token_is_accepted(petugas_loket):
    c = Client(enforce_csrf_checks=True)
    c.force_login(petugas_loket.user)
    # What the loket page does: the csrftoken cookie echoed in the X-CSRFToken header.
    token = "k" * 32
    c.cookies["csrftoken"] = token
    r = kirim(c, "/pasien", PASIEN, HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201, r.content


def test_a_session_get_needs_no_csrf_token(petugas_loket):
    c = Client(enforce_csrf_checks=True)
    c.force_login(petugas_loket.user)
    assert c.get(f"{API}/unit").status_code == 200


def test_a_bearer_token_needs_no_csrf_token(petugas_loket):
    _, raw = api_token_buat(user=petugas_loket.user)
    c = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert kirim(c, "/pasien", PASIEN).status_code == 201


def test_a_session_of_an_account_without_petugas_is_forbidden(client, puskesmas):
    client.force_login(UserFactory(username="tamu"))
    assert client.get(f"{API}/unit").status_code == 403


def test_a_session_user_sees_only_their_own_puskesmas(client, petugas_lain, pasien_bpjs):
    client.force_login(petugas_lain.user)
    units = client.get(f"{API}/unit").json()
    assert [u["kode"] for u in units] == ["UMUM"]
    assert units[0]["id"] != pasien_bpjs.puskesmas.unit_layanan.get(kode="UMUM").pk
    assert client.get(f"{API}/pasien/{pasien_bpjs.pk}").status_code == 404
    assert client.get(f"{API}/pasien", {"q": pasien_bpjs.nik}).json() == []


def test_poli_staff_cannot_register_visits(client, perawat_poli, pasien_bpjs, unit):
    client.force_login(perawat_poli.user)
    r = kirim(
        client,
        "/kunjungan",
        {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": pasien_bpjs.pk,
            "unit_id": unit.pk,
            "penjamin": "bpjs",
        },
    )
    assert r.status_code == 403 and r.json()["kode"] == "tidak_berhak"
    assert Kunjungan.objects.count() == 0


def test_a_session_visit_is_recorded_as_a_loket_registration(client_loket, pasien_bpjs, unit):
    r = kirim(
        client_loket,
        "/kunjungan",
        {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": pasien_bpjs.pk,
            "unit_id": unit.pk,
            "penjamin": "bpjs",
        },
    )
    assert r.status_code == 201 and r.json()["sumber"] == "loket"
