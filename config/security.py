"""Browser-facing hardening that Django 5.2 does not ship: a Content-Security-Policy, a
Permissions-Policy, no caching of signed-in pages, an idle timeout for shared loket PCs, the
login lockout page, and the admin password rule.

Loket PCs stand in a public hall and are shared between officers, so the threats we design for
are the next person at the same browser (idle timeout, no-store, lockout) and injected markup
(CSP without inline scripts: every script is a static file, see CONTRIBUTING).
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

# --- Headers -------------------------------------------------------------------------------------

# Scripts only from our own origin: no 'unsafe-inline', no 'unsafe-eval' (htmx runs without
# eval as long as templates use no hx-on / js: attributes; tests/security checks templates).
CSP_BAWAAN: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # ticket QR codes may be data: URIs
    "font-src": "'self'",
    "connect-src": "'self'",  # htmx, fetch replay, server-sent events
    "worker-src": "'self'",  # the offline service worker
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Paths whose third-party pages need a looser *style* policy; scripts stay 'self' everywhere.
# Swagger UI (ninja's bundled copy, served from our static files) writes inline styles.
CSP_PENGECUALIAN_BAWAAN: dict[str, dict[str, str]] = {
    "/api/v1/docs": {"style-src": "'self' 'unsafe-inline'"},
}

PERMISSIONS_POLICY_BAWAAN = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()"
)


def _kebijakan(directives: dict[str, str]) -> str:
    return "; ".join(f"{nama} {nilai}".strip() for nama, nilai in directives.items())


def csp_untuk(path: str) -> str:
    """The Content-Security-Policy header value for a request path."""
    directives = dict(getattr(settings, "CSP_DIRECTIVES", CSP_BAWAAN))
    for awalan, tambahan in getattr(settings, "CSP_PENGECUALIAN", CSP_PENGECUALIAN_BAWAAN).items():
        if path.startswith(awalan):
            directives.update(tambahan)
    if getattr(settings, "SECURE_SSL_REDIRECT", False):
        directives.setdefault("upgrade-insecure-requests", "")
    return _kebijakan(directives)


class HeaderKeamananMiddleware:
    """Adds Content-Security-Policy, Permissions-Policy and — for signed-in users —
    `Cache-Control: no-store`, so the next person at a shared PC cannot page back through
    patient data after a logout. A view that sets its own header keeps it.

    Place it right after SecurityMiddleware so static files served by WhiteNoise get the
    headers too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.report_only = getattr(settings, "CSP_REPORT_ONLY", False)
        self.permissions = getattr(settings, "PERMISSIONS_POLICY", PERMISSIONS_POLICY_BAWAAN)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        nama = (
            "Content-Security-Policy-Report-Only" if self.report_only else "Content-Security-Policy"
        )
        if nama not in response:
            response[nama] = csp_untuk(request.path)
        if self.permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        user = getattr(request, "user", None)  # absent when WhiteNoise answered early
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response


# --- NUL bytes ------------------------------------------------------------------------------

PESAN_NUL = "Permintaan berisi karakter NUL (\\0) yang tidak diizinkan."
_NUL_JSON = (b"\x00", b"\\u0000")
_NUL_FORM = (b"\x00", b"%00")
PESAN_BIDI = (
    "Permintaan berisi karakter pengatur arah teks (mis. RTL override) yang tidak diizinkan."
)
# Bidirectional embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069): no name,
# address or complaint needs them, and they make a name display as something else.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_ESCAPE = re.compile(rb"\\u20(2[a-eA-E]|6[6-9])|%E2%80%A[A-E]|%E2%81%A[6-9]", re.I)


