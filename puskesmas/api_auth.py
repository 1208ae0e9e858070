"""Who is calling the JSON API. Two ways in, both ending at a Petugas of one Puskesmas:

- integrators send `Authorization: Bearer <token>` (an ApiToken, stored only as its hash);
- the loket browser sends its Django session cookie, and then — because a browser attaches
  cookies to any site's request — every unsafe method must carry the CSRF token too.

Either way `request.user` and `request.petugas` are set, so endpoints scope every query to
`request.petugas.puskesmas` exactly as the HTML views do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .access import PERAN_LOKET
from .models import Petugas
from .services import api_token_cari

PESAN_BUKAN_PETUGAS = "Akun ini belum terdaftar sebagai petugas Puskesmas."
PESAN_CSRF = (
    "Token CSRF tidak ada atau tidak cocok. Muat ulang halaman lalu coba lagi "
    "(kirim header X-CSRFToken)."
)
# A bearer token is at most ~50 characters; anything far longer is garbage, not a lookup.
TOKEN_MAKS = 200


class CsrfGagal(HttpError):
    """Raised for a session request without a valid CSRF token; rendered as 403 JSON."""

    def __init__(self) -> None:
        super().__init__(403, PESAN_CSRF)


class BukanPetugas(AuthorizationError):
    """A real account, but not attached to a Puskesmas: it may see nothing."""

    def __init__(self) -> None:
        super().__init__(403, PESAN_BUKAN_PETUGAS)


def _pasang_petugas(request: HttpRequest, user: Any) -> Petugas:
    petugas = getattr(user, "petugas", None)
    if petugas is None:
        raise BukanPetugas()
    request.user = user
    request.petugas = petugas  # type: ignore[attr-defined]
    return petugas


class TokenApi(HttpBearer):
    """`Authorization: Bearer pkm_…`. Revoked tokens and deactivated users are refused; each
    use stamps the token's last-used time (done by api_token_cari)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        token = token.strip()
        if not token or len(token) > TOKEN_MAKS:
            return None
        api_token = api_token_cari(raw=token)
        if api_token is None:
            return None
        _pasang_petugas(request, api_token.user)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SesiPetugas(APIKeyCookie):
    """The browser's Django session, with CSRF enforced for POST/PUT/PATCH/DELETE.

    Unlike ninja's SessionAuth, a request without a session cookie is simply "not this method"
    (so it ends as 401, not as a confusing CSRF failure for an integrator who forgot a token).
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if not key:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise CsrfGagal()
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if key is None or not request.user.is_authenticated:
            return None
        _pasang_petugas(request, request.user)
        return request.user


def petugas_api(request: HttpRequest) -> Petugas:
    """The authenticated officer of an API request (set by TokenApi or SesiPetugas)."""
    petugas = getattr(request, "petugas", None)
    if petugas is None:  # an endpoint mounted without auth: never serve data then
        raise BukanPetugas()
    return petugas


def petugas_penulis(request: HttpRequest) -> Petugas:
    """The officer, who must hold a loket or admin role: only they register and cancel."""
    petugas = petugas_api(request)
    if petugas.peran not in PERAN_LOKET:
        raise AuthorizationError(
            403, "Peran Anda tidak berhak mendaftarkan pasien atau kunjungan lewat API."
        )
    return petugas
