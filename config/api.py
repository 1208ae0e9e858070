"""The versioned JSON API (/api/v1/). Each app contributes a router from its own api.py.

This module owns what every endpoint shares: authentication (bearer token or session + CSRF),
the JSON body parser, and the error format. Every error — a schema error, a domain error from a
service, a missing record, a refused login, even a crash — leaves as

    {"kode": "<machine code>", "pesan": "<Indonesian summary>", "galat": {field: [messages]}}

so the browser's offline replay and integrators handle one shape, and bad input is a 4xx,
never a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser

from antrean.api import router as antrean_router
from antrean.services import AntreanError
from bpjs_bridge.api import router as bpjs_router
from downtime.api import router as downtime_router
from pendaftaran.api import router as pendaftaran_router
from pendaftaran.schemas import TidakDitemukan, kunjungan_json, pasien_json
from pendaftaran.services import (
    KemungkinanDuplikat,
    KunjunganGanda,
    PasienSudahAda,
    PendaftaranError,
)
from puskesmas.api_auth import CsrfGagal, SesiPetugas, TokenApi
from satusehat.api import router as satusehat_router

logger = logging.getLogger(__name__)

DESKRIPSI = """
Pendaftaran pasien, kunjungan dan antrean Puskesmas. Semua pesan galat dalam Bahasa Indonesia.

## Autentikasi
- **Integrator**: header `Authorization: Bearer <token>`. Token dibuat admin di halaman admin
  (*Token API*) atau dengan `python manage.py create_api_token <username>`; token hanya
  ditampilkan sekali dan disimpan sebagai hash. Token yang dicabut ditolak (401).
- **Browser loket**: sesi Django (cookie) setelah masuk. Untuk POST wajib mengirim header
  `X-CSRFToken` berisi token CSRF; tanpa itu 403 `csrf_gagal`.
- Akun harus terdaftar sebagai **petugas** satu Puskesmas; semua data dibatasi pada
  Puskesmas itu (ID milik Puskesmas lain → 404). Menulis (pasien, kunjungan, batal) hanya
  untuk peran *loket* dan *admin*.

## Idempotensi
Setiap kunjungan membawa `client_uuid` yang dibuat klien (mis. `crypto.randomUUID()`) saat
petugas mulai mengetik. `POST /kunjungan` dengan UUID yang sudah pernah diterima tidak
membuat kunjungan kedua: jawabannya 200 dengan badan yang sama seperti jawaban pertama (201)
dan header `Idempotent-Replayed: true`. Jadi setelah timeout, galat jaringan atau 5xx,
**kirim ulang dengan UUID yang sama**. Setelah 4xx **jangan** kirim ulang otomatis:
tampilkan galatnya ke petugas.