class TolakNulMiddleware:
    """Refuses any request with a NUL byte in its path, query string or (form/JSON) body.

    PostgreSQL text cannot hold NUL, so one `?q=%00` reaching a query is a DataError — a 500
    and an aborted transaction — in whichever view or API endpoint it lands (found by the
    schemathesis run on GET /api/v1/status?loket=%00). One check here covers them all: the API
    answers in its JSON error shape, pages with a plain 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for ada, pesan in ((self._ada_nul, PESAN_NUL), (self._ada_bidi, PESAN_BIDI)):
            if not ada(request):
                continue
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"kode": "tidak_valid", "pesan": pesan, "galat": {"body": [pesan]}},
                    status=422,
                )
            return HttpResponse(pesan, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _ada_bidi(request: HttpRequest) -> bool:
        qs = request.META.get("QUERY_STRING", "")
        if _BIDI.search(request.path) or _BIDI_ESCAPE.search(qs.encode("utf-8", "ignore")):
            return True
        if any(_BIDI.search(v) for _, nilai in request.GET.lists() for v in nilai):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        try:
            body = request.body
        except Exception:  # too big or unreadable: the view's own handling answers that
            return False
        return bool(_BIDI_ESCAPE.search(body) or _BIDI.search(body.decode("utf-8", "ignore")))

    @staticmethod
    def _ada_nul(request: HttpRequest) -> bool:
        qs = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in qs or "\x00" in qs:
            return True
        jenis = (request.content_type or "").lower()
        if request.method in ("GET", "HEAD", "OPTIONS") or not (
            jenis.endswith("json") or jenis == "application/x-www-form-urlencoded"
        ):
            return False
        try:
            body = request.body
        except Exception:  # too big or unreadable: the view's own handling answers that
            return False
        return any(tanda in body for tanda in (_NUL_JSON if jenis.endswith("json") else _NUL_FORM))


# --- JSON bodies: depth and size limits, and one error envelope ---------------------------------

JSON_KEDALAMAN_BADAN = 64  # a whole body; ours nest 4-5 levels
JSON_KEDALAMAN_ENTRI = 16  # one replay entry (downtime.replay calls periksa_json per entry)
JSON_UKURAN_ENTRI = 32_768  # bytes of one replay entry, encoded


class JsonTerlaluRumit(ValueError):
    """A JSON value nested deeper or larger than allowed; the message is for the officer."""


def periksa_json(data: Any, *, kedalaman_maks: int = JSON_KEDALAMAN_ENTRI,
                 ukuran_maks: int | None = JSON_UKURAN_ENTRI) -> None:  # fmt: skip
    """Raise JsonTerlaluRumit if `data` (parsed JSON) nests deeper than `kedalaman_maks` levels
    or encodes to more than `ukuran_maks` bytes. Iterative, so it never recurses itself: deep
    nesting is what makes recursive code (pydantic, repr, our own) raise RecursionError — a 500
    that the browser's replay would retry for ever. Reusable per entry of a batch."""
    tumpukan: list[tuple[Any, int]] = [(data, 1)]
    while tumpukan:
        nilai, tingkat = tumpukan.pop()
        if isinstance(nilai, dict):
            anak = list(nilai.values())
        elif isinstance(nilai, list):
            anak = nilai
        else:
            continue
        if tingkat > kedalaman_maks:
            raise JsonTerlaluRumit(
                f"Data JSON bertingkat terlalu dalam (maksimal {kedalaman_maks} tingkat)."
            )
        tumpukan.extend((a, tingkat + 1) for a in anak)
    if ukuran_maks is not None:
        import json

        ukuran = len(json.dumps(data, ensure_ascii=False).encode())
        if ukuran > ukuran_maks:
            raise JsonTerlaluRumit(
                f"Data JSON terlalu besar ({ukuran} byte; maksimal {ukuran_maks} byte)."
            )


def _jalur_jkn(path: str) -> bool:
    return path.startswith("/bpjs/jkn/")


def _jalur_json(path: str) -> bool:
    return path.startswith("/api/") or _jalur_jkn(path)


