"""The simulator speaks the protocol as the public docs describe it, checked with plain HTTP
(not through our client): string-valued token answers, searchset Bundles, OperationOutcome
errors with rule numbers, plain-text 5xx, one client id per Organization."""

from __future__ import annotations

import httpx
import pytest

from satusehat.simulator.app import DEMO_CLIENT_ID, DEMO_ORG, DEMO_SECRET

TOKEN = "/oauth2/v1/accesstoken"


@pytest.fixture
def http(ss_sim):
    with httpx.Client(base_url=ss_sim.url, timeout=5) as c:
        yield c


def _token(http) -> str:
    r = http.post(
        TOKEN, params={"grant_type": "client_credentials"},
        data={"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_SECRET},
    )  # fmt: skip
    assert r.status_code == 200
    return r.json()["access_token"]


def test_the_token_answer_has_only_string_values_and_expires_in_3599(http):
    r = http.post(
        TOKEN, params={"grant_type": "client_credentials"},
        data={"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_SECRET},
    )  # fmt: skip
    body = r.json()
    assert body["expires_in"] == "3599"
    assert all(isinstance(v, str) for k, v in body.items() if k != "api_product_list_json")


def test_grant_type_belongs_in_the_query_and_a_wrong_secret_is_401(http):
    r = http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
                               "client_secret": DEMO_SECRET})  # fmt: skip
    assert r.status_code == 400
    r = http.post(
        TOKEN, params={"grant_type": "client_credentials"},
        data={"client_id": DEMO_CLIENT_ID, "client_secret": "salah"},
    )  # fmt: skip
    assert r.status_code == 401


def test_fhir_needs_a_bearer_token(http):
    assert http.get("/fhir-r4/v1/Organization/" + DEMO_ORG).status_code == 401


def test_an_unknown_nik_is_an_empty_searchset(http):
    h = {"Authorization": f"Bearer {_token(http)}"}
    r = http.get(
        "/fhir-r4/v1/Patient",
        params={"identifier": "https://fhir.kemkes.go.id/id/nik|9999999999999999"},
        headers=h,
    )
    assert r.json() == {"resourceType": "Bundle", "type": "searchset", "total": 0}


def test_an_invalid_encounter_is_an_operation_outcome_naming_the_element(http):
    h = {"Authorization": f"Bearer {_token(http)}"}
    r = http.post("/fhir-r4/v1/Encounter", json={"resourceType": "Encounter"}, headers=h)
    assert r.status_code == 400
    issue = r.json()["issue"][0]
    assert r.json()["resourceType"] == "OperationOutcome"
    assert issue["severity"] == "error" and "RuleNumber: 10117" in issue["details"]["text"]
    assert issue["expression"] == ["Encounter.identifier[0].system"]


def test_a_5xx_fault_answers_plain_text(http, ss_control):
    ss_control.post("/faults", json={"mode": "error5xx", "status": 503})
    r = http.get("/fhir-r4/v1/Organization/" + DEMO_ORG)
    assert r.status_code == 503 and r.headers["content-type"].startswith("text/plain")


def test_a_location_created_belongs_to_the_tokens_organization_only(http):
    h = {"Authorization": f"Bearer {_token(http)}"}
    lain = {"resourceType": "Location", "name": "Poli X",
            "managingOrganization": {"reference": "Organization/123"}}  # fmt: skip
    r = http.post("/fhir-r4/v1/Location", json=lain, headers=h)
    assert r.status_code == 403
    assert "business rule" in r.json()["issue"][0]["details"]["text"]
    kami = {**lain, "managingOrganization": {"reference": f"Organization/{DEMO_ORG}"}}
    r = http.post("/fhir-r4/v1/Location", json=kami, headers=h)
    assert r.status_code == 201
    cari = http.get("/fhir-r4/v1/Location", params={"organization": DEMO_ORG}, headers=h)
    assert r.json()["id"] in [e["resource"]["id"] for e in cari.json()["entry"]]
