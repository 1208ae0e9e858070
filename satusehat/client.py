"""The one module that talks HTTP to SATUSEHAT (Kemenkes' FHIR R4 platform), see
../shared/docs/satusehat.md. Same shape as bpjs_bridge/client.py:

* OAuth2 client credentials at `/oauth2/v1/accesstoken?grant_type=client_credentials`
  (client_id/client_secret form-encoded); the token is cached per Puskesmas (`config.kunci`)
  until shortly before it expires (`expires_in` arrives as a string) and sent as Bearer.
* FHIR under `/fhir-r4/v1`. Explicit timeouts and no retries of its own, except one: a 401 on
  a FHIR call means our token died early, and the call was refused, so a fresh token is fetched
  and the call made once more.
* Errors parsed from `OperationOutcome` into transient (may be retried with the same data) and
  permanent (needs a person), the rule text ("… (RuleNumber: 20002)") kept for the worklist.
* Replies parsed into frozen dataclasses here; nothing above sees FHIR's JSON spelling.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from integrasi import klien_http

log = logging.getLogger(__name__)

SISTEM_NIK = "https://fhir.kemkes.go.id/id/nik"
SISTEM_NIK_IBU = "https://fhir.kemkes.go.id/id/nik-ibu"
SISTEM_ENCOUNTER = "http://sys-ids.kemkes.go.id/encounter/{organization}"
ATURAN_DUPLIKAT = 20002  # "Found duplicate resource"
PERPANJANG_DETIK = 60  # renew a token this long before it expires (as mLITE does)


# ---------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class SatusehatConfig:
    client_id: str
    client_secret: str = field(repr=False)
    organization_id: str
    base_url: str
    kunci: str = ""  # whose token this is (the Puskesmas id): never shared between clients
    timeout: float = 10.0
    connect_timeout: float = 5.0

    @property
    def fhir_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/fhir-r4/v1"

    @property
    def token_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/oauth2/v1/accesstoken"

    @property
    def sistem_encounter(self) -> str:
        return SISTEM_ENCOUNTER.format(organization=self.organization_id)


# ---------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Masalah:
    """One OperationOutcome issue."""

    severity: str
    code: str
    teks: str
    expression: tuple[str, ...] = ()
    aturan: int | None = None


class SatusehatError(Exception):
    """`message` is for people (Indonesian); `teks_aturan` is SATUSEHAT's own text."""

    default_message = "Terjadi kesalahan saat berkomunikasi dengan SATUSEHAT."
    transient = False

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        masalah: tuple[Masalah, ...] = (),
        teks_aturan: str = "",
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.masalah = masalah
        self.teks_aturan = teks_aturan or "; ".join(m.teks for m in masalah if m.teks)
        super().__init__(self.message)

    @property
    def aturan(self) -> int | None:
        return next((m.aturan for m in self.masalah if m.aturan is not None), None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class SatusehatTransientError(SatusehatError):
    default_message = "SATUSEHAT sedang tidak dapat dihubungi. Dicoba lagi otomatis."
    transient = True


class SatusehatConnectionError(SatusehatTransientError):
    default_message = "Tidak dapat terhubung ke SATUSEHAT (jaringan putus atau server mati)."


class SatusehatTimeoutError(SatusehatTransientError):
    default_message = "SATUSEHAT tidak menjawab dalam batas waktu."


class SatusehatServerError(SatusehatTransientError):
    default_message = "Server SATUSEHAT sedang mengalami gangguan."


class SatusehatRateLimit(SatusehatTransientError):
    default_message = "Terlalu banyak permintaan ke SATUSEHAT; dicoba lagi nanti."


class SatusehatMalformedResponse(SatusehatTransientError):
    default_message = "Jawaban SATUSEHAT tidak dapat dibaca."


class SatusehatPermanentError(SatusehatError):
    default_message = "Permintaan ditolak oleh SATUSEHAT."


class SatusehatAuthError(SatusehatPermanentError):
    default_message = (
        "Autentikasi SATUSEHAT gagal: client id atau client secret salah, atau tidak terdaftar "
        "di lingkungan ini."
    )


class SatusehatForbidden(SatusehatPermanentError):
    default_message = (
        "SATUSEHAT menolak akses (aturan bisnis): client id ini tidak berhak atas Organization "
        "atau data tersebut."
    )


class SatusehatValidationError(SatusehatPermanentError):
    default_message = "Data ditolak SATUSEHAT."


class SatusehatNotFound(SatusehatPermanentError):
    default_message = "Data tidak ditemukan di SATUSEHAT."


class SatusehatDuplicate(SatusehatPermanentError):
    default_message = "Data yang sama sudah ada di SATUSEHAT."


# ---------------------------------------------------------------------- typed results


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_in: int
    berlaku_sampai: float  # epoch seconds (our clock)
    jam_server: datetime | None = None  # the server's Date header: clock check


@dataclass(frozen=True)
class PasienIhs:
    ihs: str
    nama: str
    tanggal_lahir: date | None = None
    urutan_lahir: int | None = None


@dataclass(frozen=True)
class Praktisi:
    ihs: str
    nama: str


@dataclass(frozen=True)
class Lokasi:
    id: str
    nama: str
    organization_id: str


@dataclass(frozen=True)
class Organisasi:
    id: str
    nama: str


@dataclass(frozen=True)
class Encounter:
    id: str
    status: str
    identifier: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_fhir(cls, data: Mapping[str, Any]) -> Encounter:
        ident = next(iter(data.get("identifier") or []), {}) or {}
        return cls(
            id=str(data["id"]),
            status=str(data.get("status", "")),
            identifier=str(ident.get("value", "")),
            raw=dict(data),
        )


# ---------------------------------------------------------------------- token cache


class TokenDalamProses:
    """Tokens kept in this process, per Puskesmas. A worker restart just fetches new ones."""

    def __init__(self) -> None:
        self._isi: dict[str, Token] = {}
        self._kunci = threading.Lock()

    def ambil(self, kunci: str) -> Token | None:
        with self._kunci:
            return self._isi.get(kunci)

    def simpan(self, kunci: str, token: Token) -> None:
        with self._kunci:
            self._isi[kunci] = token

    def hapus(self, kunci: str) -> None:
        with self._kunci:
            self._isi.pop(kunci, None)

    def kosongkan(self) -> None:
        with self._kunci:
            self._isi.clear()


TOKEN = TokenDalamProses()


# ---------------------------------------------------------------------- the client


class SatusehatClient:
    """Synchronous SATUSEHAT client. Not thread-safe; one per task/request (cheap: the HTTP
    connections are the process's, integrasi/klien_http.py)."""

    def __init__(
        self,
        config: SatusehatConfig,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        tokens: TokenDalamProses = TOKEN,
    ) -> None:
        self.config = config
        self._clock = clock
        self._tokens = tokens
        self._timeout = httpx.Timeout(config.timeout, connect=config.connect_timeout)
        # The process's shared client (no SSL set-up per task, connections kept alive), or
        # one of its own for a given transport.
        self._http = klien_http.klien(transport, self._timeout)

    def close(self) -> None:
        klien_http.tutup(self._http)

    def __enter__(self) -> SatusehatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- token

    @property
    def _kunci_token(self) -> str:
        c = self.config
        return f"{c.kunci}|{c.base_url}|{c.client_id}"

    def token(self, *, baru: bool = False) -> Token:
        """The cached token, or a new one when it is missing or about to expire."""
        kunci = self._kunci_token
        ada = None if baru else self._tokens.ambil(kunci)
        if ada is not None and ada.berlaku_sampai - PERPANJANG_DETIK > self._clock():
            return ada
        c = self.config
        response = self._kirim(
            "POST",
            c.token_url,
            "token",
            params={"grant_type": "client_credentials"},
            data={"client_id": c.client_id, "client_secret": c.client_secret},
        )
        if response.status_code in (400, 401, 403):
            self._tokens.hapus(kunci)
            raise SatusehatAuthError(code=response.status_code, teks_aturan=response.text[:300])
        data = _json_atau_galat(response)
        try:
            expires_in = int(str(data.get("expires_in", "0")))  # a string in the docs
            token = Token(
                access_token=str(data["access_token"]),
                expires_in=expires_in,
                berlaku_sampai=self._clock() + expires_in,
                jam_server=_jam_server(response),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SatusehatMalformedResponse(teks_aturan=f"token: {exc!r}") from exc
        self._tokens.simpan(kunci, token)
        return token

    # ---- Patient / Practitioner

    def pasien_by_nik(self, nik: str) -> PasienIhs | None:
        """The IHS number for a NIK; None when SATUSEHAT does not know it."""
        hasil = self._cari("Patient", {"identifier": f"{SISTEM_NIK}|{nik}"})
        return _pasien(hasil[0]) if hasil else None

    def pasien_by_nik_ibu(
        self, nik_ibu: str, *, tanggal_lahir: date | None = None, urutan_lahir: int | None = None
    ) -> PasienIhs | None:
        """A newborn registered under the mother's NIK; several babies are told apart by birth
        date and birth order (multipleBirthInteger). None when none or more than one fit."""
        cari = self._cari("Patient", {"identifier": f"{SISTEM_NIK_IBU}|{nik_ibu}"})
        calon = [_pasien(r) for r in cari]
        if tanggal_lahir is not None:
            calon = [p for p in calon if p.tanggal_lahir in (None, tanggal_lahir)]
        if urutan_lahir is not None:
            calon = [p for p in calon if p.urutan_lahir in (None, urutan_lahir)]
        return calon[0] if len(calon) == 1 else None

    def praktisi_by_nik(self, nik: str) -> Praktisi | None:
        hasil = self._cari("Practitioner", {"identifier": f"{SISTEM_NIK}|{nik}"})
        if not hasil:
            return None
        r = hasil[0]
        return Praktisi(ihs=str(r["id"]), nama=_nama(r))

    # ---- Location / Organization

    def lokasi(self, location_id: str) -> Lokasi:
        r = self._fhir("GET", f"Location/{_seg(location_id)}")
        org = (r.get("managingOrganization") or {}).get("reference", "")
        return _urai(lambda: Lokasi(str(r["id"]), str(r.get("name", "")), org.split("/")[-1]))

    def organisasi(self, organization_id: str) -> Organisasi:
        r = self._fhir("GET", f"Organization/{_seg(organization_id)}")
        return _urai(lambda: Organisasi(str(r["id"]), str(r.get("name", ""))))

    # ---- Encounter

    def encounter_buat(self, body: Mapping[str, Any]) -> Encounter:
        return _urai(lambda: Encounter.from_fhir(self._fhir("POST", "Encounter", body=body)))

    def encounter_baca(self, encounter_id: str) -> Encounter:
        r = self._fhir("GET", f"Encounter/{_seg(encounter_id)}")
        return _urai(lambda: Encounter.from_fhir(r))

    def encounter_ubah(self, encounter_id: str, body: Mapping[str, Any]) -> Encounter:
        body = {**body, "id": encounter_id}  # the body carries the same id (docs)
        r = self._fhir("PUT", f"Encounter/{_seg(encounter_id)}", body=body)
        return _urai(lambda: Encounter.from_fhir(r))

    def encounter_cari(
        self, *, identifier: str | None = None, subject: str | None = None
    ) -> list[Encounter]:
        """By our identifier (`system|value`), or by subject (the documented search)."""
        params: dict[str, str] = {}
        if identifier:
            params["identifier"] = identifier
        if subject:
            params["subject"] = subject
        return [_urai(lambda r=r: Encounter.from_fhir(r)) for r in self._cari("Encounter", params)]

    # ---- transport

    def _cari(self, jenis: str, params: Mapping[str, str]) -> list[Mapping[str, Any]]:
        bundle = self._fhir("GET", jenis, params=params)
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise SatusehatMalformedResponse(teks_aturan=f"{jenis}: bukan Bundle")
        return [e["resource"] for e in bundle.get("entry") or [] if e.get("resource")]

    def _fhir(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        url = f"{self.config.fhir_url}/{path}"
        endpoint = path.split("/", 1)[0]  # for logs: never the NIK
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        for ulang in (False, True):
            token = self.token(baru=ulang)
            response = self._kirim(
                method,
                url,
                endpoint,
                params=params,
                content=content,
                headers={
                    "Authorization": f"Bearer {token.access_token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            if response.status_code != 401 or ulang:
                break
            self._tokens.hapus(self._kunci_token)  # expired or revoked early: one fresh token
        return _hasil(response)

    def _kirim(self, method: str, url: str, endpoint: str, **kwargs: Any) -> httpx.Response:
        mulai = time.monotonic()
        try:
            response = self._http.request(method, url, timeout=self._timeout, **kwargs)
        except httpx.TimeoutException as exc:
            self._log(method, endpoint, mulai, "timeout")
            raise SatusehatTimeoutError(teks_aturan=str(exc) or type(exc).__name__) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise SatusehatPermanentError(
                f"URL SATUSEHAT tidak valid: {url.split('?')[0]}", teks_aturan=str(exc)
            ) from exc
        except httpx.HTTPError as exc:
            self._log(method, endpoint, mulai, "connection error")
            raise SatusehatConnectionError(teks_aturan=str(exc) or type(exc).__name__) from exc
        self._log(method, endpoint, mulai, str(response.status_code))
        return response

    @staticmethod
    def _log(method: str, endpoint: str, mulai: float, hasil: str) -> None:
        ms = (time.monotonic() - mulai) * 1000
        log.info("SATUSEHAT %s %s: %s in %.0f ms", method, endpoint, hasil, ms)


# ---------------------------------------------------------------------- parsing


_ATURAN = re.compile(r"RuleNumber:\s*(\d+)", re.IGNORECASE)


def masalah_dari(data: Any) -> tuple[Masalah, ...]:
    """OperationOutcome.issue[] → Masalah; () for anything else."""
    if not isinstance(data, dict) or data.get("resourceType") != "OperationOutcome":
        return ()
    hasil = []
    for i in data.get("issue") or []:
        if not isinstance(i, dict):
            continue
        teks = str((i.get("details") or {}).get("text") or i.get("diagnostics") or "")
        m = _ATURAN.search(teks)
        hasil.append(
            Masalah(
                severity=str(i.get("severity", "")),
                code=str(i.get("code", "")),
                teks=teks,
                expression=tuple(str(e) for e in i.get("expression") or []),
                aturan=int(m.group(1)) if m else None,
            )
        )
    return tuple(hasil)


def _json_atau_galat(response: httpx.Response) -> Any:
    status = response.status_code
    try:
        data = response.json() if response.content else None
    except ValueError:
        data = None
    if status >= 500:
        raise SatusehatServerError(code=status, teks_aturan=response.text[:300])
    if status == 429:
        raise SatusehatRateLimit(code=status)
    if status >= 400:
        raise _galat_untuk(status, data, response.text)
    if data is None:
        raise SatusehatMalformedResponse(code=status, teks_aturan=response.text[:300])
    return data


def _hasil(response: httpx.Response) -> Any:
    return _json_atau_galat(response)


def _galat_untuk(status: int, data: Any, teks: str) -> SatusehatError:
    masalah = masalah_dari(data)
    kw: dict[str, Any] = {"code": status, "masalah": masalah}
    if not masalah:
        kw["teks_aturan"] = teks[:300]
    kode = {m.code for m in masalah}
    aturan = {m.aturan for m in masalah}
    rinci = "; ".join(
        (f"{', '.join(m.expression)}: " if m.expression else "") + m.teks for m in masalah if m.teks
    )
    if "duplicate" in kode or ATURAN_DUPLIKAT in aturan:
        return SatusehatDuplicate(**kw)
    if status == 401:
        return SatusehatAuthError(**kw)
    if status == 403 or "business rule" in rinci.lower() or "forbidden" in kode:
        return SatusehatForbidden(
            f"{SatusehatForbidden.default_message} ({rinci})" if rinci else None, **kw
        )
    if status == 404 or "not-found" in kode:
        return SatusehatNotFound(**kw)
    if status in (400, 422) or kode & {"value", "required", "invalid", "structure"}:
        return SatusehatValidationError(f"Data ditolak SATUSEHAT: {rinci}" if rinci else None, **kw)
    return SatusehatPermanentError(f"Ditolak SATUSEHAT: {rinci}" if rinci else None, **kw)


def _urai(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise SatusehatMalformedResponse(teks_aturan=f"unexpected payload: {exc!r}") from exc


def _nama(r: Mapping[str, Any]) -> str:
    nama = next(iter(r.get("name") or []), {}) or {}
    return str(nama.get("text") or " ".join(nama.get("given") or []) or "")


def _pasien(r: Mapping[str, Any]) -> PasienIhs:
    def urai() -> PasienIhs:
        lahir = r.get("birthDate")
        urutan = r.get("multipleBirthInteger")
        return PasienIhs(
            ihs=str(r["id"]),
            nama=_nama(r),
            tanggal_lahir=date.fromisoformat(lahir) if lahir else None,
            urutan_lahir=int(urutan) if urutan is not None else None,
        )

    return _urai(urai)


def _jam_server(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return None


def _seg(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value).strip(), safe="")
