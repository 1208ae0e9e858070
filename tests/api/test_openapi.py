from __future__ import annotations

import re

import pytest

from tests.api.conftest import API

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/pasien": {"get", "post"},
    "/api/v1/pasien/{pasien_id}": {"get"},
    "/api/v1/kunjungan": {"post"},
    "/api/v1/kunjungan/{kunjungan_id}/batal": {"post"},
    "/api/v1/unit": {"get"},
    "/api/v1/antrean/{unit_id}": {"get"},
    "/api/v1/antrean/{unit_id}/panggil-berikutnya": {"post"},
    "/api/v1/tiket/{tiket_id}/{aksi}": {"post"},
}


def test_the_openapi_schema_lists_every_endpoint_and_documents_auth_and_idempotency(client):
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    for path, methods in PATHS.items():
        assert methods <= set(schema["paths"][path]), path
    deskripsi = schema["info"]["description"]
    assert (
        "Bearer" in deskripsi and "Idempotent-Replayed" in deskripsi and "client_uuid" in deskripsi
    )
    skema_aman = schema["components"]["securitySchemes"]
    assert {s["type"] for s in skema_aman.values()} >= {"http", "apiKey"}
    post_kunjungan = schema["paths"]["/api/v1/kunjungan"]["post"]
    assert {"200", "201", "409", "422"} <= set(post_kunjungan["responses"])


def test_the_openapi_schema_is_valid_when_a_validator_is_installed(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get(f"{API}/openapi.json").json())


def test_the_docs_page_uses_only_local_assets(client):
    r = client.get(f"{API}/docs")
    assert r.status_code == 200
    html = r.content.decode()
    sumber = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sumber)
    assert all(s.startswith("/static/") for s in sumber), sumber
    assert "cdn" not in html.lower() and "https://" not in html


def test_no_two_response_schemas_share_a_name():
    """OpenAPI components are keyed by class name: a second `TiketOut` in another app silently
    replaced the first, and the visit responses were then documented with the wrong shape."""
    from ninja import Schema

    import config.api  # noqa: F401  (imports every router and its schemas)

    def semua(kelas):
        for sub in kelas.__subclasses__():
            yield sub
            yield from semua(sub)

    kami = [
        k
        for k in semua(Schema)
        if k.__module__.split(".")[0] in {"pendaftaran", "antrean", "downtime", "bpjs_bridge"}
    ]
    nama = [k.__name__ for k in kami]
    ganda = {n for n in nama if nama.count(n) > 1}
    assert not ganda, {n: [k.__module__ for k in kami if k.__name__ == n] for n in ganda}
