"""Depth and size limits on JSON bodies: a whole body past the limit is one 4xx (never a 500
the browser would retry for ever); `periksa_json` is the helper that replay uses per entry."""

from __future__ import annotations

import json

import pytest

from config.security import JSON_KEDALAMAN_BADAN, JsonTerlaluRumit, periksa_json

pytestmark = pytest.mark.django_db


def _dalam(n: int) -> object:
    nilai: object = "x"
    for _ in range(n):
        nilai = [nilai]
    return nilai


def test_periksa_json_accepts_an_ordinary_entry():
    periksa_json({"client_uuid": "a", "pasien": {"nama": "Siti", "alamat": {"rt": "01"}}})


def test_periksa_json_names_the_depth_limit_and_never_recurses():
    periksa_json(_dalam(15), kedalaman_maks=16)
    with pytest.raises(JsonTerlaluRumit, match="maksimal 16 tingkat"):
        periksa_json(_dalam(17), kedalaman_maks=16)
    with pytest.raises(JsonTerlaluRumit):
        periksa_json(_dalam(100_000), kedalaman_maks=16)  # no RecursionError


def test_periksa_json_limits_the_encoded_size():
    with pytest.raises(JsonTerlaluRumit, match="terlalu besar"):
        periksa_json({"keluhan": "x" * 5000}, ukuran_maks=4096)


def test_a_replay_batch_nested_900_levels_is_a_422_not_a_500(client_loket):
    tubuh = '{"entri":[' + '{"a":' * 900 + "1" + "}" * 900 + "]}"
    assert len(tubuh) < 6000
    r = client_loket.post(
        "/api/v1/replay", tubuh, content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )  # fmt: skip
    assert r.status_code == 422
    assert "terlalu dalam" in r.json()["galat"]["body"][0]


def test_the_body_limit_leaves_room_for_real_bodies(client_loket):
    periksa_json(
        _dalam(JSON_KEDALAMAN_BADAN - 1), kedalaman_maks=JSON_KEDALAMAN_BADAN, ukuran_maks=None
    )
    r = client_loket.post(
        "/api/v1/replay", json.dumps({"entri": []}), content_type="application/json"
    )
    assert r.status_code != 422 or "terlalu dalam" not in r.content.decode()


def test_mobile_jkn_gets_its_envelope_for_a_deep_body(client, token_jkn):
    r = client.post(
        "/bpjs/jkn/antrean", "[" * 2000 + "]" * 2000, content_type="application/json", **token_jkn
    )
    assert r.status_code == 422
    assert "terlalu dalam" in r.json()["metadata"]["message"]


def test_a_body_over_the_upload_limit_is_a_json_413(client_loket, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = client_loket.post(
        "/api/v1/replay", json.dumps({"entri": [{"x": "y" * 2000}]}),
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 413
    assert r.json()["kode"] == "terlalu_besar"
