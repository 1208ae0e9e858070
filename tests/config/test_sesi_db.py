"""config.sesi_db: database sessions read and updated by hand-written SQL, with Django's
semantics: a logout, an expiry or a deleted row is seen by the very next request."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.security import SESI_TERAKHIR_AKTIF

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _cari(client: Client):
    return client.get(reverse("pendaftaran:cari"), {"q": "Siti"}, **HTMX)


def _sesi(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_session_engine_is_ours():
    assert settings.SESSION_ENGINE == "config.sesi_db"


def test_a_signed_in_request_reads_its_session_in_one_statement(client_loket):
    assert _cari(client_loket).status_code == 200  # warm
    with CaptureQueriesContext(connection) as kueri:
        assert _cari(client_loket).status_code == 200
    sesi = [q["sql"] for q in kueri.captured_queries if "django_session" in q["sql"]]
    assert len(sesi) == 1 and sesi[0].startswith("SELECT")


def test_a_session_deleted_elsewhere_signs_the_browser_out_on_its_next_request(client_loket):
    assert _cari(client_loket).status_code == 200
    _sesi(client_loket).delete()  # e.g. the admin ended it, or a logout in another tab
    r = _cari(client_loket)
    assert r.status_code in (204, 302) and "masuk" in (r.get("HX-Redirect") or r["Location"])


def test_an_expired_session_is_not_loaded(client_loket):
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    r = client_loket.get("/loket/")
    assert r.status_code == 302 and r["Location"].startswith("/masuk/")


def test_a_logout_ends_the_session_for_a_copied_cookie_too(client_loket):
    kunci = client_loket.cookies[settings.SESSION_COOKIE_NAME].value
    assert _cari(client_loket).status_code == 200
    client_loket.post(reverse("keluar"))
    assert not Session.objects.filter(session_key=kunci).exists()
    curian = Client()  # the same cookie, copied to another browser
    curian.cookies[settings.SESSION_COOKIE_NAME] = kunci
    assert curian.get("/loket/").status_code == 302


def test_the_idle_clock_is_written_back_and_read_on_the_next_request(client_loket):
    sesi = client_loket.session
    sesi[SESI_TERAKHIR_AKTIF] = time.time() - 20 * 60
    sesi.save()
    sebelum = _sesi(client_loket).expire_date
    assert client_loket.get("/loket/").status_code == 200  # a person at the keyboard
    tersimpan = _sesi(client_loket)
    assert tersimpan.get_decoded()[SESI_TERAKHIR_AKTIF] > time.time() - 60
    assert tersimpan.expire_date >= sebelum
    assert client_loket.session[SESI_TERAKHIR_AKTIF] > time.time() - 60


def test_a_login_through_the_form_creates_a_session_that_the_next_page_reads(client, petugas_loket):
    user = petugas_loket.user
    user.set_password("Sandi-loket-2026!")
    user.save()
    r = client.post(reverse("masuk"), {"username": user.username, "password": "Sandi-loket-2026!"})
    assert r.status_code == 302
    assert _sesi(client).get_decoded()["_auth_user_id"] == str(user.pk)
    assert _cari(client).status_code == 200


def test_a_malformed_session_cookie_is_an_anonymous_request():
    c = Client()
    c.cookies[settings.SESSION_COOKIE_NAME] = "x"  # too short to be a key: never queried
    assert c.get("/loket/").status_code == 302


def test_saving_a_session_whose_row_is_gone_raises_update_error_as_django_does(petugas_loket):
    from django.contrib.sessions.backends.base import UpdateError

    from config.sesi_db import SessionStore

    s = SessionStore()
    s["a"] = 1
    s.create()
    baca = SessionStore(s.session_key)
    assert baca["a"] == 1
    Session.objects.filter(session_key=s.session_key).delete()
    baca["a"] = 2
    with pytest.raises(UpdateError):
        baca.save()
