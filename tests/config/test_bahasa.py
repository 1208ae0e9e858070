"""config.bahasa: one language, no negotiation per request, the same answer as before."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_indonesian_without_a_vary_on_its_language():
    r = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("masuk"))
    assert r.status_code == 200
    assert r["Content-Language"] == "id"
    assert "Accept-Language" not in r.get("Vary", "")
    assert 'lang="id"' in r.content.decode()


def test_the_language_is_active_while_the_view_runs(client_loket):
    r = client_loket.get("/loket/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.wsgi_request.LANGUAGE_CODE == "id"
    assert translation.get_language() == "id"


def test_with_a_second_language_django_negotiates_as_before(settings):
    settings.LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
    try:
        r = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("masuk"))
        assert r["Content-Language"] == "en" and "Accept-Language" in r["Vary"]
    finally:
        translation.activate("id")  # Django's middleware left English active in this thread
