"""The role × URL matrix: every URL pattern of the site, every kind of caller, against the
written decision in puskesmas/izin.py.

- A URL name without a decision fails: new endpoints must be added to the matrix.
- An allowed caller is never refused (no 401/403, no redirect to the login page, no Mobile JKN
  token refusal); 404/405/400/422 from the test's own empty bodies are fine.
- A caller who is not allowed gets a redirect to the login page, 401, 403 or 404.
- Ids of another Puskesmas' records answer 404 to every allowed officer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from puskesmas.izin import IZIN, NAMESPACE, Akses, Izin, izin_untuk
from tests.security.conftest import Dunia, klien_login

TIDAK_ADA = 987_654  # an id no table reaches in a test


@dataclass(frozen=True)
class Pola:
    nama: str  # "namespace:name"
    route: str
    params: tuple[str, ...]


def _jalan(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[Pola]:
    for p in patterns:
        if isinstance(p, URLResolver):
            n = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _jalan(p.url_patterns, prefix + str(p.pattern), n)
        elif isinstance(p, URLPattern):
            # An unnamed pattern keeps its namespace, so a namespace decision still covers it.
            nama = f"{ns}{p.name}" if p.name else f"{ns}<tanpa nama> {prefix}{p.pattern}"
            params = tuple(p.pattern.regex.groupindex)
            yield Pola(nama, prefix + str(p.pattern), params)


def semua_pola() -> list[Pola]:
    unik: dict[str, Pola] = {}
    for pola in _jalan(get_resolver().url_patterns):
        unik.setdefault(pola.nama, pola)
    return list(unik.values())


def pola_diuji() -> list[Pola]:
    """Everything except the Django admin, which is decided as a namespace (staff only) and
    walked URL by URL as two Puskesmas' admins in test_admin_semua_url.py."""
    return [p for p in semua_pola() if not p.nama.startswith("admin:")]


def test_every_url_name_has_a_decision_in_the_matrix():
    tanpa = [p.nama + "  (" + p.route + ")" for p in semua_pola() if izin_untuk(p.nama) is None]
    assert not tanpa, (
        "URL tanpa keputusan izin — tambahkan ke puskesmas/izin.py (siapa boleh?):\n"
        + "\n".join(tanpa)
    )


def test_the_matrix_names_no_url_that_does_not_exist():
    ada = {p.nama for p in semua_pola()}
    basi = sorted(set(IZIN) - ada)
    assert not basi, f"Entri izin untuk URL yang tidak ada lagi: {basi}"


def test_the_written_matrix_in_the_docs_lists_every_decision():
    teks = (Path(settings.BASE_DIR) / "docs" / "keamanan.md").read_text(encoding="utf-8")
    hilang = [nama for nama in IZIN if f"`{nama}`" not in teks]
    assert not hilang, f"docs/keamanan.md belum memuat: {hilang}"


def test_the_matrix_covers_dozens_of_endpoints_including_the_api():
    pola = pola_diuji()
    assert len(pola) >= 30
    assert any(p.nama.startswith("api-v1:") for p in pola)
    assert "admin" in NAMESPACE


# --- Calling each URL as each kind of caller ---------------------------------------------------


def _nilai_param(nama_param: str, izin: Izin, dunia: Dunia, jenis: Akses) -> Any:
    if nama_param in izin.parameter:
        return izin.parameter[nama_param]
    objek = izin.objek
    if nama_param == "kunci":
        # Only the TV screen holds the display key; everyone else guesses.
        return dunia.puskesmas.kunci_display if jenis == Akses.DISPLAY else "kunci-tebakan"
    if nama_param == "token":
        return dunia.tiket.token_publik
    if nama_param in ("unit_id",) or objek == "unit":
        return dunia.unit.pk
    if nama_param in ("pasien_id",) or (objek == "pasien" and nama_param == "pk"):
        return dunia.pasien.pk
    if nama_param in ("kunjungan_id",) or (objek == "kunjungan" and nama_param == "pk"):
        return dunia.kunjungan.pk
    if nama_param == "nama":
        return "panggil"
    if nama_param == "aksi":
        return "ulangi"
    if nama_param == "kodepoli":
        return dunia.unit.kd_poli_pcare or "001"
    if nama_param == "tanggal":
        return timezone.localdate().isoformat()
    if nama_param == "nomorkartu":
        return dunia.pasien.no_bpjs or "0000000000001"
    return TIDAK_ADA  # episode, review item, BPJS request…: a missing one is a 404 at worst


