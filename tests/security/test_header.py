"""Security headers on every response: CSP without inline scripts, Permissions-Policy,
Referrer-Policy, X-Frame-Options, and no caching of signed-in pages."""

from __future__ import annotations

import pytest

from config.security import csp_untuk


def _direktif(csp: str) -> dict[str, str]:
    return {
        bagian.strip().split(" ", 1)[0]: [*bagian.strip().split(" ", 1), ""][1]
        for bagian in csp.split(";")
        if bagian.strip()
    }


@pytest.mark.parametrize("url", ["/masuk/", "/api/v1/openapi.json", "/api/v1/docs"])
def test_public_pages_carry_a_csp_that_forbids_inline_script(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    d = _direktif(response["Content-Security-Policy"])
    assert d["script-src"] == "'self'"
    assert "unsafe-inline" not in d["script-src"] and "unsafe-eval" not in d["script-src"]
    assert d["object-src"] == "'none'"
    assert d["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_loket_page_has_the_csp_and_is_never_cached(client_loket):
    response = client_loket.get("/loket/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # The next person at a shared PC must not page back through patient data.
    assert "no-store" in response["Cache-Control"]


def test_anonymous_responses_are_left_to_the_view_to_cache(client, db):
    # (The login page itself is never_cache by Django; the schema has no personal data.)
    assert "no-store" not in client.get("/api/v1/openapi.json").get("Cache-Control", "")


def test_only_the_swagger_page_may_use_inline_styles_and_never_inline_scripts():
    docs = _direktif(csp_untuk("/api/v1/docs"))
    assert "'unsafe-inline'" in docs["style-src"]
    assert docs["script-src"] == "'self'"
    assert "'unsafe-inline'" not in _direktif(csp_untuk("/loket/"))["style-src"]


def test_csp_upgrades_insecure_requests_when_https_is_enforced(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert "upgrade-insecure-requests" in csp_untuk("/loket/")
