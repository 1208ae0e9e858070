"""Login throttling (django-axes): five wrong passwords for one username from one computer
lock that pair for 15 minutes, with the reason on the login page in Indonesian."""

from __future__ import annotations

from audit.models import Aksi, AuditLog

SALAH = {"username": "loket1", "password": "bukan-sandinya"}
BENAR = {"username": "loket1", "password": "sehat-2026"}


def _coba(client, data, ip="10.0.0.7"):
    return client.post("/masuk/", data, REMOTE_ADDR=ip)


def test_five_failures_lock_the_username_on_that_computer(client, petugas_loket, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = _coba(client, SALAH)
        assert response.status_code == 200
        assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    response = _coba(client, SALAH)  # the fifth failure locks
    assert response.status_code == 403
    # Even the right password is refused now, with the reason and the wait in Indonesian.
    response = _coba(client, BENAR)
    assert response.status_code == 403
    teks = response.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal" in teks
    assert "15 menit" in teks
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_block_the_same_officer_at_another_computer(client, petugas_loket):
    for _ in range(5):
        _coba(client, SALAH, ip="10.0.0.7")
    assert _coba(client, BENAR, ip="10.0.0.8").status_code == 302


def test_a_lockout_does_not_block_other_officers_at_the_same_computer(client, petugas_loket_2):
    for _ in range(5):
        _coba(client, {"username": "loket1", "password": "x"})
    assert _coba(client, {"username": "loket2", "password": "sehat-2026"}).status_code == 302


def test_a_successful_login_resets_the_count(client, petugas_loket):
    for _ in range(4):
        _coba(client, SALAH)
    assert _coba(client, BENAR).status_code == 302
    client.logout()
    for _ in range(4):
        assert _coba(client, SALAH).status_code == 200  # counting again from zero


def test_failures_and_the_lockout_are_in_the_audit_log(client, petugas_loket):
    for _ in range(5):
        _coba(client, SALAH)
    gagal = AuditLog.objects.filter(aksi=Aksi.MASUK_GAGAL)
    assert gagal.count() == 5
    assert gagal.first().puskesmas_id == petugas_loket.puskesmas_id
    assert gagal.first().ip == "10.0.0.7"
    assert AuditLog.objects.filter(aksi=Aksi.TERKUNCI, ringkasan__contains="loket1").exists()
    assert "bukan-sandinya" not in str(list(AuditLog.objects.values_list("ringkasan", flat=True)))


def test_the_admin_login_is_throttled_too(client, admin_puskesmas):
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "x"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "sehat-2026"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 403