def jawab_json_galat(request: HttpRequest, status: int, kode: str, pesan: str,
                     galat: dict[str, list[str]] | None = None) -> JsonResponse:  # fmt: skip
    """The error body a JSON caller understands: the API's {kode, pesan, galat}; on the Mobile
    JKN paths the protocol's {metadata: {message, code}}."""
    if _jalur_jkn(request.path):
        body: dict[str, Any] = {"metadata": {"message": pesan, "code": status}}
    else:
        body = {"kode": kode, "pesan": pesan, "galat": galat or {}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


class BatasJsonMiddleware:
    """Every JSON request body: more than DATA_UPLOAD_MAX_MEMORY_SIZE bytes is 413, nested
    deeper than JSON_KEDALAMAN_BADAN levels is 422 — before any view or schema sees it. A body
    that is not valid JSON passes through: the view names what is wrong with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        jenis = (request.content_type or "").lower()
        if request.method in ("GET", "HEAD", "OPTIONS") or not jenis.endswith("json"):
            return self.get_response(request)
        from django.core.exceptions import RequestDataTooBig

        try:
            body = request.body
        except RequestDataTooBig:
            maks = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            pesan = f"Badan permintaan terlalu besar (maksimal {maks} byte)."
            return jawab_json_galat(request, 413, "terlalu_besar", pesan, {"body": [pesan]})
        import json

        try:
            data = json.loads(body or b"null")
            periksa_json(data, kedalaman_maks=JSON_KEDALAMAN_BADAN, ukuran_maks=None)
        except RecursionError:
            pesan = f"Data JSON bertingkat terlalu dalam (maksimal {JSON_KEDALAMAN_BADAN} tingkat)."
            return jawab_json_galat(request, 422, "tidak_valid", pesan, {"body": [pesan]})
        except JsonTerlaluRumit as e:
            return jawab_json_galat(request, 422, "tidak_valid", str(e), {"body": [str(e)]})
        except ValueError:
            pass
        return self.get_response(request)


PESAN_HTTP = {
    400: ("tidak_valid", "Permintaan tidak dapat dibaca."),
    403: ("tidak_berhak", "Anda tidak berhak melakukan ini."),
    404: ("tidak_ditemukan", "Alamat tidak ditemukan."),
    405: ("metode_ditolak", "Metode {metode} tidak diizinkan di alamat ini (boleh: {boleh})."),
    413: ("terlalu_besar", "Badan permintaan terlalu besar."),
    500: ("galat_server", "Terjadi galat di server. Coba lagi; bila berulang, hubungi admin."),
}


class GalatJsonMiddleware:
    """On the API and Mobile JKN paths every error is JSON in the caller's envelope, in
    Indonesian: Django's own answers (the HTML 400/404/500 pages, the empty English 405 of
    require_POST) are replaced; JSON errors the views wrote are left as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not _jalur_json(request.path):
            return response
        if "json" in response.get("Content-Type", "").lower():
            return response
        kode, pesan = PESAN_HTTP.get(
            response.status_code,
            ("galat_server", PESAN_HTTP[500][1]) if response.status_code >= 500
            else ("tidak_valid", PESAN_HTTP[400][1]),
        )  # fmt: skip
        pesan = pesan.format(metode=request.method, boleh=response.get("Allow", "-"))
        baru = jawab_json_galat(request, response.status_code, kode, pesan)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                baru[header] = response[header]
        return baru


# --- CSV exports: no cell a spreadsheet runs as a formula ---------------------------------------

# A cell, or any part of one after a character some spreadsheet splits on (Indonesian regional
# settings read `;` as the separator; tabs, pipes, line breaks), that starts with a formula
# sign. Full-width signs too: some spreadsheets read them as formulas.
_FORMULA = re.compile(r"(^|[,;\t|\r\n])(\s*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")


def sel_csv(nilai: Any) -> Any:
    """One CSV cell made inert (CSV injection): text gets a `'` before every formula sign that
    could start a cell under any separator; numbers stay numbers (they are never formulas)."""
    if nilai is None:
        return ""
    if isinstance(nilai, int | float | Decimal) and not isinstance(nilai, bool):
        return nilai
    return _FORMULA.sub(lambda m: m.group(1) + m.group(2) + "'", str(nilai))


def baris_csv(baris: Iterable[Any]) -> list[Any]:
    """A CSV row with every cell through `sel_csv`."""
    return [sel_csv(x) for x in baris]


class _PenulisCsv:
    def __init__(self, berkas: Any, **kwargs: Any):
        self._tulis = csv.writer(berkas, **kwargs)

    def writerow(self, baris: Iterable[Any]) -> Any:
        return self._tulis.writerow(baris_csv(baris))

    def writerows(self, semua: Iterable[Iterable[Any]]) -> None:
        for baris in semua:
            self.writerow(baris)


def penulis_csv(berkas: Any, **kwargs: Any) -> _PenulisCsv:
    """`csv.writer` for every export: each cell goes through `sel_csv`."""
    return _PenulisCsv(berkas, **kwargs)


# --- Idle timeout --------------------------------------------------------------------------------

SESI_TERAKHIR_AKTIF = "_terakhir_aktif"
PESAN_IDLE = (
    "Sesi Anda berakhir karena tidak ada aktivitas selama {menit} menit. Silakan masuk lagi."
)
# Requests that are not a person at the keyboard: the API (offline replay, integrators) and
# the live/polling feeds. They are still checked, but never keep a session alive, otherwise an
# open poli screen or a replay timer would defeat the timeout.
SESI_BUKAN_AKTIVITAS_BAWAAN = (r"^/api/", r"/live/", r"/versi/$")
# Write the timestamp at most this often, so a busy officer does not cost a session save per
# click.
_TULIS_SETIAP_DETIK = 30


