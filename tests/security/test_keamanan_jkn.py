"""Mobile JKN's entry points as an attacker tries them: no demo credentials outside demo mode
(at run time and in `check --deploy`), a throttled /auth, `batal` only for bookings Mobile JKN
made, and a JSON envelope on every error — also Django's own 400/404/405 on the API paths."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User

from config.security import periksa_demo
from pendaftaran.models import Kunjungan
from tests.security.conftest import daftar_di_loket

pytestmark = pytest.mark.django_db
BASE = "/bpjs/jkn"


def _auth(client, sandi: str, ip: str = "10.1.1.1"):
    return client.get(
        f"{BASE}/auth", HTTP_X_USERNAME="mobilejkn", HTTP_X_PASSWORD=sandi, REMOTE_ADDR=ip
    ).json()["metadata"]


def test_the_demo_password_is_refused_once_the_app_talks_to_the_real_bpjs(
    client, puskesmas, settings
):
    assert _auth(client, "mobilejkn-demo")["code"] == 200  # demo mode: the simulator
    settings.BPJS_BASE_URL = "https://apijkn.bpjs-kesehatan.go.id/pcare-rest"
    meta = _auth(client, "mobilejkn-demo")
    assert meta["code"] == 201 and "belum dikonfigurasi" in meta["message"]


def test_an_empty_configured_password_never_matches_an_empty_header(client, puskesmas, settings):
    settings.JKN_PASSWORD = ""
    assert _auth(client, "")["code"] == 201


def test_auth_is_throttled_per_address(client, puskesmas, settings):
    settings.JKN_AUTH_GAGAL_MAKS = 3
    for _ in range(3):
        assert "tidak sesuai" in _auth(client, "tebakan")["message"]
    meta = _auth(client, "mobilejkn-demo")  # even the right password, from that address
    assert meta["code"] == 201 and "Terlalu banyak percobaan" in meta["message"]
    assert _auth(client, "mobilejkn-demo", ip="10.1.1.2")["code"] == 200


def test_batal_cannot_cancel_a_visit_the_loket_registered(
    client, token_jkn, pasien_bpjs, petugas_loket, unit
):
    k = daftar_di_loket(pasien=pasien_bpjs, unit=unit, petugas=petugas_loket, penjamin="bpjs")
    r = client.put(
        f"{BASE}/antrean/batal",
        json.dumps(
            {
                "nomorkartu": pasien_bpjs.no_bpjs,
                "kodepoli": unit.kd_poli_pcare,
                "tanggalperiksa": k.tanggal.isoformat(),
                "keterangan": "iseng",
            }
        ),
        "application/json",
        **token_jkn,
    )
    meta = r.json()["metadata"]
    assert meta["code"] == 201 and "loket" in meta["message"]
    assert Kunjungan.objects.get(pk=k.pk).status != "batal"


@pytest.mark.parametrize(
    ("metode", "url", "status"),
    [
        ("post", f"{BASE}/auth", 405),
        ("get", f"{BASE}/antrean/batal", 405),
        ("get", f"{BASE}/tidak-ada", 404),
        ("get", "/api/v1/tidak-ada", 404),
        ("put", "/api/v1/status", 405),
        ("delete", "/api/v1/kunjungan", 405),
    ],
)
def test_every_error_on_the_api_and_jkn_paths_is_a_json_envelope_in_indonesian(
    client, puskesmas, metode, url, status
):
    r = getattr(client, metode)(url)
    assert r.status_code == status
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    if url.startswith(BASE):
        assert body["metadata"]["code"] == status and body["metadata"]["message"]
    else:
        assert body["kode"] and body["pesan"] and "galat" in body
    assert "not allowed" not in r.content.decode().lower()


def test_a_bad_host_on_the_api_is_a_json_400(client, puskesmas):
    r = client.get("/api/v1/status", HTTP_HOST="penyerang.example")
    assert r.status_code == 400
    assert r.json()["kode"] == "tidak_valid"


def test_check_deploy_refuses_demo_accounts_and_the_demo_jkn_password(puskesmas, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ids = {m.id for m in periksa_demo()}
    assert ids == {"keamanan.E003", "keamanan.E004"}  # the demo data and the default password
    settings.JKN_PASSWORD = "kata-sandi-jkn-yang-didaftarkan"
    for u in User.objects.all():
        u.set_password("sandi-produksi-yang-panjang")
        u.save()
    assert periksa_demo() == []
