"""The one module that talks HTTP to BPJS (PCare and Antrean FKTP), see bpjs-protocol.md.

* One timestamp per request, used for the signature and for decrypting that request's reply.
* Explicit timeouts and no retries: callers (the outbox tasks) decide, using the error class:
  `BpjsTransientError` may be retried with the same data, `BpjsPermanentError` needs a person.
* Replies are parsed into frozen dataclasses here, so nothing above sees BPJS's JSON spelling.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from bpjs_bridge import signing
from integrasi import klien_http

__all__ = [
    "AntreanRequest",
    "BpjsAksesDitolak",
    "BpjsAuthError",
    "BpjsClient",
    "BpjsConfig",
    "BpjsConnectionError",
    "BpjsCredentialsError",
    "BpjsError",
    "BpjsMalformedResponse",
    "BpjsNotFound",
    "BpjsPermanentError",
    "BpjsReferenceError",
    "BpjsServerError",
    "BpjsTimeoutError",
    "BpjsTransientError",
    "BpjsValidationError",
    "Dokter",
    "FieldError",
    "JadwalDokter",
    "PendaftaranPcare",
    "PendaftaranRequest",
    "Peserta",
    "PesertaTidakDitemukan",
    "Poli",
    "PoliAntrean",
]

log = logging.getLogger(__name__)

PCARE = "pcare"
ANTREAN = "antrean"
STATUS_HADIR = 1  # antrean/panggil status values
STATUS_TIDAK_HADIR = 2


# ---------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class BpjsConfig:
    """Credentials and endpoints. Defaults are the simulator's demo values."""

    cons_id: str = "1234"
    secret_key: str = field(default="simulator-secret", repr=False)
    user_key: str = field(default="sim-user-key", repr=False)
    antrean_user_key: str = field(default="sim-antrean-key", repr=False)
    username: str = "pcare-demo"
    password: str = field(default="pcare-demo", repr=False)
    app_code: str = "095"
    pcare_base_url: str = "http://127.0.0.1:8090/pcare-rest"
    antrean_base_url: str = "http://127.0.0.1:8090/antreanfktp"
    timeout: float = 10.0  # seconds for read/write/pool; BPJS publishes no limit
    connect_timeout: float = 5.0

    @classmethod
    def from_settings(cls, settings: Any = None) -> BpjsConfig:
        """Build from Django settings BPJS_*; missing names fall back to the defaults."""
        if settings is None:
            from django.conf import settings  # lazy: this module must work without Django

        d = cls()

        def get(name: str, default: Any) -> Any:
            value = getattr(settings, name, None)
            return default if value in (None, "") else value

        timeout = float(get("BPJS_TIMEOUT", d.timeout))
        return cls(
            cons_id=str(get("BPJS_CONS_ID", d.cons_id)),
            secret_key=str(get("BPJS_SECRET_KEY", d.secret_key)),
            user_key=str(get("BPJS_USER_KEY", d.user_key)),
            antrean_user_key=str(get("BPJS_ANTREAN_USER_KEY", d.antrean_user_key)),
            username=str(get("BPJS_USERNAME", d.username)),
            password=str(get("BPJS_PASSWORD", d.password)),
            app_code=str(get("BPJS_APP_CODE", d.app_code)),
            pcare_base_url=str(get("BPJS_BASE_URL", d.pcare_base_url)),
            antrean_base_url=str(get("BPJS_ANTREAN_BASE_URL", d.antrean_base_url)),
            timeout=timeout,
            connect_timeout=min(timeout, d.connect_timeout),
        )


# ---------------------------------------------------------------------- errors


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class BpjsError(Exception):
    """Base class. `message` is for people (Indonesian); `code` is the metaData/HTTP code."""

    default_message = "Terjadi kesalahan saat berkomunikasi dengan BPJS."
    transient = False

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        bpjs_message: str | None = None,
        fields: tuple[FieldError, ...] = (),
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.bpjs_message = bpjs_message  # BPJS's own text, untranslated
        self.fields = fields
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BpjsTransientError(BpjsError):
    """Worth retrying later with the same data."""

    default_message = "Layanan BPJS sedang tidak dapat dihubungi. Silakan coba lagi nanti."
    transient = True


class BpjsConnectionError(BpjsTransientError):
    default_message = "Tidak dapat terhubung ke server BPJS (koneksi ditolak atau terputus)."


