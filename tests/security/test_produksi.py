"""Production settings: `manage.py check --deploy` is clean, cookies are Secure and HttpOnly,
secrets can come from files. Settings are evaluated in a subprocess with a production
environment, exactly as a deployment would."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

PRODUKSI = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE": "true",
    "SECRET_KEY": "prod-" + "k8Zq3vN0pX7wR2mB5tY9cL4hJ6fD1sA0eG" * 2,
    "ALLOWED_HOSTS": "pendaftaran.puskesmas.example",
    "CSRF_TRUSTED_ORIGINS": "https://pendaftaran.puskesmas.example",
    "SECURE_HSTS_PRELOAD": "true",
    "JKN_PASSWORD": "prod-jkn-" + "Qm4rT8wZ1xK6" * 2,
    # Encrypts the per-Puskesmas integration secrets; without it check --deploy warns.
    "INTEGRASI_KUNCI": "hS1Qm2rK0bX9c8W7v6U5t4S3r2Q1p0O9n8M7l6K5j4I=",
    # An empty database of its own: a developer's var/db.sqlite3 holds the demo accounts,
    # which `check --deploy` rightly refuses (test_keamanan_jkn.py).
    "DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/produksi-uji-{os.getpid()}.sqlite3",
    "REDIS_URL": "",
}


def _jalankan(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    lingkungan = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    lingkungan.update(env)
    lingkungan["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=lingkungan,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _setting(env: dict[str, str], *nama: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Evaluate config/settings.py afresh under `env`, in this process (no Django setup
    needed to read a settings module; much cheaper than a subprocess)."""
    for kunci in list(os.environ):
        if kunci.startswith(("DJANGO_", "SECURE_", "SESSION_", "BPJS_")) or kunci.endswith("_FILE"):
            monkeypatch.delenv(kunci, raising=False)
    for kunci, nilai in env.items():
        monkeypatch.setenv(kunci, nilai)
    spec = importlib.util.spec_from_file_location("settings_uji", ROOT / "config" / "settings.py")
    assert spec and spec.loader
    modul = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modul)
    return {n: getattr(modul, n, None) for n in nama}


def test_check_deploy_passes_with_production_settings():
    hasil = _jalankan("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUKSI)
    assert hasil.returncode == 0, hasil.stdout + hasil.stderr
    assert "no issues" in hasil.stdout


def test_check_deploy_warns_without_a_key_for_the_integration_secrets():
    env = {k: v for k, v in PRODUKSI.items() if k != "INTEGRASI_KUNCI"}
    hasil = _jalankan("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert hasil.returncode != 0
    assert "integrasi.W001" in hasil.stdout + hasil.stderr


def test_check_deploy_complains_about_the_default_development_key():
    env = {**PRODUKSI, "SECRET_KEY": ""}
    env.pop("SECRET_KEY")
    hasil = _jalankan("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert hasil.returncode != 0
    assert "SECRET_KEY" in hasil.stdout + hasil.stderr


def test_production_cookies_are_secure_and_http_only_and_https_is_enforced(monkeypatch):
    s = _setting(
        PRODUKSI,
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "X_FRAME_OPTIONS",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        monkeypatch=monkeypatch,
    )
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True


def test_debug_mode_for_make_run_keeps_plain_http_working(monkeypatch):
    s = _setting(
        {"DJANGO_DEBUG": "true", "DATABASE_URL": "", "REDIS_URL": ""},
        "SESSION_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        monkeypatch=monkeypatch,
    )
    assert s == {
        "SESSION_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_implied_security_without_debug_keeps_http_for_tests_but_secures_cookies(monkeypatch):
    s = _setting(
        {"DJANGO_DEBUG": "false", "DATABASE_URL": "", "REDIS_URL": ""},
        "SESSION_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        monkeypatch=monkeypatch,
    )
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["SECURE_SSL_REDIRECT"] is False and s["SECURE_PROXY_SSL_HEADER"] is None


def test_secrets_are_read_from_files_when_x_file_is_set(tmp_path, monkeypatch):
    (tmp_path / "kunci").write_text("rahasia-dari-berkas-" + "x" * 40 + "\n")
    (tmp_path / "bpjs").write_text("bpjs-secret-dari-berkas\n")
    env = {
        **PRODUKSI,
        "SECRET_KEY_FILE": str(tmp_path / "kunci"),
        "BPJS_SECRET_KEY": "dari-env-kalah",
        "BPJS_SECRET_KEY_FILE": str(tmp_path / "bpjs"),
    }
    s = _setting(env, "SECRET_KEY", "BPJS_SECRET_KEY", monkeypatch=monkeypatch)
    assert s["SECRET_KEY"] == "rahasia-dari-berkas-" + "x" * 40
    assert s["BPJS_SECRET_KEY"] == "bpjs-secret-dari-berkas"


def test_session_cookie_leaves_with_secure_and_httponly_flags(client, petugas_loket, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.post("/masuk/", {"username": "loket1", "password": "sehat-2026"}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("nama", ["SECRET_KEY", "BPJS_SECRET_KEY", "BPJS_PASSWORD"])
def test_no_real_secret_is_committed_in_env_example(nama):
    teks = (ROOT / ".env.example").read_text()
    for baris in teks.splitlines():
        if baris.lstrip("# ").startswith(nama + "="):
            nilai = baris.split("=", 1)[1].split("#")[0].strip()
            assert nilai in (
                "",
                "change-me-to-a-long-random-string",
                "simulator-secret",
                "pcare-demo",
            ), f"{nama} di .env.example terlihat seperti rahasia asli"