class SesiMenganggurMiddleware:
    """Logs a signed-in user out after `SESSION_IDLE_MINUTES` (default 30) without activity.

    A page request is redirected to the login page with an Indonesian message; an htmx request
    gets `HX-Redirect`, so htmx navigates the whole page instead of swapping a login form into a
    fragment. API requests simply continue as anonymous and are refused with 401 by the API.
    Must come after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.bukan_aktivitas = [
            re.compile(p)
            for p in getattr(settings, "SESSION_IDLE_BUKAN_AKTIVITAS", SESI_BUKAN_AKTIVITAS_BAWAAN)
        ]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        menit = float(getattr(settings, "SESSION_IDLE_MINUTES", 30) or 0)
        user = getattr(request, "user", None)
        if menit <= 0 or user is None:
            return self.get_response(request)
        if not user.is_authenticated:
            response = self.get_response(request)
            if request.user.is_authenticated:  # just logged in: the clock starts now
                request.session[SESI_TERAKHIR_AKTIF] = time.time()
            return response
        sekarang = time.time()
        terakhir = request.session.get(SESI_TERAKHIR_AKTIF)
        if terakhir is not None and sekarang - float(terakhir) > menit * 60:
            return self._keluarkan(request, menit)
        aktivitas = not any(p.search(request.path) for p in self.bukan_aktivitas)
        if terakhir is None or (aktivitas and sekarang - float(terakhir) > _TULIS_SETIAP_DETIK):
            request.session[SESI_TERAKHIR_AKTIF] = sekarang
        return self.get_response(request)

    def _keluarkan(self, request: HttpRequest, menit: float) -> HttpResponse:
        # Read by the audit app's logout receiver, to record this as an idle logout.
        request.keluar_karena_idle = True  # type: ignore[attr-defined]
        logout(request)
        # Also for the API: the loket's heartbeat is usually what notices the timeout, and the
        # page then opens the login page, which should say why.
        messages.warning(request, PESAN_IDLE.format(menit=f"{menit:g}"))
        if request.path.startswith("/api/"):
            return self.get_response(request)  # now anonymous: the API answers 401 itself
        tujuan = reverse(settings.LOGIN_URL)
        # HtmxMiddleware runs after us, so read htmx's request header directly.
        htmx = request.headers.get("HX-Request") == "true"
        if request.method == "GET" and not htmx:
            tujuan += "?" + urlencode({"next": request.get_full_path()})
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = tujuan
            return response
        return HttpResponseRedirect(tujuan)


# --- Login lockout (django-axes) ------------------------------------------------------------------

PESAN_TERKUNCI = (
    "Terlalu banyak percobaan masuk yang gagal untuk nama pengguna ini dari komputer ini. "
    "Coba lagi setelah {menit} menit, atau minta admin Puskesmas membuka kuncinya."
)


def _menit_kunci() -> int:
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    if cooloff is None:
        return 0
    detik = cooloff.total_seconds() if hasattr(cooloff, "total_seconds") else float(cooloff) * 3600
    return max(1, round(detik / 60))


def respons_terkunci(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers once a username+IP is locked out: the login page again, with
    the reason in Indonesian, status 403 (the admin login gets the same page)."""
    from puskesmas.forms import FormMasuk  # the app registry is ready by request time

    pesan = PESAN_TERKUNCI.format(menit=_menit_kunci())
    if request.path.startswith("/api/"):
        return JsonResponse({"kode": "terkunci", "pesan": pesan, "galat": {}}, status=403)
    # An unbound form: binding it would call authenticate() again and count another failure.
    form = FormMasuk(request, initial={"username": request.POST.get("username", "")})
    form.cleaned_data = {}  # add_error() expects a cleaned form; this one never is
    form.add_error(None, pesan)
    return render(request, "puskesmas/masuk.html", {"form": form, "terkunci": True}, status=403)


class AxesBackend(AxesStandaloneBackend):
    """django-axes' check, except for authenticate() calls that carry no request (management
    commands, `Client.login()` in tests): those come from code, not from a login form, and the
    stock backend would raise instead of authenticating."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


# --- Passwords ------------------------------------------------------------------------------------


class SandiAdminPanjang:
    """Admins (Django staff, superusers, and officers in the admin role) need at least
    `min_length` characters (default 12): their account can read every patient and export."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    @staticmethod
    def _admin(user: Any) -> bool:
        if user is None:
            return False
        if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
            return True
        petugas = getattr(user, "petugas", None) if getattr(user, "pk", None) else None
        return getattr(petugas, "peran", None) in ("admin", "kepala")

    def validate(self, password: str, user: Any = None) -> None:
        if self._admin(user) and len(password) < self.min_length:
            raise ValidationError(
                f"Kata sandi akun admin minimal {self.min_length} karakter.",
                code="sandi_admin_terlalu_pendek",
            )

    def get_help_text(self) -> str:
        return f"Akun admin dan kepala Puskesmas: kata sandi minimal {self.min_length} karakter."


