"""puskesmas.backends: the signed-in user comes from the reference cache, and every change that
matters to a session reaches the very next request."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from puskesmas import rujukan

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _cari(client: Client):
    return client.get(reverse("pendaftaran:cari"), {"q": "Siti"}, **HTMX)


def test_a_signed_in_request_reads_no_user_row(client_loket):
    assert _cari(client_loket).status_code == 200  # warm
    assert client_loket.session[BACKEND_SESSION_KEY] == "puskesmas.backends.BackendPengguna"
    with CaptureQueriesContext(connection) as kueri:
        assert _cari(client_loket).status_code == 200
    assert kueri.captured_queries  # the session and the search ran
    assert not [q for q in kueri.captured_queries if '"auth_user"' in q["sql"]]


def test_a_password_change_ends_the_other_sessions_on_their_next_request(
    client_loket, petugas_loket
):
    assert _cari(client_loket).status_code == 200
    user = petugas_loket.user
    user.set_password("kata-sandi-baru-2026")
    user.save()
    r = _cari(client_loket)
    assert r.status_code in (204, 302) and "masuk" in (r.get("HX-Redirect") or r["Location"])


def test_a_deactivated_user_is_signed_out_on_the_next_request(client_loket, petugas_loket):
    assert _cari(client_loket).status_code == 200
    petugas_loket.user.is_active = False
    petugas_loket.user.save()
    r = _cari(client_loket)
    assert r.status_code in (204, 302)


def test_a_session_made_by_the_plain_model_backend_still_works(client, petugas_loket):
    client.force_login(petugas_loket.user, backend="django.contrib.auth.backends.ModelBackend")
    assert _cari(client).status_code == 200


def test_a_wrong_password_is_one_failed_login_and_never_signs_in(client, petugas_loket):
    from axes.models import AccessAttempt

    r = client.post(reverse("masuk"), {"username": petugas_loket.user.username, "password": "x"})
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_the_cached_user_is_a_copy_per_request(petugas_loket):
    a = rujukan.pengguna(petugas_loket.user_id)
    a.first_name = "diubah di memori"
    assert rujukan.pengguna(petugas_loket.user_id).first_name != "diubah di memori"