# What a caller behind the TLS proxy sends, with forged extras: a loopback address, a
# claimed HTTPS, another host. None of it may change a decision.
HEADER_PROXY = {
    "REMOTE_ADDR": "172.18.0.2",
    "HTTP_X_FORWARDED_FOR": "127.0.0.1, 192.168.1.11",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_REAL_IP": "127.0.0.1",
}


def _klien(jenis: Akses, personas: dict[Akses, Any], **header: str) -> Client:
    # A crash is reported as a 500 in the list of problems, not raised: one run shows them all.
    if jenis in (Akses.ANONIM, Akses.DISPLAY):
        return Client(raise_request_exception=False, **header)
    if jenis == Akses.INTEGRATOR:
        return Client(
            raise_request_exception=False,
            HTTP_AUTHORIZATION=f"Bearer {personas[Akses.INTEGRATOR]}",
            **header,
        )
    if jenis == Akses.MOBILE_JKN:
        return Client(raise_request_exception=False, **personas[Akses.MOBILE_JKN], **header)
    return klien_login(personas[jenis].user, raise_request_exception=False, **header)


def contoh_badan(nama: str, dunia: Dunia) -> dict[str, Any]:
    """A valid body for API writes: the API validates the body before the role is checked,
    so an empty body would be refused with 422 for everyone and prove nothing."""
    return {
        "api-v1:pasien_buat": {
            "nama": "Uji Matriks",
            "tanggal_lahir": "1990-01-01",
            "jenis_kelamin": "L",
            "konfirmasi_baru": True,
        },
        "api-v1:kunjungan_daftar": {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": dunia.pasien.pk,
            "unit_id": dunia.unit.pk,
            "penjamin": "umum",
        },
        "api-v1:kunjungan_batal": {"alasan": "uji matriks"},
        "api-v1:replay_kirim": {"entri": []},
    }.get(nama, {})


def _panggil(client: Client, metode: str, url: str, badan: dict[str, Any] | None = None) -> Any:
    json_body = url.startswith("/api/") or "/jkn/" in url
    if metode == "GET":
        return client.get(url)
    if json_body:
        return client.generic(metode, url, json.dumps(badan or {}), content_type="application/json")
    if metode == "POST":
        return client.post(url, {})
    return client.generic(metode, url, "")


def _tutup(response: Any) -> None:
    """Close a server-sent event stream that was never read. (The test client closed every
    other response already; closing again would fire request_finished, and Django would then
    drop the test's PostgreSQL connection in the middle of its transaction.)"""
    if not response.streaming:
        return
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _ditolak_jkn(response: Any) -> bool:
    """Mobile JKN always answers HTTP 200 (BPJS protocol); a refused token shows in the
    envelope's message."""
    try:
        meta = response.json()["metadata"]
    except Exception:
        return False
    pesan = str(meta.get("message", "")).lower()
    return meta.get("code") != 200 and ("token" in pesan or "x-username" in pesan)


def _ke_login(response: Any) -> bool:
    """login_required's redirect: to the login page *with* ?next= (logging out also lands on
    the login page, but without next, and is not a refusal)."""
    if response.status_code not in (301, 302):
        return False
    lokasi = response["Location"]
    return lokasi.startswith(reverse(settings.LOGIN_URL)) and "next=" in lokasi


def _ditolak(response: Any) -> bool:
    return response.status_code in (401, 403) or _ke_login(response) or _ditolak_jkn(response)