class SandiTanpaNamaPengguna:
    """No password that contains the username (`loket1loket1`, `Loket1-2026`): Django's
    similarity check lets a doubled or padded username through."""

    def validate(self, password: str, user: Any = None) -> None:
        nama = (getattr(user, "username", "") or "").casefold()
        if len(nama) >= 3 and nama in password.casefold():
            raise ValidationError(
                "Kata sandi tidak boleh memuat nama pengguna.", code="sandi_memuat_nama"
            )

    def get_help_text(self) -> str:
        return "Kata sandi tidak boleh memuat nama pengguna."


# --- Deployment checks (`manage.py check --deploy`) -------------------------------------------

KUNCI_PENGEMBANGAN = ("dev-only-insecure", "django-insecure")
RAHASIA_SIMULATOR = {"BPJS_SECRET_KEY": "simulator-secret", "BPJS_PASSWORD": "pcare-demo"}
JKN_SANDI_DEMO = "mobilejkn-demo"  # the README's, for `make run`


def mode_demo() -> bool:
    """Demo mode: the app talks to our BPJS simulator on this machine (`make run`, tests).
    Outside it the demo credentials are refused at run time, not only by `check --deploy`."""
    url = str(getattr(settings, "BPJS_BASE_URL", ""))
    return "127.0.0.1" in url or "localhost" in url


@register(Tags.security, deploy=True)
def periksa_rahasia(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Django only flags short or `django-insecure-` keys; ours has its own development
    default, which must never reach a server. Nor may the simulator's BPJS credentials once the
    app talks to the real BPJS."""
    hasil: list[CheckMessage] = []
    if str(settings.SECRET_KEY).startswith(KUNCI_PENGEMBANGAN):
        hasil.append(
            Error(
                "SECRET_KEY masih kunci pengembangan bawaan.",
                hint="Isi SECRET_KEY atau SECRET_KEY_FILE dengan string acak ≥ 50 karakter.",
                id="keamanan.E001",
            )
        )
    bpjs_asli = "127.0.0.1" not in str(
        getattr(settings, "BPJS_BASE_URL", "")
    ) and "localhost" not in str(getattr(settings, "BPJS_BASE_URL", ""))
    for nama, bawaan in RAHASIA_SIMULATOR.items():
        if bpjs_asli and getattr(settings, nama, None) == bawaan:
            hasil.append(
                Error(
                    f"{nama} masih nilai simulator, padahal BPJS_BASE_URL menuju server asli.",
                    hint=f"Isi {nama} atau {nama}_FILE.",
                    id="keamanan.E002",
                )
            )
    return hasil


@register(Tags.security, deploy=True)
def periksa_demo(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """No demo credentials on a server: Mobile JKN's demo password, and the demo accounts
    (their password is in the README) if the database holds them."""
    hasil: list[CheckMessage] = []
    if getattr(settings, "JKN_PASSWORD", "") == JKN_SANDI_DEMO:
        hasil.append(
            Error(
                "JKN_PASSWORD masih kata sandi demo dari README.",
                hint="Isi JKN_PASSWORD atau JKN_PASSWORD_FILE (yang didaftarkan ke BPJS).",
                id="keamanan.E003",
            )
        )
    hasil.extend(_akun_demo())
    return hasil


def _akun_demo() -> list[CheckMessage]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password
    from django.db import DatabaseError

    from puskesmas.demo import KATA_SANDI_DEMO, PENGGUNA

    try:
        akun = list(get_user_model().objects.filter(username__in=[p[0] for p in PENGGUNA]))
    except DatabaseError:  # no database (yet): nothing to find; migrate's own checks apply
        return []
    # hashers.check_password, not User.check_password: a check must not rehash and save.
    demo = [u.username for u in akun if u.is_active and check_password(KATA_SANDI_DEMO, u.password)]
    if not demo:
        return []
    return [
        Error(
            f"Akun demo dengan kata sandi demo masih ada: {', '.join(sorted(demo))}.",
            hint="Hapus/nonaktifkan akun itu atau ganti sandinya (`manage.py changepassword`).",
            id="keamanan.E004",
        )
    ]