## Bentuk galat
```json
{"kode": "tidak_valid", "pesan": "Data belum benar. Periksa kolom yang ditandai.",
 "galat": {"tanggal_lahir": ["Tanggal lahir harus berupa tanggal YYYY-MM-DD."]}}
```
Kode: `tidak_valid` (422), `pasien_sudah_ada` / `kemungkinan_duplikat` / `kunjungan_ganda` /
`uuid_bentrok` (409), `tidak_ditemukan` (404), `tidak_terautentikasi` (401), `tidak_berhak` /
`csrf_gagal` (403), `terlalu_besar` (413), `galat_server` (500).
"""

PESAN = {
    "tidak_valid": "Data belum benar. Periksa kolom yang ditandai.",
    "pasien_sudah_ada": "Pasien dengan identitas ini sudah terdaftar; buka data pasien itu.",
    "kemungkinan_duplikat": (
        "Ada pasien terdaftar yang mirip. Periksa kandidat; bila memang pasien baru, "
        "kirim ulang dengan konfirmasi_baru: true."
    ),
    "kunjungan_ganda": "Pasien ini sudah terdaftar hari ini di unit tersebut.",
    "uuid_bentrok": "UUID klien sudah dipakai untuk kunjungan lain.",
    "tidak_ditemukan": "Data tidak ditemukan.",
    "tidak_terautentikasi": "Masuk dulu, atau kirim token API yang valid (Authorization: Bearer).",
    "tidak_berhak": "Anda tidak berhak melakukan ini.",
    "csrf_gagal": "Permintaan ditolak: token CSRF tidak ada atau tidak cocok.",
    "terlalu_besar": "Badan permintaan terlalu besar.",
    "galat_server": "Terjadi galat di server. Coba lagi; bila berulang, hubungi admin.",
}
KODE_409 = {"pasien_sudah_ada", "kemungkinan_duplikat", "kunjungan_ganda", "uuid_bentrok"}

# How each request field is named in a message, so the officer knows what to fix.
LABEL = {
    "body": "Badan permintaan (JSON)",
    "nama": "Nama",
    "tanggal_lahir": "Tanggal lahir",
    "jenis_kelamin": "Jenis kelamin",
    "nik": "NIK",
    "nik_ibu": "NIK ibu",
    "no_bpjs": "No. kartu BPJS",
    "alamat": "Alamat",
    "no_hp": "No. HP",
    "konfirmasi_baru": "Konfirmasi pasien baru",
    "client_uuid": "UUID klien",
    "pasien_id": "ID pasien",
    "unit_id": "ID unit",
    "unit": "Kode unit",
    "penjamin": "Penjamin",
    "keluhan": "Keluhan",
    "hamil": "Hamil",
    "suspek_menular": "Dugaan penyakit menular",
    "disabilitas": "Disabilitas",
    "darurat": "Gawat darurat",
    "gagal_daftar_online": "Gagal daftar online",
    "layanan_diminta": "Layanan diminta",
    "loket": "Loket",
    "dibuat_klien": "Waktu di loket",
    "alasan": "Alasan",
    "q": "Kata kunci pencarian",
    "tanggal": "Tanggal",
    "kunjungan_id": "ID kunjungan",
}


def _frasa(err: dict[str, Any]) -> str:
    """A pydantic error type in Indonesian: the part after the field's label."""
    jenis: str = err.get("type", "")
    ctx: dict[str, Any] = err.get("ctx") or {}
    if jenis == "missing" or err.get("kosong"):
        return "wajib diisi"
    if jenis.startswith("uuid"):
        return "harus UUID, mis. 3f1c9a2e-5b7d-4c1e-9a0b-2d4e6f8a1c3b"
    if jenis.startswith("datetime") or jenis == "timezone_aware":
        return "harus berupa waktu ISO 8601, mis. 2026-01-31T08:15:00+07:00"
    if jenis.startswith("date"):
        return "harus berupa tanggal YYYY-MM-DD yang ada di kalender"
    if jenis.startswith("int") or jenis == "float_parsing":
        return "harus berupa bilangan bulat"
    if jenis.startswith("bool"):
        return "harus true atau false"
    if jenis == "string_too_long":
        return f"terlalu panjang (maksimal {ctx.get('max_length')} karakter)"
    if jenis == "string_too_short":
        return "wajib diisi"
    if jenis.startswith("string"):
        return "harus berupa teks"
    if jenis in ("greater_than_equal", "greater_than"):
        return f"harus paling kecil {ctx.get('ge', ctx.get('gt'))}"
    if jenis in ("less_than_equal", "less_than"):
        return f"harus paling besar {ctx.get('le', ctx.get('lt'))}"
    if jenis in ("literal_error", "enum"):
        return f"harus salah satu dari: {ctx.get('expected', '')}"
    if jenis in ("model_type", "dict_type", "model_attributes_type"):
        return "harus berupa objek JSON"
    if jenis in ("list_type", "tuple_type"):
        return "harus berupa daftar"
    if jenis == "value_error":
        return str(ctx.get("error", "tidak valid"))
    return "tidak valid"


def _nama_field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja prefixes the source ("body", "query", "path") and, for a body schema, the view's
    # parameter name; the API's callers know only the JSON keys.
    bagian = [str(x) for x in loc]
    if bagian and bagian[0] == "body":
        return ".".join(bagian[2:]) or "body"
    return ".".join(bagian[1:]) or (bagian[0] if bagian else "body")


