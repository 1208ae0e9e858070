"""Fuzz the JSON API from its own OpenAPI schema with schemathesis: every operation, valid and
invalid (negative) inputs, as an authenticated integrator. No input may produce a 5xx, and every
response must match the schema the API publishes.

Bounded: FUZZ_CONTOH examples per operation and mode (a few hundred requests in all, derandomized
so a failure reproduces); raise FUZZ_CONTOH in the environment for a longer hunt. Hypothesis is
driven directly (`as_strategy`) rather than through schemathesis' pytest plugin, whose lazy
fixture loader does not run under pytest 9.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.api import api

FUZZ_CONTOH = int(os.environ.get("FUZZ_CONTOH", "15"))
JUMLAH = {"kasus": 0}


def _operasi() -> list[str]:
    """ "METHOD /path" of every operation in the published schema (read without HTTP)."""
    skema = api.get_openapi_schema()
    return [
        f"{metode.upper()} {path}"
        for path, ops in skema["paths"].items()
        for metode in ops
        if metode in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture
def skema_api(db) -> Iterator[Any]:
    # The WSGI handler would close the test's database connection after each request (Django's
    # test client avoids this the same way): keep it open for the test transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token_fuzz(petugas_loket, pasien_bpjs) -> str:
    """A loket officer's token, in a Puskesmas with units and a patient to find."""
    from puskesmas.services import api_token_buat

    return api_token_buat(user=petugas_loket.user, nama="fuzz")[1]


def test_the_schema_lists_the_operations_to_fuzz():
    assert len(_operasi()) >= 8


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", _operasi())
def test_the_api_never_answers_5xx_and_always_matches_its_schema(
    skema_api, token_fuzz, label, mode
):
    operasi = skema_api.find_operation_by_label(label.replace("/api/v1", "", 1)) or (
        skema_api.find_operation_by_label(label)
    )
    assert operasi is not None, label
    auth = {"Authorization": f"Bearer {token_fuzz}"}
    status: list[int] = []

    @settings(
        max_examples=FUZZ_CONTOH,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operasi.as_strategy(generation_mode=mode))
    def periksa(case: Any) -> None:
        JUMLAH["kasus"] += 1
        response = case.call(headers=auth)
        status.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    periksa()
    # The token must actually have been accepted, or the run only fuzzed the 401 path.
    assert any(s != 401 for s in status), f"{label}: semua jawaban 401"


def test_zz_report_the_number_of_fuzz_cases(capsys):
    with capsys.disabled():
        print(f"\nschemathesis: {JUMLAH['kasus']} kasus dijalankan")


def _bersarang(tingkat: int) -> str:
    """A JSON object nested `tingkat` levels deep, about 2 bytes a level (the issue's 900-level
    replay body was 2 KB)."""
    return '{"entri":' + "[" * tingkat + "]" * tingkat + "}"


@pytest.mark.parametrize("tingkat", [65, 900, 5000])
@pytest.mark.parametrize("label", [op for op in _operasi() if not op.startswith("GET ")])
def test_deeply_nested_json_bodies_are_a_4xx_never_a_5xx(client, token_fuzz, label, tingkat):
    """The nesting case schemathesis does not generate: every write operation of the schema
    gets a body nested past the limit, and answers 4xx in the API's error shape."""
    metode, path = label.split(" ", 1)
    path = path.replace("{", "").replace("}", "")  # any path parameter: a literal name
    path = path if path.startswith("/api/v1") else "/api/v1" + path
    r = client.generic(
        metode, path, _bersarang(tingkat), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_fuzz}",
    )  # fmt: skip
    assert 400 <= r.status_code < 500, (label, r.status_code)
    body = r.json()
    assert body["kode"] and body["pesan"], body
