"""The issue's smaller findings, each fixed where it lives (docs/keamanan.md, "Temuan kecil"):
patient fields per role in the API, a poli officer and another cluster's queue, flash messages
out of the cookie, bidirectional-override characters, passwords made of the username, the
NIK out of the browser history, and every error status documented in the API schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from config.api import api
from puskesmas.models import Petugas
from puskesmas.services import api_token_buat

pytestmark = pytest.mark.django_db


@pytest.fixture
def pasien_lengkap(pasien_bpjs):
    pasien_bpjs.alamat = "Jl. Mawar No. 7, RT 01/RW 02"
    pasien_bpjs.no_hp = "081234567890"
    pasien_bpjs.save()
    return pasien_bpjs


@pytest.mark.parametrize("username", ["poli_umum", "kepala"])
def test_poli_staff_and_the_head_get_patients_with_identity_numbers_masked(
    client, pasien_lengkap, username
):
    token = api_token_buat(user=Petugas.objects.get(user__username=username).user, nama="uji")[1]
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    satu = client.get(f"/api/v1/pasien/{pasien_lengkap.pk}", **h).json()
    cari = client.get("/api/v1/pasien", {"q": pasien_lengkap.no_rm}, **h).json()
    for p in (satu, cari[0]):
        assert p["nama"] == pasien_lengkap.nama and p["no_rm"] == pasien_lengkap.no_rm
        assert pasien_lengkap.nik not in str(p) and pasien_lengkap.no_bpjs not in str(p)
        assert p["nik"].endswith(pasien_lengkap.nik[-4:]) and "*" in p["nik"]
        assert p["alamat"] == "" and p["no_hp"] == "****890"


def test_the_loket_still_gets_the_whole_record(client, token_integrator, pasien_lengkap):
    p = client.get(
        f"/api/v1/pasien/{pasien_lengkap.pk}", HTTP_AUTHORIZATION=f"Bearer {token_integrator}"
    ).json()
    assert p["nik"] == pasien_lengkap.nik and p["alamat"].startswith("Jl. Mawar")


def test_poli_staff_cannot_read_another_clusters_queue_through_the_api(
    client, perawat_poli, puskesmas
):
    token = api_token_buat(user=perawat_poli.user, nama="uji")[1]
    h = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    sendiri = puskesmas.unit_layanan.get(kode="UMUM")  # cluster 3, poli_umum's
    lain = puskesmas.unit_layanan.get(kode="KIA")  # cluster 2
    assert client.get(f"/api/v1/antrean/{sendiri.pk}", **h).status_code == 200
    r = client.get(f"/api/v1/antrean/{lain.pk}", **h)
    assert r.status_code == 404 and r.json()["kode"] == "tidak_ditemukan"


def test_flash_messages_stay_out_of_the_cookie(client_loket, petugas_loket):
    # Messages may name a patient; a (signed, not encrypted) cookie would carry the text.
    r = client_loket.post("/loket/pilih-loket/", {"loket": petugas_loket.loket_id})
    assert r.status_code == 302
    assert "messages" not in r.cookies
    html = client_loket.get(r["Location"]).content.decode()
    assert f"Anda bekerja di {petugas_loket.loket.nama}" in html  # shown once, from the session


@pytest.mark.parametrize(
    "nama", ["Siti\u202eanimA", "Budi\u2066x\u2069", "Rina\u202a"]
)  # RLO, LRI…PDI, LRE
def test_a_name_with_a_bidirectional_override_is_refused_everywhere(client_loket, nama):
    import json

    r = client_loket.post(
        "/api/v1/pasien",
        json.dumps({"nama": nama, "tanggal_lahir": "1990-01-01", "jenis_kelamin": "P"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client_loket.cookies.get("csrftoken").value
        if client_loket.cookies.get("csrftoken")
        else "",
    )
    assert r.status_code == 422 and "arah teks" in r.json()["pesan"]
    r = client_loket.post("/loket/pasien/baru/", {"nama": nama})
    assert r.status_code == 400
    r = client_loket.get("/loket/cari/", {"q": nama})
    assert r.status_code == 400


def test_ordinary_indonesian_text_passes_the_filter(client_loket):
    r = client_loket.get("/loket/cari/", {"q": "Ni Made Ayu — Sùkmā"})
    assert r.status_code == 200


@pytest.mark.parametrize("sandi", ["loket1loket1", "Loket1-2026-baru", "xxLOKET1xx-panjang"])
def test_a_password_containing_the_username_is_refused(petugas_loket, sandi):
    with pytest.raises(ValidationError, match="nama pengguna"):
        validate_password(sandi, petugas_loket.user)


def test_the_nik_typed_in_the_search_box_is_not_pushed_into_the_browser_history():
    html = (Path(settings.BASE_DIR) / "templates/pendaftaran/loket.html").read_text()
    for tag in re.findall(r"<a [^>]*pasien_baru[^>]*>", html):
        assert 'hx-push-url="true"' not in tag, tag  # would push ?q=<NIK>


def test_every_api_operation_documents_its_error_statuses():
    skema = api.get_openapi_schema()
    for path, ops in skema["paths"].items():
        for metode, op in ops.items():
            wajib = {"401", "403", "422"} | ({"413"} if metode in ("post", "put") else set())
            assert wajib <= {str(k) for k in op["responses"]}, (metode, path)


@pytest.mark.parametrize("hp", ["٠٨١٢٣٤٥٦٧٨٩٠", "０８１２３４５６７８９", "08¹²³⁴⁵⁶⁷⁸"])
def test_a_phone_number_in_non_ascii_digits_is_refused(hp):
    from datetime import date

    from pendaftaran.validasi import DataPasien, validasi_pasien

    data = DataPasien(
        nama="Siti", tanggal_lahir=date(1990, 1, 1), jenis_kelamin="P", no_hp=hp
    ).rapikan()
    assert "no_hp" in validasi_pasien(data, hari_ini=date(2026, 1, 1))