@pytest.fixture
def personas(petugas_loket, perawat_poli, admin_puskesmas, kepala, token_integrator, token_jkn):
    return {
        Akses.LOKET: petugas_loket,
        Akses.POLI: perawat_poli,
        Akses.ADMIN: admin_puskesmas,
        Akses.KEPALA: kepala,
        Akses.INTEGRATOR: token_integrator,
        Akses.MOBILE_JKN: token_jkn,
    }


def _jalankan_matriks(
    personas: dict[Akses, Any], dunia: Dunia, **header: str
) -> tuple[list[str], int]:
    masalah: list[str] = []
    jumlah = 0
    for pola in pola_diuji():
        izin = izin_untuk(pola.nama)
        assert izin is not None, pola.nama
        for jenis in Akses:
            for metode in izin.metode:
                kwargs = {p: _nilai_param(p, izin, dunia, jenis) for p in pola.params}
                url = reverse(pola.nama, kwargs=kwargs)
                badan = contoh_badan(pola.nama, dunia)
                response = _panggil(_klien(jenis, personas, **header), metode, url, badan)
                _tutup(response)
                jumlah += 1
                tanda = f"{metode} {url} [{pola.nama}] sebagai {jenis}: {response.status_code}"
                if response.status_code >= 500:
                    masalah.append(f"{tanda} — galat server")
                elif izin.boleh(jenis):
                    if _ditolak(response):
                        masalah.append(f"{tanda} — seharusnya BOLEH")
                elif not (_ditolak(response) or response.status_code == 404):
                    masalah.append(f"{tanda} — seharusnya DITOLAK")
    return masalah, jumlah


@pytest.mark.django_db(transaction=False)
def test_every_role_gets_exactly_what_the_matrix_allows(personas, dunia, capsys):
    masalah, jumlah = _jalankan_matriks(personas, dunia)
    with capsys.disabled():
        print(f"\nmatriks izin: {len(pola_diuji())} URL × {len(Akses)} jenis, {jumlah} permintaan")
    assert not masalah, "\n".join(masalah)


@pytest.mark.django_db(transaction=False)
def test_the_matrix_holds_behind_the_proxy_with_forged_forwarding_headers(
    personas, dunia, settings, monkeypatch
):
    from tests.security.test_ip_proxy import _pasang

    _pasang(settings, monkeypatch, "1")
    masalah, _ = _jalankan_matriks(personas, dunia, **HEADER_PROXY)
    assert not masalah, "\n".join(masalah)


def test_another_puskesmas_records_are_not_found(personas, dunia, dunia_lain):
    """Each allowed officer, given the id of a record of the neighbouring Puskesmas, gets 404
    (or a refusal) — never that record."""
    masalah = []
    jumlah = 0
    for pola in pola_diuji():
        izin = izin_untuk(pola.nama)
        if izin is None or izin.objek not in ("pasien", "kunjungan", "unit"):
            continue
        for jenis in izin.akses:
            if jenis in (Akses.ANONIM, Akses.DISPLAY, Akses.MOBILE_JKN):
                continue
            for metode in izin.metode:
                kwargs = {p: _nilai_param(p, izin, dunia_lain, jenis) for p in pola.params}
                url = reverse(pola.nama, kwargs=kwargs)
                badan = contoh_badan(pola.nama, dunia_lain)
                response = _panggil(_klien(jenis, personas), metode, url, badan)
                _tutup(response)
                jumlah += 1
                if response.status_code not in (403, 404):
                    masalah.append(
                        f"{metode} {url} [{pola.nama}] sebagai {jenis}: "
                        f"{response.status_code}, seharusnya 404"
                    )
    assert jumlah >= 10
    assert not masalah, "\n".join(masalah)


def test_the_admin_is_for_staff_accounts_only(client, petugas_loket, admin_puskesmas):
    assert _ke_login_admin(client.get("/admin/"))
    client.force_login(petugas_loket.user)
    assert _ke_login_admin(client.get("/admin/"))
    client.force_login(admin_puskesmas.user)
    assert client.get("/admin/").status_code == 200


def _ke_login_admin(response: Any) -> bool:
    return response.status_code == 302 and "/admin/login/" in response["Location"]