def galat_dari_validasi(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    galat: dict[str, list[str]] = {}
    for err in errors:
        field = _nama_field(err.get("loc", ()))
        label = LABEL.get(field.split(".")[-1], field.replace("_", " ").capitalize())
        pesan = f"{label} {_frasa(err)}."
        if pesan not in galat.get(field, []):
            galat.setdefault(field, []).append(pesan)
    return galat


class BadanTidakValid(ValueError):
    """The request body is not a JSON object; the message names what is wrong with it."""


class ParserJson(Parser):
    """JSON bodies only, and only objects: ninja's default would try to read anything."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        jenis = (request.content_type or "").lower()
        if jenis != "application/json" and not jenis.endswith("+json"):
            raise BadanTidakValid("Content-Type harus application/json.")
        try:
            data = json.loads(request.body)
        except Exception as e:  # bad UTF-8, bad syntax, absurd nesting: all the client's fault
            raise BadanTidakValid("Badan permintaan bukan JSON yang valid.") from e
        if not isinstance(data, dict):
            raise BadanTidakValid("Badan permintaan harus berupa objek JSON ({...}).")
        return data


class ApiPuskesmas(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        # Every operation can answer these in the one error shape (auth classes, the JSON body
        # parser and config.security's body limits run before any endpoint): document them.
        skema = super().get_openapi_schema(*args, **kwargs)
        galat = {"$ref": "#/components/schemas/GalatOut"}
        for ops in skema["paths"].values():
            for metode, op in ops.items():
                kode = ["401", "403", "422"] + (["413"] if metode in ("post", "put") else [])
                for k in kode:
                    op["responses"].setdefault(
                        k,
                        {
                            "description": "Galat",
                            "content": {"application/json": {"schema": galat}},
                        },
                    )
        return skema

    def validation_error_from_error_contexts(self, error_contexts):  # type: ignore[override]
        # ninja drops the offending input; keep one bit of it: a JSON null where a value is
        # required reads better as "wajib diisi" than as "harus berupa teks".
        kosong = [
            [e.get("input", ...) is None for e in ctx.pydantic_validation_error.errors()]
            for ctx in error_contexts
        ]
        hasil = super().validation_error_from_error_contexts(error_contexts)
        rata = [k for daftar in kosong for k in daftar]
        for err, k in zip(hasil.errors, rata, strict=False):
            if k and err.get("type") not in ("missing",):
                err["kosong"] = True
        return hasil


api = ApiPuskesmas(
    title="API Pendaftaran Puskesmas",
    version="1",
    urls_namespace="api-v1",
    description=DESKRIPSI,
    auth=[TokenApi(), SesiPetugas()],
    parser=ParserJson(),
)
api.add_router("", pendaftaran_router)
api.add_router("", antrean_router)
api.add_router("", downtime_router)
api.add_router("", bpjs_router)
api.add_router("", satusehat_router)


def jawab_galat(
    request: HttpRequest,
    kode: str,
    status: int,
    galat: dict[str, list[str]] | None = None,
    pesan: str | None = None,
    **tambahan: Any,
) -> HttpResponse:
    """The one error body. Exported so other apps' endpoints answer in the same shape."""
    body = {"kode": kode, "pesan": pesan or PESAN.get(kode, kode), "galat": galat or {}}
    body.update(tambahan)
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validasi(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return jawab_galat(request, "tidak_valid", 422, galat_dari_validasi(exc.errors))


@api.exception_handler(PendaftaranError)
def _pendaftaran(request: HttpRequest, exc: PendaftaranError) -> HttpResponse:
    status = 409 if exc.kode in KODE_409 else 422
    tambahan: dict[str, Any] = {}
    if isinstance(exc, PasienSudahAda):
        tambahan["pasien"] = pasien_json(exc.pasien)
    elif isinstance(exc, KemungkinanDuplikat):
        tambahan["kandidat"] = [
            {"pasien": pasien_json(p), "skor": round(skor, 1)} for p, skor in exc.kandidat
        ]
    elif isinstance(exc, KunjunganGanda):
        tambahan["kunjungan"] = kunjungan_json(exc.kunjungan, request)
    return jawab_galat(request, exc.kode, status, exc.galat, **tambahan)


@api.exception_handler(AntreanError)
def _antrean(request: HttpRequest, exc: AntreanError) -> HttpResponse:
    # A move the ticket's current state does not allow, or nobody waiting: a conflict with the
    # queue as it is now. A missing/invalid field: 422 like every other validation error.
    status = 409 if exc.kode in ("transisi_ditolak", "antrean_kosong") else 422
    return jawab_galat(request, exc.kode, status, exc.galat, pesan=exc.pesan)


@api.exception_handler(Http404)
def _tidak_ditemukan(request: HttpRequest, exc: Http404) -> HttpResponse:
    if isinstance(exc, TidakDitemukan):
        galat = {exc.field: [exc.pesan]} if exc.field else {}
        return jawab_galat(request, "tidak_ditemukan", 404, galat, pesan=exc.pesan)
    return jawab_galat(request, "tidak_ditemukan", 404)


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        resp = jawab_galat(request, "tidak_terautentikasi", 401)
        resp["WWW-Authenticate"] = 'Bearer realm="api"'
        return resp
    if isinstance(exc, CsrfGagal):
        return jawab_galat(request, "csrf_gagal", 403, pesan=exc.message)
    if isinstance(exc, AuthorizationError):
        pesan = exc.message if exc.message != "Forbidden" else None
        return jawab_galat(request, "tidak_berhak", 403, pesan=pesan)
    if isinstance(exc.__cause__, BadanTidakValid):
        # ninja wraps every body-parser failure in a 400; it is a shape error like the rest.
        return jawab_galat(request, "tidak_valid", 422, {"body": [str(exc.__cause__)]})
    if exc.status_code == 400:
        return jawab_galat(request, "tidak_valid", 400, pesan="Permintaan tidak dapat dibaca.")
    return jawab_galat(request, "galat_http", exc.status_code, pesan=exc.message)


@api.exception_handler(RequestDataTooBig)
def _terlalu_besar(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return jawab_galat(request, "terlalu_besar", 413)


@api.exception_handler(Exception)
def _galat_server(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with the traceback (no request body: it may hold personal data); the client gets
    # JSON it can show, and knows from the 5xx that a retry with the same UUID is safe.
    logger.exception("Galat tak tertangani di API %s %s", request.method, request.path)
    return jawab_galat(request, "galat_server", 500)
