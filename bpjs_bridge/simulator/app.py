"""Transport-free core of the BPJS simulator: auth, envelopes, endpoints, faults and call log.

`Simulator.handle()` turns one parsed HTTP request into a `SimResponse`; `server.py` puts it on
a socket. Protocol facts follow docs/bpjs-protocol.md; invented details (messages, the noUrut
letter per poli, poli codes beyond 001-003) are marked as such and kept configurable.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bpjs_bridge import signing
from bpjs_bridge.simulator.peserta import (
    KD_PROVIDER_KAMI,
    NM_PROVIDER_KAMI,
    generate_participants,
)

PCARE_PREFIXES = ("/pcare-rest/", "/pcare-rest-dev/")
ANTREAN_PREFIXES = ("/antreanfktp/", "/antreanfktp_dev/")
FAULT_MODES = (
    "ok", "down", "slow", "timeout", "error5xx", "error408", "validation412", "malformed", "auth",
)  # fmt: skip
FAULT_SCOPES = ("all", "pcare", "antrean")
CALL_LOG_LIMIT = 20_000

# Poli 001-003 are in the catalogue samples; the rest are plausible extras [NOT CONFIRMED].
POLI = (
    {"kdPoli": "001", "nmPoli": "UMUM", "poliSakit": True},
    {"kdPoli": "002", "nmPoli": "GIGI & MULUT", "poliSakit": True},
    {"kdPoli": "003", "nmPoli": "KIA", "poliSakit": True},
    {"kdPoli": "004", "nmPoli": "KB", "poliSakit": False},
    {"kdPoli": "005", "nmPoli": "IMUNISASI", "poliSakit": False},
    {"kdPoli": "012", "nmPoli": "LANSIA", "poliSakit": True},
)
# Antrean FKTP doctors per poli (kodedokter is an int there, a string in PCare `dokter`).
DOKTER = (
    {"kode": 101, "nama": "dr. SITI RAHMAWATI", "poli": "001", "jam": "08:00-12:00", "kap": 40},
    {"kode": 102, "nama": "dr. BUDI SANTOSO", "poli": "001", "jam": "13:00-16:00", "kap": 25},
    {"kode": 201, "nama": "drg. LILIS SURYANI", "poli": "002", "jam": "08:00-12:00", "kap": 15},
    {"kode": 301, "nama": "dr. NENDEN KURNIA", "poli": "003", "jam": "08:00-12:00", "kap": 30},
    {"kode": 302, "nama": "dr. AYU PERMATASARI", "poli": "012", "jam": "08:00-11:00", "kap": 20},
)
TKP = {"10": "RJTP", "20": "RITP", "50": "Promotif"}

_PCARE_DATE = re.compile(r"^\d{2}-\d{2}-\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^\d+$")


@dataclass
class SimConfig:
    """Simulator settings; defaults match the app's demo settings."""

    cons_id: str = "1234"
    secret: str = "simulator-secret"
    user_key: str = "sim-user-key"
    antrean_user_key: str = "sim-antrean-key"
    username: str = "pcare-demo"
    password: str = "pcare-demo"
    app_code: str = "095"
    kd_provider: str = KD_PROVIDER_KAMI
    nm_provider: str = NM_PROVIDER_KAMI
    max_skew: int = 300  # seconds; BPJS's real tolerance is undocumented
    auth_fail_status: int = 401  # HTTP status of the plain-text "Authentication failed"
    http_200_always: bool = False  # True: never mirror 4xx/5xx metaData codes in the status
    encrypt_errors: bool = False  # True: encrypt 412 field lists too [NOT CONFIRMED upstream]
    not_found_message: str = "Data peserta tidak ditemukan"
    # Seconds added to the simulator's clock: checks the X-timestamp and fills the reply's Date
    # header, so a test can put "BPJS" 10 minutes away from our server.
    clock_offset: int = 0
    # True: the same card may be registered twice a day at one PCare poli (two of our units
    # sharing code 001). Whether real PCare refuses that is NOT CONFIRMED.
    allow_duplicate_poli: bool = False
    seed: int = 2026
    count: int = 3000

    # Fields that POST /_sim/config may change at run time.
    RUNTIME = ("max_skew", "auth_fail_status", "http_200_always", "encrypt_errors",
               "not_found_message", "clock_offset", "allow_duplicate_poli")  # fmt: skip

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SimConfig:
        """Read BPJS_SIM_<FIELD> variables (e.g. BPJS_SIM_CONS_ID, BPJS_SIM_MAX_SKEW)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"BPJS_SIM_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f.type, raw)
        return cls(**values)


def _coerce(type_name: Any, raw: str) -> Any:
    if type_name in (int, "int"):
        return int(raw)
    if type_name in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw


@dataclass
class FaultConfig:
    """What to break, and how often. mode "ok" means no fault."""

    mode: str = "ok"
    delay_ms: int = 0  # slow: added delay; timeout: how long to hang (default 60 s)
    failure_rate: float = 1.0
    scope: str = "all"
    path_contains: str = ""  # only faults paths containing this, e.g. "pendaftaran"
    apply: bool = False  # run the request against the state first, then fail the reply
    remaining: int | None = None  # inject this many faults, then switch back to "ok"
    status: int = 500  # error5xx: metaData code and HTTP status

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        fault = cls(**data)
        if fault.mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        if fault.scope not in FAULT_SCOPES:
            raise ValueError(f"scope must be one of {FAULT_SCOPES}")
        if not 0.0 <= float(fault.failure_rate) <= 1.0:
            raise ValueError("failure_rate must be within 0..1")
        if fault.mode == "error5xx" and not 500 <= int(fault.status) <= 599:
            raise ValueError("status must be 5xx")
        return fault


@dataclass
class SimResponse:
    """What to do with the connection. action: respond | reset (TCP RST) | hang."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    action: str = "respond"
    delay: float = 0.0  # seconds to wait before acting

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> SimResponse:
        return cls(status=status, body=json.dumps(payload, ensure_ascii=False).encode())

    @classmethod
    def text(cls, text: str, status: int) -> SimResponse:
        return cls(status=status, body=text.encode(), content_type="text/plain; charset=utf-8")


