"""Garbage in, a 4xx JSON error out — never a 500, never HTML."""

from __future__ import annotations

import uuid

import pytest

from pendaftaran.models import Kunjungan, Pasien
from tests.api.conftest import API, kirim

pytestmark = pytest.mark.django_db


def assert_galat_json(r, status: int | None = None) -> dict:
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:500])
    if status is not None:
        assert r.status_code == status, r.content[:500]
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) >= {"kode", "pesan", "galat"} and isinstance(body["galat"], dict)
    return body


SAMPAH = [
    "",
    "bukan json",
    "{",
    "[]",
    "[{}]",
    '"teks"',
    "null",
    "42",
    "{}",
    '{"nama": null, "tanggal_lahir": null, "jenis_kelamin": null}',
    '{"nama": ["Budi"], "tanggal_lahir": {}, "jenis_kelamin": 1}',
    '{"nama": "Budi", "tanggal_lahir": "2024-02-30", "jenis_kelamin": "L"}',
    '{"nama": "Budi", "tanggal_lahir": "0001-01-01", "jenis_kelamin": "L"}',
    '{"nama": "Budi", "tanggal_lahir": "9999-12-31", "jenis_kelamin": "L"}',
    '{"nama": "Budi", "tanggal_lahir": "10000-01-01", "jenis_kelamin": "L"}',
    '{"nama": "Budi", "tanggal_lahir": "31-12-1990", "jenis_kelamin": "L"}',
    '{"nama": "Bu\\u0000di", "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L"}',
    '{"nama": "Budi", "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L", "nik": "\\u0000"}',
    '{"nama": "\'\'\'", "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L"}',
    '{"nama": "Budi", "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L", "nik": "abc"}',
    '{"nama": "Budi", "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L", "konfirmasi_baru": "x"}',
    b"\xff\xfe\x00garbage",
    "[" * 5000 + "]" * 5000,
]


@pytest.mark.parametrize("body", SAMPAH)
def test_garbage_patient_bodies_are_refused_as_json_4xx(api_client, body):
    assert_galat_json(kirim(api_client, "/pasien", body))
    assert Pasien.objects.count() == 0


def test_a_huge_name_is_refused_naming_the_field(api_client):
    r = kirim(
        api_client,
        "/pasien",
        {"nama": "A" * 100_000, "tanggal_lahir": "1990-01-01", "jenis_kelamin": "L"},
    )
    body = assert_galat_json(r, 422)
    assert body["galat"]["nama"] == ["Nama terlalu panjang (maksimal 150 karakter)."]


def test_a_body_beyond_the_upload_limit_is_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = kirim(api_client, "/pasien", {"nama": "A" * 20_000})
    assert_galat_json(r, 413)


def test_a_form_encoded_post_is_told_to_send_json(api_client):
    r = api_client.post(f"{API}/pasien", {"nama": "Budi"})
    body = assert_galat_json(r, 422)
    assert body["galat"] == {"body": ["Content-Type harus application/json."]}


def test_malformed_json_is_a_422_on_the_body(api_client):
    body = assert_galat_json(kirim(api_client, "/pasien", "{nama: 'Budi'"), 422)
    assert body["galat"] == {"body": ["Badan permintaan bukan JSON yang valid."]}


def test_an_array_instead_of_an_object_is_named(api_client):
    body = assert_galat_json(kirim(api_client, "/pasien", [{"nama": "Budi"}]), 422)
    assert "objek JSON" in body["galat"]["body"][0]


def test_schema_errors_are_indonesian_and_name_each_field(api_client):
    r = kirim(
        api_client,
        "/kunjungan",
        {
            "client_uuid": "bukan-uuid",
            "pasien_id": "satu",
            "penjamin": None,
            "hamil": "mungkin",
            "dibuat_klien": "kemarin",
            "layanan_diminta": "pijat",
        },
    )
    galat = assert_galat_json(r, 422)["galat"]
    assert galat["client_uuid"] == [
        "UUID klien harus UUID, mis. 3f1c9a2e-5b7d-4c1e-9a0b-2d4e6f8a1c3b."
    ]
    assert galat["pasien_id"] == ["ID pasien harus berupa bilangan bulat."]
    assert galat["penjamin"] == ["Penjamin wajib diisi."]
    assert galat["hamil"] == ["Hamil harus true atau false."]
    assert galat["dibuat_klien"][0].startswith("Waktu di loket harus berupa waktu ISO 8601")
    assert galat["layanan_diminta"][0].startswith("Layanan diminta harus salah satu dari: kia")


