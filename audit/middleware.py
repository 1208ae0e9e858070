"""Makes the request being served available to `audit.services.catat`, so a service that
records an action (and knows nothing of HTTP) still gets the officer's IP and browser."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import request_sekarang


class RequestAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_sekarang.set(request)
        try:
            return self.get_response(request)
        finally:
            request_sekarang.reset(token)