class BpjsTimeoutError(BpjsTransientError):
    default_message = "Server BPJS tidak menjawab dalam batas waktu."


class BpjsServerError(BpjsTransientError):
    default_message = "Server BPJS sedang mengalami gangguan."


class BpjsMalformedResponse(BpjsTransientError):
    default_message = "Jawaban dari BPJS tidak dapat dibaca."


class BpjsPermanentError(BpjsError):
    """Retrying the same request will not help; show it to a person."""

    default_message = "Permintaan ditolak oleh BPJS."


class BpjsValidationError(BpjsPermanentError):
    default_message = "Data ditolak oleh BPJS."


class BpjsNotFound(BpjsPermanentError):
    default_message = "Data tidak ditemukan di BPJS."


class PesertaTidakDitemukan(BpjsNotFound):
    default_message = "Peserta tidak ditemukan di BPJS. Periksa kembali nomor kartu atau NIK."


class BpjsAksesDitolak(BpjsPermanentError):
    """BPJS refused who we are (signature, timestamp, keys, PCare login), not what we sent.
    Retrying cannot help until a person fixes the clock or the credentials; the outbox holds
    every request of that service meanwhile instead of spending retries or opening the breaker.
    `kode` names the likely cause for the worklist and the banner."""

    default_message = "BPJS menolak akses. Periksa kredensial BPJS."
    kode = "akses_ditolak"

    def __init__(self, message: str | None = None, *, layanan: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.layanan = layanan


NAMA_LAYANAN = {"pcare": "PCare", "antrean": "Antrean FKTP"}
# Beyond this gap between our clock and the BPJS reply's Date header, the clock is the likely
# cause of a refused signature (the gateway's tolerance is undocumented; the simulator's 300 s).
SELISIH_JAM_CURIGA = 60


def _lama(detik: float) -> str:
    detik = abs(round(detik))
    if detik >= 120:
        return f"{round(detik / 60)} menit"
    return f"{detik} detik"


class BpjsAuthError(BpjsAksesDitolak):
    """Gateway said "Authentication failed": the signature, the timestamp or a key.

    `selisih_jam` is our clock minus the clock in the reply's Date header (seconds, None when
    the reply had none): a large gap means the server clock, else the consumer keys."""

    default_message = (
        "Autentikasi ke BPJS gagal. Periksa jam server dan kredensial consumer (cons-id, "
        "secret, user key)."
    )
    kode = "auth_kredensial"

    def __init__(
        self, message: str | None = None, *, selisih_jam: float | None = None, **kwargs: Any
    ) -> None:
        self.selisih_jam = selisih_jam
        layanan = kwargs.get("layanan", "")
        nama = NAMA_LAYANAN.get(layanan, "BPJS")
        if message is None and selisih_jam is not None and abs(selisih_jam) >= SELISIH_JAM_CURIGA:
            arah = "lebih cepat" if selisih_jam > 0 else "lebih lambat"
            message = (
                f"BPJS {nama} menolak tanda tangan permintaan: jam server Puskesmas "
                f"{_lama(selisih_jam)} {arah} dari jam BPJS. Setel jam server (NTP); "
                "permintaan ditahan dan dikirim otomatis setelah jam benar."
            )
            self.kode = "auth_jam"
        elif message is None:
            kunci = "user key Antrean FKTP" if layanan == "antrean" else "user key PCare"
            message = (
                f"BPJS {nama} menolak autentikasi (jam server sesuai dengan BPJS): periksa "
                f"cons-id, secret key dan {kunci}. Permintaan ditahan sampai diperbaiki."
            )
        super().__init__(message, **kwargs)


class BpjsCredentialsError(BpjsAksesDitolak):
    default_message = (
        "Username atau password PCare salah, atau layanan belum terdaftar untuk consumer ini. "
        "Permintaan ditahan sampai kredensial PCare diperbaiki."
    )
    kode = "login_pcare"


class BpjsReferenceError(BpjsPermanentError):
    default_message = "Kode referensi (poli, dokter, TKP, ...) tidak valid menurut BPJS."


# ---------------------------------------------------------------------- typed payloads


@dataclass(frozen=True)
class Peserta:
    no_kartu: str
    nik: str
    nama: str
    sex: str
    tgl_lahir: date | None
    aktif: bool
    ket_aktif: str
    kd_provider: str
    nm_provider: str
    jenis_peserta: str
    kd_jenis_peserta: str
    kelas: str
    hubungan_keluarga: str
    no_hp: str
    tunggakan: int
    tgl_mulai_aktif: date | None
    tgl_akhir_berlaku: date | None
    gol_darah: str
    prolanis: str
    prb: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def terdaftar_di(self, kd_provider: str) -> bool:
        return self.kd_provider == kd_provider

    @classmethod
    def from_bpjs(cls, data: Mapping[str, Any]) -> Peserta:
        provider = data.get("kdProviderPst") or {}
        jenis = data.get("jnsPeserta") or {}
        kelas = data.get("jnsKelas") or {}
        return cls(
            no_kartu=_s(data["noKartu"]),
            nik=_s(data.get("noKTP")),
            nama=_s(data.get("nama")),
            sex=_s(data.get("sex")),
            tgl_lahir=_dmy(data.get("tglLahir")),
            aktif=bool(data.get("aktif")),
            ket_aktif=_s(data.get("ketAktif")),
            kd_provider=_s(provider.get("kdProvider")),
            nm_provider=_s(provider.get("nmProvider")),
            jenis_peserta=_s(jenis.get("nama")),
            kd_jenis_peserta=_s(jenis.get("kode")),
            kelas=_s(kelas.get("nama")),
            hubungan_keluarga=_s(data.get("hubunganKeluarga")),
            no_hp=_s(data.get("noHP")),
            tunggakan=_int(data.get("tunggakan")),
            tgl_mulai_aktif=_dmy(data.get("tglMulaiAktif")),
            tgl_akhir_berlaku=_dmy(data.get("tglAkhirBerlaku")),
            gol_darah=_s(data.get("golDarah")),
            prolanis=_s(data.get("pstProl")),
            prb=_s(data.get("pstPrb")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class PendaftaranRequest:
    """Body of PCare `POST pendaftaran` (§3.2). Vital signs are 0 when not measured."""

    kd_provider_peserta: str
    tgl_daftar: date
    no_kartu: str
    kd_poli: str
    kunj_sakit: bool
    keluhan: str | None = None
    sistole: int = 0
    diastole: int = 0
    berat_badan: int = 0
    tinggi_badan: int = 0
    resp_rate: int = 0
    lingkar_perut: int = 0
    heart_rate: int = 0
    rujuk_balik: int = 0
    kd_tkp: str = "10"  # 10 = rawat jalan (RJTP)

    def to_bpjs(self) -> dict[str, Any]:
        return {
            "kdProviderPeserta": self.kd_provider_peserta,
            "tglDaftar": _fmt_dmy(self.tgl_daftar),
            "noKartu": self.no_kartu,
            "kdPoli": self.kd_poli,
            "keluhan": self.keluhan,
            "kunjSakit": self.kunj_sakit,
            "sistole": self.sistole,
            "diastole": self.diastole,
            "beratBadan": self.berat_badan,
            "tinggiBadan": self.tinggi_badan,
            "respRate": self.resp_rate,
            "lingkarPerut": self.lingkar_perut,
            "heartRate": self.heart_rate,
            "rujukBalik": self.rujuk_balik,
            "kdTkp": self.kd_tkp,
        }


@dataclass(frozen=True)
class PendaftaranPcare:
    """A registration as PCare reports it (GET by noUrut, or an item of the day list)."""

    no_urut: str
    tgl_daftar: date | None
    no_kartu: str
    nama: str
    kd_poli: str
    nm_poli: str
    kunj_sakit: bool | None
    keluhan: str
    status: str
    kd_tkp: str
    kd_provider_pelayanan: str
    sistole: int
    diastole: int
    berat_badan: int
    tinggi_badan: int
    resp_rate: int
    heart_rate: int
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_bpjs(cls, data: Mapping[str, Any]) -> PendaftaranPcare:
        peserta = data.get("peserta") or {}
        poli = data.get("poli") or {}
        tkp = data.get("tkp") or {}
        provider = data.get("providerPelayanan") or {}
        kunj = data.get("kunjSakit")
        return cls(
            no_urut=_s(data["noUrut"]),
            # BPJS spells it "tgldaftar"; accept the camel case too.
            tgl_daftar=_dmy(data.get("tgldaftar", data.get("tglDaftar"))),
            no_kartu=_s(peserta.get("noKartu")),
            nama=_s(peserta.get("nama")),
            kd_poli=_s(poli.get("kdPoli")),
            nm_poli=_s(poli.get("nmPoli")),
            kunj_sakit=None if kunj is None else bool(kunj),
            keluhan=_s(data.get("keluhan")),
            status=_s(data.get("status")),
            kd_tkp=_s(tkp.get("kdTkp")),
            kd_provider_pelayanan=_s(provider.get("kdProvider")),
            sistole=_int(data.get("sistole")),
            diastole=_int(data.get("diastole")),
            berat_badan=_int(data.get("beratBadan")),
            tinggi_badan=_int(data.get("tinggiBadan")),
            resp_rate=_int(data.get("respRate")),
            heart_rate=_int(data.get("heartRate")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Poli:
    kd_poli: str
    nm_poli: str
    poli_sakit: bool


@dataclass(frozen=True)
class Dokter:
    kd_dokter: str
    nm_dokter: str


@dataclass(frozen=True)
class PoliAntrean:
    kodepoli: str
    namapoli: str
    kdsubspesialis: str
    nmsubspesialis: str


@dataclass(frozen=True)
class JadwalDokter:
    kodedokter: int
    namadokter: str
    jampraktek: str  # "HH:MM-HH:MM"
    kapasitas: int


@dataclass(frozen=True)
class AntreanRequest:
    """Body of Antrean FKTP `POST antrean/add` (§4.1). nomorkartu is "" for non-JKN."""

    nomorkartu: str
    nik: str
    nohp: str
    kodepoli: str
    namapoli: str
    norm: str
    tanggalperiksa: date
    kodedokter: int
    namadokter: str
    jampraktek: str
    nomorantrean: str
    angkaantrean: int
    keterangan: str = ""

    def to_bpjs(self) -> dict[str, Any]:
        return {
            "nomorkartu": self.nomorkartu,
            "nik": self.nik,
            "nohp": self.nohp,
            "kodepoli": self.kodepoli,
            "namapoli": self.namapoli,
            "norm": self.norm,
            "tanggalperiksa": _fmt_iso(self.tanggalperiksa),
            "kodedokter": self.kodedokter,
            "namadokter": self.namadokter,
            "jampraktek": self.jampraktek,
            "nomorantrean": self.nomorantrean,
            "angkaantrean": self.angkaantrean,
            "keterangan": self.keterangan,
        }


# ---------------------------------------------------------------------- the client


class BpjsClient:
    """Synchronous PCare + Antrean FKTP client. Not thread-safe; one per task/request (cheap:
    the HTTP connections are the process's, integrasi/klien_http.py)."""

    def __init__(
        self,
        config: BpjsConfig,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._clock = clock
        self._timeout = httpx.Timeout(config.timeout, connect=config.connect_timeout)
        # The process's shared client (no SSL set-up per task, connections kept alive), or
        # one of its own for a given transport.
        self._http = klien_http.klien(transport, self._timeout)

    def close(self) -> None:
        klien_http.tutup(self._http)

    def __enter__(self) -> BpjsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- PCare: peserta

    def peserta_by_noka(self, no_kartu: str) -> Peserta:
        """Participant by 13-digit card number; raises PesertaTidakDitemukan."""
        data = self._call(
            PCARE, "GET", f"peserta/{_seg(no_kartu)}", not_found=PesertaTidakDitemukan
        )
        return _parse(Peserta.from_bpjs, data)

    def peserta_by_nik(self, nik: str) -> Peserta:
        """Participant by 16-digit NIK; raises PesertaTidakDitemukan."""
        data = self._call(PCARE, "GET", f"peserta/nik/{_seg(nik)}", not_found=PesertaTidakDitemukan)
        return _parse(Peserta.from_bpjs, data)

    # ---- PCare: pendaftaran

    def pendaftaran_add(self, request: PendaftaranRequest) -> str:
        """Register a visit; returns PCare's noUrut (e.g. "A1")."""
        data = self._call(PCARE, "POST", "pendaftaran", body=request.to_bpjs())
        return _parse(_no_urut, data)

    def pendaftaran_get(self, no_urut: str, tgl: date) -> PendaftaranPcare:
        path = f"pendaftaran/noUrut/{_seg(no_urut)}/tglDaftar/{_fmt_dmy(tgl)}"
        return _parse(PendaftaranPcare.from_bpjs, self._call(PCARE, "GET", path))

    def pendaftaran_by_tanggal(
        self, tgl: date, start: int = 0, limit: int = 100
    ) -> list[PendaftaranPcare]:
        """One page of the FKTP's registrations on a day ([] when there are none)."""
        path = f"pendaftaran/tglDaftar/{_fmt_dmy(tgl)}/{int(start)}/{int(limit)}"
        try:
            data = self._call(PCARE, "GET", path)
        except BpjsNotFound:
            return []
        return _parse(lambda d: [PendaftaranPcare.from_bpjs(i) for i in _list_of(d)], data)

    def pendaftaran_delete(self, no_kartu: str, tgl: date, no_urut: str, kd_poli: str) -> None:
        """Delete a registration. A registration that is already gone raises BpjsNotFound."""
        path = (
            f"pendaftaran/peserta/{_seg(no_kartu)}/tglDaftar/{_fmt_dmy(tgl)}"
            f"/noUrut/{_seg(no_urut)}/kdPoli/{_seg(kd_poli)}"
        )
        self._call(PCARE, "DELETE", path)

    # ---- PCare: references

    def poli_fktp(self, start: int = 0, limit: int = 100) -> list[Poli]:
        data = self._call(PCARE, "GET", f"poli/fktp/{int(start)}/{int(limit)}")
        return _parse(
            lambda d: [
                Poli(_s(i["kdPoli"]), _s(i.get("nmPoli")), bool(i.get("poliSakit")))
                for i in _list_of(d)
            ],
            data,
        )

    def dokter(self, start: int = 0, limit: int = 100) -> list[Dokter]:
        data = self._call(PCARE, "GET", f"dokter/{int(start)}/{int(limit)}")
        return _parse(
            lambda d: [Dokter(_s(i["kdDokter"]), _s(i.get("nmDokter"))) for i in _list_of(d)],
            data,
        )

    # ---- Antrean FKTP (dates yyyy-mm-dd)

    def ref_poli(self, tgl: date) -> list[PoliAntrean]:
        data = self._call(ANTREAN, "GET", f"ref/poli/tanggal/{_fmt_iso(tgl)}")
        return _parse(
            lambda d: [
                PoliAntrean(
                    _s(i["kodepoli"]),
                    _s(i.get("namapoli")),
                    _s(i.get("kdsubspesialis")),
                    _s(i.get("nmsubspesialis")),
                )
                for i in _list_of(d)
            ],
            data,
        )

    def ref_dokter(self, kodepoli: str, tgl: date) -> list[JadwalDokter]:
        path = f"ref/dokter/kodepoli/{_seg(kodepoli)}/tanggal/{_fmt_iso(tgl)}"
        data = self._call(ANTREAN, "GET", path)
        return _parse(
            lambda d: [
                JadwalDokter(
                    int(i["kodedokter"]),
                    _s(i.get("namadokter")),
                    _s(i.get("jampraktek")),
                    _int(i.get("kapasitas")),
                )
                for i in _list_of(d)
            ],
            data,
        )

    def antrean_add(self, request: AntreanRequest) -> None:
        self._call(ANTREAN, "POST", "antrean/add", body=request.to_bpjs())

    def antrean_panggil(
        self,
        *,
        tanggalperiksa: date,
        kodepoli: str,
        nomorkartu: str,
        status: int = STATUS_HADIR,
        waktu: datetime | int | None = None,
    ) -> None:
        """Report hadir (1) / tidak hadir (2). `waktu` is epoch ms; default: now."""
        if waktu is None:
            waktu_ms = int(self._clock() * 1000)
        elif isinstance(waktu, datetime):
            waktu_ms = int(waktu.timestamp() * 1000)
        else:
            waktu_ms = int(waktu)
        body = {
            "tanggalperiksa": _fmt_iso(tanggalperiksa),
            "kodepoli": kodepoli,
            "nomorkartu": nomorkartu,
            "status": int(status),
            "waktu": waktu_ms,
        }
        self._call(ANTREAN, "POST", "antrean/panggil", body=body)

    def antrean_batal(
        self, *, tanggalperiksa: date, kodepoli: str, nomorkartu: str, alasan: str
    ) -> None:
        body = {
            "tanggalperiksa": _fmt_iso(tanggalperiksa),
            "kodepoli": kodepoli,
            "nomorkartu": nomorkartu,
            "alasan": alasan,
        }
        self._call(ANTREAN, "POST", "antrean/batal", body=body)

    # ---- transport and envelope

    def _headers(self, service: str, timestamp: str, method: str) -> dict[str, str]:
        cfg = self.config
        headers = {
            "X-cons-id": cfg.cons_id,
            "X-timestamp": timestamp,
            "X-signature": signing.signature(cfg.cons_id, cfg.secret_key, timestamp),
            "Accept": "application/json",
        }
        if service == PCARE:
            headers["user_key"] = cfg.user_key
            headers["X-authorization"] = signing.authorization(
                cfg.username, cfg.password, cfg.app_code
            )
            # The PCare catalogue asks text/plain for bodies (§1.5); BPJS parses JSON anyway.
            posting = method in ("POST", "PUT")
            headers["Content-Type"] = "text/plain" if posting else "application/json; charset=utf-8"
        else:
            headers["user_key"] = cfg.antrean_user_key
            headers["Content-Type"] = "application/json"
        return headers

    def _call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        not_found: type[BpjsNotFound] = BpjsNotFound,
    ) -> Any:
        timestamp = str(int(self._clock()))  # once: signs the request and keys its reply
        base = self.config.pcare_base_url if service == PCARE else self.config.antrean_base_url
        url = f"{base.rstrip('/')}/{path}"
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        endpoint = path.split("/", 1)[0]  # for logs: never the card number or NIK
        started = time.monotonic()
        try:
            response = self._http.request(
                method,
                url,
                headers=self._headers(service, timestamp, method),
                content=content,
                timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            self._log(service, method, endpoint, started, "timeout")
            raise BpjsTimeoutError(bpjs_message=str(exc) or type(exc).__name__) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise BpjsPermanentError(
                f"URL layanan BPJS tidak valid: {url.split('?')[0]}", bpjs_message=str(exc)
            ) from exc
        except httpx.HTTPError as exc:  # refused, reset, DNS, protocol errors
            self._log(service, method, endpoint, started, "connection error")
            raise BpjsConnectionError(bpjs_message=str(exc) or type(exc).__name__) from exc
        try:
            result = _unwrap(service, response, timestamp, self.config, not_found)
        except BpjsError as exc:
            self._log(service, method, endpoint, started, f"{type(exc).__name__} {exc.code}")
            raise
        self._log(service, method, endpoint, started, "ok")
        return result

    @staticmethod
    def _log(service: str, method: str, endpoint: str, started: float, outcome: str) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        log.info("BPJS %s %s %s: %s in %.0f ms", service, method, endpoint, outcome, elapsed_ms)


def _unwrap(
    service: str,
    response: httpx.Response,
    timestamp: str,
    config: BpjsConfig,
    not_found: type[BpjsNotFound],
) -> Any:
    """Envelope → payload, or the right BpjsError."""
    status = response.status_code
    try:
        text = response.text
    except (httpx.DecodingError, UnicodeDecodeError) as exc:
        raise BpjsMalformedResponse(code=status, bpjs_message=str(exc)) from exc
    stripped = text.strip()
    if stripped.lower().startswith("authentication failed"):
        raise BpjsAuthError(
            code=status,
            bpjs_message=stripped[:200],
            layanan=service,
            selisih_jam=_selisih_jam(response, timestamp),
        )
    try:
        data = json.loads(stripped) if stripped else None
    except ValueError:
        data = None
    meta = _meta_of(data)
    if meta is None:
        if status >= 500:
            raise BpjsServerError(code=status, bpjs_message=stripped[:200] or None)
        raise BpjsMalformedResponse(code=status, bpjs_message=stripped[:200] or None)

    raw_code = meta.get("code", meta.get("Code"))
    message = meta.get("message", meta.get("Message"))
    message = None if message is None else str(message)
    try:
        code = int(raw_code)
    except (TypeError, ValueError):
        raise BpjsMalformedResponse(
            code=status, bpjs_message=f"metaData.code={raw_code!r}"
        ) from None
    payload = data.get("response") if isinstance(data, dict) else None

    ok_codes = (200, 201) if service == PCARE else (1, 200)
    if code in ok_codes:
        return _decode(payload, timestamp, config)
    raise _error_for(service, code, message, payload, timestamp, config, not_found)


def _selisih_jam(response: httpx.Response, timestamp: str) -> float | None:
    """Our request's timestamp minus the time in the reply's Date header."""
    try:
        waktu_bpjs = parsedate_to_datetime(response.headers["date"]).timestamp()
        return int(timestamp) - waktu_bpjs
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _meta_of(data: Any) -> Mapping[str, Any] | None:
    # PCare says metaData, Antrean FKTP says metadata; accept any casing.
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if key.lower() == "metadata" and isinstance(value, dict):
            return value
    return None


def _decode(payload: Any, timestamp: str, config: BpjsConfig) -> Any:
    """Decrypt only a non-empty string that is not itself JSON (§2.3)."""
    if not isinstance(payload, str) or not payload.strip():
        return payload
    candidate = payload.strip()
    if candidate[0] in "[{":
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    try:
        return signing.decrypt_response(candidate, config.cons_id, config.secret_key, timestamp)
    except signing.DecryptionError as exc:
        raise BpjsMalformedResponse(bpjs_message=str(exc)) from exc


def _error_for(
    service: str,
    code: int,
    message: str | None,
    payload: Any,
    timestamp: str,
    config: BpjsConfig,
    not_found: type[BpjsNotFound],
) -> BpjsError:
    kwargs: dict[str, Any] = {"code": code, "bpjs_message": message}
    if 500 <= code <= 599:
        return BpjsServerError(**kwargs)
    if code == 408:
        return BpjsTimeoutError(**kwargs)
    if code in (204, 404):
        # "Unauthorized! You are not registered for this service!" also comes as 404 (§3.7).
        if message and "unauthorized" in message.lower():
            return BpjsCredentialsError(layanan=service, **kwargs)
        return not_found(**kwargs)
    if code == 401:
        return BpjsCredentialsError(layanan=service, **kwargs)
    fields = _field_errors(payload, timestamp, config)
    if code == 424:
        return BpjsReferenceError(_join(BpjsReferenceError, fields), fields=fields, **kwargs)
    if code == 412 or (service == ANTREAN and code == 201):
        text = _join(BpjsValidationError, fields) if fields else _with(message)
        return BpjsValidationError(text, fields=fields, **kwargs)
    if code == 0:  # observed for wrongly typed body fields (§3.7)
        return BpjsValidationError("Format data tidak sesuai (periksa tipe data).", **kwargs)
    return BpjsPermanentError(_with(message), **kwargs)


def _field_errors(payload: Any, timestamp: str, config: BpjsConfig) -> tuple[FieldError, ...]:
    # Usually a plain list; tolerate an encrypted one or a single object.
    try:
        value = _decode(payload, timestamp, config)
    except BpjsMalformedResponse:
        return ()
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return tuple(
        FieldError(_s(i.get("field")), _s(i.get("message")))
        for i in items
        if isinstance(i, dict) and ("field" in i or "message" in i)
    )


def _join(cls: type[BpjsError], fields: tuple[FieldError, ...]) -> str:
    if not fields:
        return cls.default_message
    detail = "; ".join(f"{f.field}: {f.message}" if f.field else f.message for f in fields)
    return f"{cls.default_message} {detail}"


def _with(message: str | None) -> str | None:
    return f"Ditolak oleh BPJS: {message}" if message else None


# ---------------------------------------------------------------------- small parsers


def _parse(fn: Callable[[Any], Any], data: Any) -> Any:
    """Shape errors in a success payload mean the reply is not what we expect: transient."""
    try:
        return fn(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise BpjsMalformedResponse(bpjs_message=f"unexpected payload: {exc!r}") from exc


def _no_urut(data: Any) -> str:
    # {"field": "noUrut", "message": "A1"}; some gateways send a list of such objects.
    items = data if isinstance(data, list) else [data]
    for item in items:
        if item.get("field") == "noUrut" and item.get("message"):
            return str(item["message"])
    raise ValueError("no noUrut in pendaftaran response")


def _list_of(data: Any) -> list[Mapping[str, Any]]:
    if data in (None, ""):
        return []
    items = data if isinstance(data, list) else data["list"]
    return list(items or [])


def _seg(value: str) -> str:
    """A path segment, quoted so user input can never add path parts."""
    return quote(str(value).strip(), safe="")


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _dmy(value: Any) -> date | None:
    if not value:
        return None
    return datetime.strptime(str(value), "%d-%m-%Y").date()


def _fmt_dmy(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def _fmt_iso(value: date) -> str:
    return value.strftime("%Y-%m-%d")
