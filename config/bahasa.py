"""LocaleMiddleware for a site with one language (settings.LANGUAGES: Bahasa Indonesia only).

Django's middleware negotiates on every request: the URL prefix, the language cookie, the
Accept-Language header, twice the path check, then `Vary: Accept-Language` on the answer. With one
language every outcome is the same, so that is CPU on every request for nothing (about 0.1 ms,
issue 15: the per-request floor). This activates the one language, sets request.LANGUAGE_CODE
and Content-Language as Django's does, and leaves out the Vary header: the answer never varies
by the browser's language. With more than one language configured it is Django's own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class BahasaTunggalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.bahasa: str | None = None
        if len(settings.LANGUAGES) == 1:
            try:
                self.bahasa = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
            except LookupError:  # what Django's negotiation falls back to
                self.bahasa = settings.LANGUAGE_CODE
        else:
            self._django = LocaleMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.bahasa is None:
            return self._django(request)
        translation.activate(self.bahasa)
        request.LANGUAGE_CODE = self.bahasa  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", self.bahasa)
        return response
