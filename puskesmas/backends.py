"""The login backend: Django's ModelBackend with the signed-in user read from the reference
cache (puskesmas.rujukan) instead of a SELECT on every page and htmx request (issue 15).

Sessions store the path of the backend that logged them in. Those made before this backend
existed name django.contrib.auth.backends.ModelBackend, which therefore stays in
AUTHENTICATION_BACKENDS (after this one) so nobody is logged out by the deploy; it serves only
those sessions. A wrong password stops at this backend (PermissionDenied, which Django reports
as one failed login, as axes counts it), so the legacy entry never hashes it a second time.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import rujukan


class BackendPengguna(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:  # fmt: skip
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied
        return user

    def get_user(self, user_id: Any) -> Any:
        user = rujukan.pengguna(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