def test_a_bad_date_in_a_patient_names_the_format(api_client):
    r = kirim(
        api_client, "/pasien", {"nama": "Budi", "tanggal_lahir": "31-12-1990", "jenis_kelamin": "L"}
    )
    galat = assert_galat_json(r, 422)["galat"]
    assert galat == {
        "tanggal_lahir": ["Tanggal lahir harus berupa tanggal YYYY-MM-DD yang ada di kalender."]
    }


@pytest.mark.parametrize(
    "nama",
    ["Nur'aini", "D'Costa Ma'ruf", "Ñoño Çelik", "Ōtsuka 大塚", "O'Neil-Sitompul", "👶 Bayi"],
)
def test_unicode_names_with_apostrophes_are_saved_or_refused_cleanly(api_client, nama):
    r = kirim(
        api_client,
        "/pasien",
        {
            "nama": nama,
            "tanggal_lahir": "2020-01-01",
            "jenis_kelamin": "P",
            "konfirmasi_baru": True,
        },
    )
    assert r.status_code in (201, 422), r.content
    if r.status_code == 201:
        assert r.json()["nama"] == nama
        assert api_client.get(f"{API}/pasien", {"q": nama[:3]}).status_code == 200


@pytest.mark.parametrize(
    "q", ["\x00", "'; DROP TABLE pasien; --", "%", "_", "9" * 30, "12-13-2020 budi", "a" * 5000]
)
def test_odd_search_strings_never_fail(api_client, q):
    r = api_client.get(f"{API}/pasien", {"q": q})
    assert r.status_code in (200, 422), r.content
    if r.status_code == 422:
        assert_galat_json(r)


@pytest.mark.parametrize(
    "path",
    [
        "/pasien/abc",
        "/pasien/-1",
        "/pasien/99999999999999999999999",
        "/antrean/x",
        "/antrean/1?tanggal=2024-13-01",
        "/antrean/1?tanggal=besok",
    ],
)
def test_bad_path_and_query_values_are_4xx_json(api_client, unit, path):
    assert_galat_json(api_client.get(API + path))


@pytest.mark.parametrize(
    "body",
    [
        {"client_uuid": str(uuid.uuid4()), "pasien_id": 10**30, "unit_id": 1, "penjamin": "umum"},
        {"client_uuid": str(uuid.uuid4()), "pasien_id": 1, "unit_id": -5, "penjamin": "umum"},
        {"client_uuid": None, "pasien_id": None, "unit_id": None, "penjamin": None},
        {"client_uuid": str(uuid.uuid4()), "pasien_id": 1, "unit": "\x00", "penjamin": "umum"},
        {"client_uuid": str(uuid.uuid4()), "pasien_id": 1, "unit_id": 1, "penjamin": "x" * 10**5},
        {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": 1,
            "unit_id": 1,
            "penjamin": "umum",
            "dibuat_klien": "0001-01-01T00:00:00",
        },
        {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": 1,
            "unit_id": 1,
            "penjamin": "umum",
            "dibuat_klien": "9999-12-31T23:59:59+14:00",
        },
    ],
)
def test_garbage_visits_are_refused_without_saving(api_client, pasien_umum, unit, body):
    body = {**body}
    if body.get("pasien_id") == 1:
        body["pasien_id"] = pasien_umum.pk
    if body.get("unit_id") == 1:
        body["unit_id"] = unit.pk
    assert_galat_json(kirim(api_client, "/kunjungan", body))
    assert Kunjungan.objects.count() == 0


def test_garbage_cancel_bodies_are_4xx_json(api_client):
    assert_galat_json(kirim(api_client, "/kunjungan/1/batal", "[]"))
    assert_galat_json(kirim(api_client, "/kunjungan/1/batal", {"alasan": 5}))
    assert_galat_json(kirim(api_client, "/kunjungan/1/batal", {"alasan": "ok"}), 404)
