"""The client's address behind the documented TLS proxy (AXES_PROXY_COUNT=1): the lockout
counts per computer, not per proxy, and the audit log records the same address. Without a
proxy a client-sent X-Forwarded-For is ignored. Settings are evaluated from config/settings.py
under each environment, as a deployment would."""

from __future__ import annotations

import pytest

from audit.models import Aksi, AuditLog
from tests.security.test_produksi import _setting

pytestmark = pytest.mark.django_db

IP_SETTINGS = (
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "IPWARE_STRICT",
)
PROXY = "172.18.0.2"  # the TLS proxy, as gunicorn sees it
SALAH = {"username": "loket1", "password": "bukan-sandinya"}
BENAR = {"username": "loket1", "password": "sehat-2026"}


def _pasang(settings, monkeypatch, jumlah_proxy: str):
    nilai = _setting({"AXES_PROXY_COUNT": jumlah_proxy}, *IP_SETTINGS, monkeypatch=monkeypatch)
    for nama, v in nilai.items():
        if nama == "AXES_IPWARE_PROXY_COUNT" or v is not None:  # None: axes' own default
            setattr(settings, nama, v)
    return settings


@pytest.fixture
def di_balik_proxy(settings, monkeypatch):
    return _pasang(settings, monkeypatch, "1")


@pytest.fixture
def tanpa_proxy(settings, monkeypatch):
    return _pasang(settings, monkeypatch, "0")


def _masuk(client, data, xff: str | None):
    extra = {"REMOTE_ADDR": PROXY}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post("/masuk/", data, **extra)


def test_behind_the_proxy_a_lockout_locks_one_computer_not_everyone(
    client, petugas_loket, di_balik_proxy
):
    assert di_balik_proxy.AXES_IPWARE_PROXY_COUNT == 0  # ipware counts proxies inside the header
    for _ in range(5):
        _masuk(client, SALAH, "192.168.1.11")
    assert _masuk(client, BENAR, "192.168.1.11").status_code == 403  # this PC is locked
    assert _masuk(client, BENAR, "192.168.1.12").status_code == 302  # the next PC is not
    # The audit log names the computers, never the proxy.
    gagal = AuditLog.objects.filter(aksi=Aksi.MASUK_GAGAL)
    assert {str(x.ip) for x in gagal} == {"192.168.1.11"}
    assert str(AuditLog.objects.get(aksi=Aksi.MASUK).ip) == "192.168.1.12"
    assert not AuditLog.objects.filter(ip=PROXY).exists()


def test_behind_the_proxy_an_address_the_client_sends_itself_is_ignored(
    client, petugas_loket, di_balik_proxy
):
    # nginx with $proxy_add_x_forwarded_for appends the real address to what the client sent:
    # the real one (right-most) counts, so rotating a forged value does not escape the lock.
    for i in range(5):
        _masuk(client, SALAH, f"6.6.6.{i}, 192.168.1.11")
    assert _masuk(client, BENAR, "1.2.3.4, 192.168.1.11").status_code == 403
    assert {str(x.ip) for x in AuditLog.objects.filter(aksi=Aksi.MASUK_GAGAL)} == {"192.168.1.11"}


def test_without_a_proxy_the_forwarded_header_is_ignored(client, petugas_loket, tanpa_proxy):
    for i in range(5):
        _masuk(client, SALAH, f"192.168.1.{20 + i}")
    # All five counted against the one real address: still locked, whatever header is sent.
    assert _masuk(client, BENAR, "192.168.1.99").status_code == 403
    assert {str(x.ip) for x in AuditLog.objects.filter(aksi=Aksi.MASUK_GAGAL)} == {PROXY}
