"""Idle timeout for shared loket PCs: after SESSION_IDLE_MINUTES without activity the officer
is logged out and sent to the login page with an Indonesian message."""

from __future__ import annotations

import time

from audit.models import Aksi, AuditLog
from config.security import SESI_TERAKHIR_AKTIF


def _mundurkan(client, menit: float) -> None:
    sesi = client.session
    sesi[SESI_TERAKHIR_AKTIF] = time.time() - menit * 60
    sesi.save()


def test_an_active_officer_stays_signed_in(client_loket):
    assert client_loket.get("/loket/").status_code == 200
    _mundurkan(client_loket, 29)
    assert client_loket.get("/loket/").status_code == 200


def test_thirty_idle_minutes_log_the_officer_out(client_loket, settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    client_loket.get("/loket/")
    _mundurkan(client_loket, 31)
    response = client_loket.get("/loket/")
    assert response.status_code == 302
    assert response["Location"] == "/masuk/?next=%2Floket%2F"
    assert "_auth_user_id" not in client_loket.session
    halaman = client_loket.get(response["Location"]).content.decode()
    assert "tidak ada aktivitas selama 30 menit" in halaman
    assert AuditLog.objects.filter(aksi=Aksi.KELUAR_IDLE, username="loket1").exists()


def test_an_htmx_request_after_the_timeout_redirects_the_whole_page(client_loket):
    client_loket.get("/loket/")
    _mundurkan(client_loket, 45)
    response = client_loket.get("/loket/cari/?q=siti", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/masuk/"
    assert "_auth_user_id" not in client_loket.session


def test_the_timeout_is_configurable(client_loket, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client_loket.get("/loket/")
    _mundurkan(client_loket, 6)
    assert client_loket.get("/loket/").status_code == 302


def test_api_and_polling_requests_do_not_keep_a_session_alive(client_loket):
    client_loket.get("/loket/")
    _mundurkan(client_loket, 20)
    sebelum = client_loket.session[SESI_TERAKHIR_AKTIF]
    client_loket.get("/api/v1/unit")
    client_loket.get("/antrean/live/versi/")
    assert client_loket.session[SESI_TERAKHIR_AKTIF] == sebelum
    client_loket.get("/loket/")  # a person clicking does
    assert client_loket.session[SESI_TERAKHIR_AKTIF] > sebelum


def test_an_idle_api_session_is_refused_with_401(client_loket):
    client_loket.get("/loket/")
    _mundurkan(client_loket, 31)
    response = client_loket.get("/api/v1/unit")
    assert response.status_code == 401
    assert response.json()["kode"] == "tidak_terautentikasi"


def test_logging_in_starts_the_clock(client, petugas_loket):
    client.post("/masuk/", {"username": "loket1", "password": "sehat-2026"})
    assert abs(client.session[SESI_TERAKHIR_AKTIF] - time.time()) < 60