@dataclass
class _Request:
    method: str
    service: str  # pcare | antrean
    path: str  # below the service prefix, no leading slash
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    timestamp: str = ""
    json_body: Any = None


@dataclass
class _Outcome:
    """A handler's answer before it is wrapped in the service's envelope."""

    code: int
    message: str
    response: Any = None
    has_response: bool = True  # Antrean add/panggil/batal reply with metadata only


@dataclass
class _State:
    pendaftaran: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    urut_seq: dict[tuple[str, str], int] = field(default_factory=dict)
    antrean: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


class Simulator:
    """Thread-safe BPJS PCare + Antrean FKTP simulator (no sockets here)."""

    def __init__(self, config: SimConfig | None = None, clock: Callable[[], float] = time.time):
        self.initial_config = config or SimConfig()
        self.config = dataclasses.replace(self.initial_config)
        self._clock = clock
        self.participants = generate_participants(self.config.seed, self.config.count)
        self.by_kartu = {p["no_kartu"]: p for p in self.participants}
        self.by_nik = {p["nik"]: p for p in self.participants}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._generation = 0  # bumped on every fault/reset change to wake hanging requests
        self.stopping = False
        self.state = _State()
        self.fault = FaultConfig()
        self.calls: list[dict[str, Any]] = []
        self._call_id = 0
        self._rng = random.Random(self.config.seed)
        self._poli_letter = {p["kdPoli"]: chr(ord("A") + i) for i, p in enumerate(POLI)}
        self._routes: dict[str, list[tuple[str, re.Pattern[str], Callable[..., _Outcome]]]] = {
            "pcare": [
                ("GET", re.compile(r"peserta/(?P<jenis>nik|noka)/(?P<nomor>[^/]+)"), self._peserta),
                ("GET", re.compile(r"peserta/(?P<nomor>[^/]+)"), self._peserta),
                ("POST", re.compile(r"pendaftaran"), self._pendaftaran_add),
                (
                    "GET",
                    re.compile(r"pendaftaran/noUrut/(?P<no>[^/]+)/tglDaftar/(?P<tgl>[^/]+)"),
                    self._pendaftaran_get,
                ),
                (
                    "GET",
                    re.compile(
                        r"pendaftaran/tglDaftar/(?P<tgl>[^/]+)/(?P<start>\d+)/"
                        r"(?P<limit>\d+)"
                    ),
                    self._pendaftaran_list,
                ),
                (
                    "DELETE",
                    re.compile(
                        r"pendaftaran/peserta/(?P<kartu>[^/]+)/tglDaftar/(?P<tgl>"
                        r"[^/]+)/noUrut/(?P<no>[^/]+)/kdPoli/(?P<poli>[^/]+)"
                    ),
                    self._pendaftaran_delete,
                ),
                ("GET", re.compile(r"poli/fktp/(?P<start>\d+)/(?P<limit>\d+)"), self._poli),
                ("GET", re.compile(r"dokter/(?P<start>\d+)/(?P<limit>\d+)"), self._dokter),
            ],
            "antrean": [
                ("GET", re.compile(r"ref/poli/tanggal/(?P<tgl>[^/]+)"), self._ref_poli),
                (
                    "GET",
                    re.compile(r"ref/dokter/kodepoli/(?P<poli>[^/]+)/tanggal/(?P<tgl>[^/]+)"),
                    self._ref_dokter,
                ),
                ("POST", re.compile(r"antrean/add"), self._antrean_add),
                ("POST", re.compile(r"antrean/panggil"), self._antrean_panggil),
                ("POST", re.compile(r"antrean/batal"), self._antrean_batal),
            ],
        }

    def clock(self) -> float:
        """The simulated BPJS's own time (the real clock plus `clock_offset`)."""
        return self._clock() + self.config.clock_offset

    # ------------------------------------------------------------------ entry point

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer one HTTP request. Header names may come in any case."""
        method = method.upper()
        headers = {k.lower(): v for k, v in headers.items()}
        split = urlsplit(raw_path)
        path = split.path
        if path.startswith("/_sim/") or path == "/_sim":
            return self._control(method, path.removeprefix("/_sim").strip("/"), split.query, body)
        service, sub = _service_of(path)
        if service is None:
            return SimResponse.text("Not Found", 404)

        req = _Request(method, service, sub, headers, body, headers.get("x-timestamp", ""))
        entry = self._log(req)
        fault = self._draw_fault(req)
        result: SimResponse | None = None
        if fault is None or fault.apply or fault.mode == "slow":
            result, entry["outcome"], entry["code"] = self._process(req)
        if fault is not None:
            entry["fault"] = fault.mode
            if fault.mode == "slow":
                assert result is not None
                result.delay = fault.delay_ms / 1000
            else:
                result = self._fault_response(req, fault)
                entry["outcome"], entry["code"] = f"fault:{fault.mode}", None
        assert result is not None
        entry["status"] = result.status if result.action == "respond" else None
        return result

    # ------------------------------------------------------------------ plumbing

    def _log(self, req: _Request) -> dict[str, Any]:
        body: Any = None
        if req.body:
            try:
                body = json.loads(req.body)
            except ValueError:
                body = req.body.decode("utf-8", "replace")
        with self._lock:
            self._call_id += 1
            entry = {
                "id": self._call_id,
                "time": self.clock(),
                "method": req.method,
                "service": req.service,
                "path": req.path,
                "body": body,
                "x_timestamp": req.timestamp,
                "outcome": None,
                "code": None,
                "status": None,
                "fault": None,
            }
            self.calls.append(entry)
            del self.calls[:-CALL_LOG_LIMIT]
        return entry

    def _draw_fault(self, req: _Request) -> FaultConfig | None:
        with self._lock:
            f = self.fault
            if f.mode == "ok":
                return None
            if f.scope != "all" and f.scope != req.service:
                return None
            if f.path_contains and f.path_contains not in req.path:
                return None
            if f.failure_rate < 1.0 and self._rng.random() >= f.failure_rate:
                return None
            drawn = dataclasses.replace(f)
            if f.remaining is not None:
                f.remaining -= 1
                if f.remaining <= 0:
                    self.fault = FaultConfig()
                    self._bump()
            return drawn

    def _bump(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking early on a fault change, reset or stop."""
        deadline = time.monotonic() + seconds
        with self._changed:
            generation = self._generation
            while not self.stopping and self._generation == generation:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(left)

    def stop(self) -> None:
        self.stopping = True
        self._bump()

    def _fault_response(self, req: _Request, fault: FaultConfig) -> SimResponse:
        if fault.mode == "down":
            return SimResponse(action="reset")
        if fault.mode == "timeout":
            return SimResponse(action="hang", delay=(fault.delay_ms or 60_000) / 1000)
        if fault.mode == "auth":
            return SimResponse.text("Authentication failed", self.config.auth_fail_status)
        if fault.mode == "malformed":
            # Envelope says OK but `response` is not ciphertext for this key.
            bogus = "bm90LWNpcGhlcnRleHQ" + "A" * 20 + "=="
            return self._envelope(req, _Outcome(200, "OK", bogus), encrypt=False)
        if fault.mode == "error5xx":
            return self._envelope(req, _Outcome(fault.status, "Internal Server Error", None))
        if fault.mode == "error408":
            return self._envelope(req, _Outcome(408, "REQUEST_TIMEOUT", None))
        if fault.mode == "validation412":
            if req.service == "antrean":
                return self._envelope(req, _Outcome(201, "Simulasi: data tidak valid", None))
            errors = [{"field": "noKartu", "message": "Simulasi: data tidak valid"}]
            return self._envelope(req, _Outcome(412, "PRECONDITION_FAILED", errors))
        raise AssertionError(fault.mode)

    def _process(self, req: _Request) -> tuple[SimResponse, str, int | None]:
        if not self._authenticated(req):
            return (
                SimResponse.text("Authentication failed", self.config.auth_fail_status),
                ("auth_failed"),
                None,
            )
        if req.service == "pcare" and not self._pcare_login_ok(req):
            outcome = _Outcome(401, "Unauthorized! Username/password PCare tidak valid", None)
            return self._envelope(req, outcome), "error", 401
        handler, params = self._route(req)
        if handler is None:
            return (
                SimResponse.json(
                    {"response": None, "metaData": {"message": "Service not found", "code": 404}},
                    404,
                ),
                "no_route",
                404,
            )
        if req.method in ("POST", "PUT"):
            try:
                req.json_body = json.loads(req.body or b"null")  # Content-Type is ignored
            except ValueError:
                req.json_body = None
            if not isinstance(req.json_body, dict):
                outcome = self._invalid(req, "request", "Format request tidak valid (harus JSON)")
                return self._envelope(req, outcome), "error", outcome.code
        try:
            with self._lock:
                outcome = handler(req, **params)
        except Exception as exc:  # a simulator bug must still look like a BPJS 500
            outcome = _Outcome(500, f"Internal simulator error: {exc!r}", None)
        ok = outcome.code in (200, 201) if req.service == "pcare" else outcome.code in (1, 200)
        return self._envelope(req, outcome), "ok" if ok else "error", outcome.code

    def _authenticated(self, req: _Request) -> bool:
        cfg, h = self.config, req.headers
        if h.get("x-cons-id") != cfg.cons_id or not _DIGITS.match(req.timestamp):
            return False
        if abs(self.clock() - int(req.timestamp)) > cfg.max_skew:
            return False
        expected = signing.signature(cfg.cons_id, cfg.secret, req.timestamp)
        if not hmac.compare_digest(h.get("x-signature", "").encode(), expected.encode()):
            return False
        key = cfg.user_key if req.service == "pcare" else cfg.antrean_user_key
        return hmac.compare_digest(h.get("user_key", "").encode(), key.encode())

    def _pcare_login_ok(self, req: _Request) -> bool:
        cfg = self.config
        expected = signing.authorization(cfg.username, cfg.password, cfg.app_code)
        return hmac.compare_digest(
            req.headers.get("x-authorization", "").encode(), expected.encode()
        )

    def _route(self, req: _Request) -> tuple[Callable[..., _Outcome] | None, dict[str, str]]:
        for method, pattern, handler in self._routes[req.service]:
            m = pattern.fullmatch(req.path)
            if m and method == req.method:
                return handler, {k: unquote(v) for k, v in m.groupdict().items()}
        return None, {}

    def _envelope(self, req: _Request, out: _Outcome, *, encrypt: bool = True) -> SimResponse:
        cfg = self.config
        success = out.code in (200, 201) if req.service == "pcare" else out.code in (1, 200)
        response = out.response
        if encrypt and response not in (None, "") and (success or cfg.encrypt_errors):
            response = signing.encrypt_response(response, cfg.cons_id, cfg.secret, req.timestamp)
        meta = {"message": out.message, "code": out.code}
        if req.service == "pcare":
            payload: dict[str, Any] = {"response": response, "metaData": meta}
        else:
            payload = (
                {"response": response, "metadata": meta} if out.has_response else {"metadata": meta}
            )
        # BPJS may mirror error codes in the status line [NOT CONFIRMED]; 2xx codes such as
        # 204 stay HTTP 200 because a 204 status cannot carry a body.
        status = out.code if 400 <= out.code <= 599 and not cfg.http_200_always else 200
        return SimResponse.json(payload, status)

    def _invalid(self, req: _Request, fld: str, message: str) -> _Outcome:
        if req.service == "antrean":
            return _Outcome(201, message, None, has_response=False)
        return _Outcome(412, "PRECONDITION_FAILED", [{"field": fld, "message": message}])

    # ------------------------------------------------------------------ PCare

    def _peserta_json(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "noKartu": p["no_kartu"],
            "nama": p["nama"],
            "hubunganKeluarga": p["hubungan_keluarga"],
            "sex": p["sex"],
            "tglLahir": _dmy(p["tgl_lahir"]),
            "tglMulaiAktif": _dmy(p["tgl_mulai_aktif"]),
            "tglAkhirBerlaku": _dmy(p["tgl_akhir_berlaku"]),
            "kdProviderPst": {"kdProvider": p["kd_provider"], "nmProvider": p["nm_provider"]},
            "kdProviderGigi": {"kdProvider": None, "nmProvider": None},
            "jnsKelas": {"nama": p["kelas_nama"], "kode": p["kelas_kode"]},
            "jnsPeserta": {"nama": p["jns_peserta_nama"], "kode": p["jns_peserta_kode"]},
            "golDarah": p["gol_darah"],
            "noHP": p["no_hp"],
            "noKTP": p["nik"],
            "pstProl": "",
            "pstPrb": "",
            "aktif": p["aktif"],
            "ketAktif": p["ket_aktif"],
            "asuransi": {"kdAsuransi": None, "nmAsuransi": None, "noAsuransi": None, "cob": False},
            "tunggakan": p["tunggakan"],
        }

    def _peserta(self, req: _Request, nomor: str, jenis: str = "noka") -> _Outcome:
        p = self.by_nik.get(nomor) if jenis == "nik" else self.by_kartu.get(nomor)
        if p is None:
            return _Outcome(204, self.config.not_found_message, None)
        return _Outcome(200, "OK", self._peserta_json(p))

    def _pendaftaran_add(self, req: _Request) -> _Outcome:
        b: dict[str, Any] = req.json_body
        errors: list[dict[str, str]] = []

        def need(name: str, ok: bool, message: str) -> None:
            if not ok:
                errors.append({"field": name, "message": message})

        need("kdProviderPeserta", bool(b.get("kdProviderPeserta")), "Kode provider harus diisi")
        need(
            "tglDaftar",
            _valid_date(b.get("tglDaftar"), "%d-%m-%Y"),
            "Format tanggal harus dd-mm-yyyy",
        )
        no_kartu = str(b.get("noKartu") or "")
        need("noKartu", len(no_kartu) == 13 and no_kartu.isdigit(), "No. kartu harus 13 digit")
        need("kdPoli", bool(b.get("kdPoli")), "Kode poli harus diisi")
        need("kunjSakit", isinstance(b.get("kunjSakit"), bool), "kunjSakit harus true/false")
        for vital in (
            "sistole",
            "diastole",
            "beratBadan",
            "tinggiBadan",
            "respRate",
            "lingkarPerut",
            "heartRate",
            "rujukBalik",
        ):
            value = b.get(vital, 0)
            need(
                vital,
                isinstance(value, int | float) and not isinstance(value, bool) and value >= 0,
                f"{vital} harus angka",
            )
        if errors:
            return _Outcome(412, "PRECONDITION_FAILED", errors)

        poli = _find_poli(b["kdPoli"])
        kd_tkp = str(b.get("kdTkp") or "")
        bad_refs = []
        if poli is None:
            bad_refs.append({"field": "kdPoli", "message": "Kode poli tidak terdaftar"})
        if kd_tkp not in TKP:
            bad_refs.append({"field": "kdTkp", "message": "Kode TKP tidak valid"})
        if bad_refs:
            return _Outcome(424, "FAILED_DEPENDENCY", bad_refs)
        assert poli is not None

        p = self.by_kartu.get(no_kartu)
        if p is None:
            return _Outcome(
                412,
                "PRECONDITION_FAILED",
                [{"field": "noKartu", "message": "Peserta tidak terdaftar"}],
            )
        if not p["aktif"]:
            return _Outcome(
                412,
                "PRECONDITION_FAILED",
                [{"field": "noKartu", "message": f"Peserta tidak aktif ({p['ket_aktif']})"}],
            )
        if b["kdProviderPeserta"] != p["kd_provider"]:
            return _Outcome(
                412,
                "PRECONDITION_FAILED",
                [
                    {
                        "field": "kdProviderPeserta",
                        "message": "Kode provider tidak sesuai dengan data peserta",
                    }
                ],
            )
        tgl = b["tglDaftar"]
        for reg in [] if self.config.allow_duplicate_poli else self.state.pendaftaran.values():
            if (reg["tglDaftar"], reg["noKartu"], reg["kdPoli"]) == (tgl, no_kartu, poli["kdPoli"]):
                return _Outcome(
                    412,
                    "PRECONDITION_FAILED",
                    [
                        {
                            "field": "noKartu",
                            "message": "Peserta sudah terdaftar di poli ini pada tanggal tersebut",
                        }
                    ],
                )

        # One letter per poli keeps noUrut unique per day, as GET by noUrut needs [invented].
        seq_key = (tgl, poli["kdPoli"])
        self.state.urut_seq[seq_key] = self.state.urut_seq.get(seq_key, 0) + 1
        no_urut = f"{self._poli_letter[poli['kdPoli']]}{self.state.urut_seq[seq_key]}"
        self.state.pendaftaran[(tgl, no_urut)] = {
            **{
                k: b.get(k)
                for k in (
                    "keluhan",
                    "sistole",
                    "diastole",
                    "beratBadan",
                    "tinggiBadan",
                    "respRate",
                    "lingkarPerut",
                    "heartRate",
                    "rujukBalik",
                )
            },
            "noUrut": no_urut,
            "tglDaftar": tgl,
            "noKartu": no_kartu,
            "kdPoli": poli["kdPoli"],
            "kunjSakit": b["kunjSakit"],
            "kdTkp": kd_tkp,
            "status": "Baru",
        }
        return _Outcome(201, "CREATED", {"field": "noUrut", "message": no_urut})

    def _pendaftaran_json(self, reg: dict[str, Any], full: bool) -> dict[str, Any]:
        poli = _find_poli(reg["kdPoli"]) or {}
        p = self.by_kartu[reg["noKartu"]]
        if full:
            peserta = self._peserta_json(p)
        else:  # the day list leaves most peserta fields null
            peserta = {key: None for key in self._peserta_json(p)}
            peserta.update(
                noKartu=p["no_kartu"], nama=p["nama"], sex=p["sex"], tglLahir=_dmy(p["tgl_lahir"])
            )
        item = {
            "noUrut": reg["noUrut"],
            "tgldaftar": reg["tglDaftar"],  # lower-case d, as BPJS spells it
            "providerPelayanan": {
                "kdProvider": self.config.kd_provider,
                "nmProvider": self.config.nm_provider,
            },
            "peserta": peserta,
            "poli": poli,
            "keluhan": reg["keluhan"],
            "kunjSakit": reg["kunjSakit"],
            "status": reg["status"],
            "tkp": {"kdTkp": reg["kdTkp"], "nmTkp": TKP[reg["kdTkp"]]},
        }
        for key in ("sistole", "diastole", "beratBadan", "tinggiBadan", "respRate", "heartRate"):
            item[key] = reg.get(key) or 0
        return item

    def _pendaftaran_get(self, req: _Request, no: str, tgl: str) -> _Outcome:
        reg = self.state.pendaftaran.get((tgl, no))
        if reg is None:
            return _Outcome(204, "Data pendaftaran tidak ditemukan", None)
        return _Outcome(200, "OK", self._pendaftaran_json(reg, full=True))

    def _pendaftaran_list(self, req: _Request, tgl: str, start: str, limit: str) -> _Outcome:
        if not _valid_date(tgl, "%d-%m-%Y"):
            return self._invalid(req, "tglDaftar", "Format tanggal harus dd-mm-yyyy")
        regs = [r for (d, _), r in self.state.pendaftaran.items() if d == tgl]
        page = regs[int(start) : int(start) + int(limit)]
        return _Outcome(
            200,
            "OK",
            {"count": len(regs), "list": [self._pendaftaran_json(r, False) for r in page]},
        )

    def _pendaftaran_delete(
        self, req: _Request, kartu: str, tgl: str, no: str, poli: str
    ) -> _Outcome:
        reg = self.state.pendaftaran.get((tgl, no))
        if reg is None or reg["noKartu"] != kartu or reg["kdPoli"] != poli:
            return _Outcome(204, "Data pendaftaran tidak ditemukan", None)
        del self.state.pendaftaran[(tgl, no)]
        return _Outcome(200, "OK", "")

    def _poli(self, req: _Request, start: str, limit: str) -> _Outcome:
        page = list(POLI[int(start) : int(start) + int(limit)])
        return _Outcome(200, "OK", {"count": len(POLI), "list": page})

    def _dokter(self, req: _Request, start: str, limit: str) -> _Outcome:
        items = [{"kdDokter": f"{d['kode']:03d}", "nmDokter": d["nama"]} for d in DOKTER]
        return _Outcome(
            200, "OK", {"count": len(items), "list": items[int(start) : int(start) + int(limit)]}
        )

    # ------------------------------------------------------------------ Antrean FKTP

    def _ref_poli(self, req: _Request, tgl: str) -> _Outcome:
        if not _valid_date(tgl, "%Y-%m-%d"):
            return _Outcome(201, "Format tanggal harus yyyy-mm-dd", None)
        with_doctor = {d["poli"] for d in DOKTER}
        items = [
            {
                "namapoli": p["nmPoli"],
                "kodepoli": p["kdPoli"],
                "nmsubspesialis": None,
                "kdsubspesialis": None,
            }
            for p in POLI
            if p["kdPoli"] in with_doctor
        ]
        return _Outcome(1, "OK", {"list": items})

    def _ref_dokter(self, req: _Request, poli: str, tgl: str) -> _Outcome:
        if not _valid_date(tgl, "%Y-%m-%d"):
            return _Outcome(201, "Format tanggal harus yyyy-mm-dd", None)
        items = [
            {
                "namadokter": d["nama"],
                "kodedokter": d["kode"],
                "jampraktek": d["jam"],
                "kapasitas": d["kap"],
            }
            for d in DOKTER
            if d["poli"] == poli
        ]
        if not items:
            return _Outcome(201, "Jadwal dokter tidak ditemukan", None)
        return _Outcome(1, "OK", {"list": items})

    def _antrean_common(self, b: dict[str, Any]) -> str | None:
        if not _valid_date(b.get("tanggalperiksa"), "%Y-%m-%d"):
            return "Format tanggal periksa harus yyyy-mm-dd"
        kartu = str(b.get("nomorkartu") or "")
        if kartu and not (len(kartu) == 13 and kartu.isdigit()):
            return "Nomor kartu harus 13 digit"
        if _find_poli(str(b.get("kodepoli") or "")) is None:
            return "Kode poli tidak ditemukan"
        return None

    def _antrean_add(self, req: _Request) -> _Outcome:
        b: dict[str, Any] = req.json_body

        def fail(message: str) -> _Outcome:
            return _Outcome(201, message, None, has_response=False)

        if problem := self._antrean_common(b):
            return fail(problem)
        nik = str(b.get("nik") or "")
        if not (len(nik) == 16 and nik.isdigit()):
            return fail("NIK harus 16 digit")
        for name in ("nohp", "namapoli", "namadokter", "jampraktek", "nomorantrean"):
            if not b.get(name):
                return fail(f"{name} harus diisi")
        if not isinstance(b.get("angkaantrean"), int) or not isinstance(b.get("kodedokter"), int):
            return fail("angkaantrean dan kodedokter harus angka")
        if not any(d["kode"] == b["kodedokter"] and d["poli"] == b["kodepoli"] for d in DOKTER):
            return fail("Dokter tidak ditemukan pada poli tersebut")
        tgl = datetime.strptime(b["tanggalperiksa"], "%Y-%m-%d").date()
        if tgl < date.fromtimestamp(self.clock()):
            return fail("Tanggal periksa tidak boleh tanggal yang sudah lewat")
        who = str(b.get("nomorkartu") or "") or nik
        key = (b["tanggalperiksa"], b["kodepoli"], who)
        existing = self.state.antrean.get(key)
        if existing and existing["status"] != "batal":
            return fail("Peserta sudah terdaftar di antrean poli ini pada tanggal tersebut")
        for other in self.state.antrean.values():
            same_slot = (other["tanggalperiksa"], other["kodepoli"]) == key[:2]
            if same_slot and other["nomorantrean"] == b["nomorantrean"]:
                return fail("Nomor antrean sudah digunakan")
        self.state.antrean[key] = {**b, "status": "menunggu"}
        return _Outcome(200, "Ok", None, has_response=False)

    def _find_antrean(self, b: dict[str, Any]) -> dict[str, Any] | None:
        kartu = str(b.get("nomorkartu") or "")
        return self.state.antrean.get((b.get("tanggalperiksa"), b.get("kodepoli"), kartu))

    def _antrean_panggil(self, req: _Request) -> _Outcome:
        b: dict[str, Any] = req.json_body
        if problem := self._antrean_common(b):
            return _Outcome(201, problem, None, has_response=False)
        if b.get("status") not in (1, 2) or not isinstance(b.get("waktu"), int):
            return _Outcome(
                201, "status harus 1/2 dan waktu dalam milidetik", None, has_response=False
            )
        found = self._find_antrean(b)
        if found is None or found["status"] == "batal":
            return _Outcome(201, "Data antrean tidak ditemukan", None, has_response=False)
        found["status"] = "hadir" if b["status"] == 1 else "tidak_hadir"
        found["waktu"] = b["waktu"]
        return _Outcome(200, "Ok", None, has_response=False)

    def _antrean_batal(self, req: _Request) -> _Outcome:
        b: dict[str, Any] = req.json_body
        if problem := self._antrean_common(b):
            return _Outcome(201, problem, None, has_response=False)
        if not b.get("alasan"):
            return _Outcome(201, "Alasan batal harus diisi", None, has_response=False)
        found = self._find_antrean(b)
        if found is None:
            return _Outcome(201, "Data antrean tidak ditemukan", None, has_response=False)
        if found["status"] == "batal":
            return _Outcome(201, "Antrean sudah dibatalkan", None, has_response=False)
        found["status"] = "batal"
        found["alasan"] = b["alasan"]
        return _Outcome(200, "Ok", None, has_response=False)

    # ------------------------------------------------------------------ /_sim control

    def reset(self) -> None:
        with self._lock:
            self.state = _State()
            self.fault = FaultConfig()
            self.calls.clear()
            self.config = dataclasses.replace(self.initial_config)
            self._rng = random.Random(self.config.seed)
            self._bump()

    def set_fault(self, fault: FaultConfig) -> None:
        with self._lock:
            self.fault = fault
            self._bump()

    def _control(self, method: str, path: str, query: str, body: bytes) -> SimResponse:
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            return SimResponse.json({"error": "body must be JSON"}, 400)
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        try:
            return self._control_inner(method, path, params, data)
        except (ValueError, TypeError) as exc:
            return SimResponse.json({"error": str(exc)}, 400)

    def _control_inner(
        self, method: str, path: str, params: dict[str, str], data: Any
    ) -> SimResponse:
        if path == "health":
            return SimResponse.json({"ok": True, "participants": len(self.participants)})
        if path == "faults" and method == "GET":
            return SimResponse.json(dataclasses.asdict(self.fault))
        if path == "faults" and method in ("POST", "PUT"):
            if not isinstance(data, dict):
                raise ValueError("fault must be a JSON object")
            self.set_fault(FaultConfig.from_json(data))
            return SimResponse.json(dataclasses.asdict(self.fault))
        if path == "calls" and method == "GET":
            with self._lock:
                calls = [c for c in self.calls if _call_matches(c, params)]
                return SimResponse.json({"count": len(calls), "calls": calls})
        if path == "calls" and method == "DELETE":
            with self._lock:
                self.calls.clear()
            return SimResponse.json({"ok": True})
        if path == "reset" and method == "POST":
            self.reset()
            return SimResponse.json({"ok": True})
        if path == "config" and method == "GET":
            return SimResponse.json({k: getattr(self.config, k) for k in SimConfig.RUNTIME})
        if path == "config" and method in ("POST", "PUT"):
            if not isinstance(data, dict) or set(data) - set(SimConfig.RUNTIME):
                raise ValueError(f"only these may change: {SimConfig.RUNTIME}")
            with self._lock:
                self.config = dataclasses.replace(self.config, **data)
            return SimResponse.json({k: getattr(self.config, k) for k in SimConfig.RUNTIME})
        if path == "peserta" and method == "GET":
            kategori = params.get("kategori")
            limit = int(params.get("limit", "20"))
            rows = [p for p in self.participants if not kategori or p["kategori"] == kategori]
            return SimResponse.json([_jsonable(p) for p in rows[:limit]])
        if path == "state" and method == "GET":
            with self._lock:
                return SimResponse.json(
                    {
                        "pendaftaran": list(self.state.pendaftaran.values()),
                        "antrean": list(self.state.antrean.values()),
                    }
                )
        return SimResponse.json({"error": f"unknown control endpoint {method} /_sim/{path}"}, 404)


# ---------------------------------------------------------------------- helpers


def _service_of(path: str) -> tuple[str | None, str]:
    for prefix in PCARE_PREFIXES:
        if path.startswith(prefix):
            return "pcare", path[len(prefix) :].strip("/")
    for prefix in ANTREAN_PREFIXES:
        if path.startswith(prefix):
            return "antrean", path[len(prefix) :].strip("/")
    return None, ""


def _call_matches(call: dict[str, Any], params: dict[str, str]) -> bool:
    if params.get("service") and call["service"] != params["service"]:
        return False
    if params.get("method") and call["method"] != params["method"].upper():
        return False
    return not params.get("path_contains") or params["path_contains"] in call["path"]


def _find_poli(kd_poli: str) -> dict[str, Any] | None:
    return next((dict(p) for p in POLI if p["kdPoli"] == kd_poli), None)


def _dmy(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def _valid_date(value: Any, fmt: str) -> bool:
    pattern = _PCARE_DATE if fmt == "%d-%m-%Y" else _ISO_DATE
    if not isinstance(value, str) or not pattern.match(value):
        return False
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _jsonable(p: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in p.items()}
