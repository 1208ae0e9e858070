"""Django sessions, except for API calls that carry a bearer token (issue 15).

An integrator's `Authorization: Bearer …` call never needs a session, yet the stock middleware
stack read one for every request and the idle-logout bookkeeping wrote one back (and even set a
session cookie on an integrator that had none). Such a request gets an empty session that is
never loaded or saved, so the session table is not touched; everything downstream works as
before: AuthenticationMiddleware finds no user in it (TokenApi sets the user), the idle timeout
has nothing to time, messages stay lazy and unsent.

CSRF: a bearer call is judged by its token alone, never by a session cookie riding along, so
there is nothing a forged cross-site request could borrow (browsers cannot add an
Authorization header cross-site without a CORS preflight, which we never grant). A session
request (the loket's fetch/htmx) keeps its CSRF check in puskesmas/api_auth.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse

AWALAN_API = "/api/"


def pakai_bearer(request: HttpRequest) -> bool:
    """An API request authenticating with a bearer token (checked by TokenApi)."""
    return (
        request.path_info.startswith(AWALAN_API)
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


class SesiKosong(SessionBase):
    """A session that is always empty and never stored."""

    def load(self) -> dict[str, Any]:
        return {}

    def exists(self, session_key: str) -> bool:
        return False

    def create(self) -> None:
        self._session_key = None

    def save(self, must_create: bool = False) -> None:
        self.modified = False  # nothing is ever written

    def delete(self, session_key: str | None = None) -> None:
        self._session_cache = {}

    @classmethod
    def clear_expired(cls) -> None:
        return None


class SesiKecualiBearerMiddleware(SessionMiddleware):
    """Replaces django.contrib.sessions' SessionMiddleware in settings.MIDDLEWARE."""

    def process_request(self, request: HttpRequest) -> None:
        if pakai_bearer(request):
            request.session = SesiKosong()
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if isinstance(getattr(request, "session", None), SesiKosong):
            return response
        return super().process_response(request, response)
