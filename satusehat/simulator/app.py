"""Transport-free core of the SATUSEHAT simulator, written from the public documentation
(../shared/docs/satusehat.md), not from our client.

What it speaks: the OAuth2 client-credentials token endpoint (values all strings, `expires_in`
"3599"), FHIR R4 under /fhir-r4/v1 — Patient and Practitioner search by NIK (and Patient by the
mother's NIK), Organization and Location read (Location also search by organization and
create), Encounter create / read / update / search — errors as OperationOutcome with their rule
numbers where the docs give one (10117 wrong organization in the identifier system, 10457
finished without a diagnosis, 20002 duplicate), 5xx as plain text, a client id that serves
exactly one Organization ("resource cannot be accessed due to business rule").

Details the docs leave open are marked [NOT CONFIRMED]: the 401 bodies (Apigee-style `fault`),
the HTTP status of a duplicate (400), search of Encounter by identifier (served; the documented
search is by subject), and ids (IHS numbers derived from the NIK, uuids for Encounters).

Faults, switchable at run time through POST /_sim/faults: down (TCP reset), slow (delay then
answer), timeout (hang), error5xx, and lost (`apply`: the request takes effect, then the reply
is lost — the case that makes exactly-once hard).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bpjs_bridge.simulator.app import SimResponse
from bpjs_bridge.simulator.peserta import generate_participants

FHIR = "/fhir-r4/v1/"
TOKEN_PATH = "/oauth2/v1/accesstoken"
SISTEM_NIK = "https://fhir.kemkes.go.id/id/nik"
SISTEM_NIK_IBU = "https://fhir.kemkes.go.id/id/nik-ibu"
SISTEM_ENCOUNTER = "http://sys-ids.kemkes.go.id/encounter/"
FAULT_MODES = ("ok", "down", "slow", "timeout", "error5xx")
STATUS_ENCOUNTER = ("planned", "arrived", "triaged", "in-progress", "onleave", "finished",
                    "cancelled", "entered-in-error", "unknown")  # fmt: skip
TANGGAL_MIN = datetime.fromisoformat("2014-06-03T00:00:00+00:00")
CALL_LOG_LIMIT = 20_000

# Demo facility: the simulator's default client, matching the app's SATUSEHAT_* defaults.
DEMO_CLIENT_ID = "sim-satusehat-client"
DEMO_SECRET = "sim-satusehat-secret"
DEMO_ORG = "10000004"

# Practitioners known by NIK (ids in the style of the sandbox's published examples).
PRAKTISI = (
    ("3322071302900002", "N10000001", "dr. Alexander"),
    ("3171071609900003", "N10000002", "dr. Yoga Yandika, Sp.A"),
    ("3207192310600004", "N10000003", "dr. Syarifuddin, Sp.Pd."),
    ("6408130207800005", "N10000005", "Bidan Sri Wahyuni"),
    ("3217040109800006", "10009880728", "drg. Lilis Suryani"),
)


def ihs_dari_nik(nik: str) -> str:
    """A stable IHS-like number for a NIK (P + 11 digits)."""
    return "P" + str(int(hashlib.sha256(nik.encode()).hexdigest(), 16))[:11]


def nik_dikenal(nik: str) -> bool:
    """One NIK in 25 is unknown to SATUSEHAT (not yet in Dukcapil's sync) [invented ratio]."""
    return int(hashlib.sha256(f"ada:{nik}".encode()).hexdigest(), 16) % 25 != 0


def lokasi_demo(organization_id: str, kode: str) -> str:
    """The Location id the simulator seeds for a demo unit code: stable, so demo data can map
    units without asking the simulator."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"satusehat-sim/{organization_id}/{kode}"))


DEMO_UNIT = ("KIA", "ANAK", "UMUM", "LANSIA", "P2M", "GIGI", "UGD", "LAB", "FARMASI")


@dataclass
class Klien:
    secret: str
    organization_id: str
    nama_organisasi: str = "Puskesmas Simulasi"


@dataclass
class SimConfig:
    clients: dict[str, Klien] = field(
        default_factory=lambda: {
            DEMO_CLIENT_ID: Klien(DEMO_SECRET, DEMO_ORG, "Puskesmas Sukamaju"),
        }
    )
    token_detik: int = 3599
    seed: int = 2026
    count: int = 3000


@dataclass
class FaultConfig:
    mode: str = "ok"
    delay_ms: int = 0
    status: int = 500
    path_contains: str = ""  # e.g. "Encounter", "accesstoken"
    method: str = ""  # only this HTTP method, e.g. POST
    apply: bool = False  # "lost reply": handle the request, then reset the connection
    remaining: int | None = None
    failure_rate: float = 1.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultConfig:
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        fault = cls(**data)
        if fault.mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        return fault


class _Tolak(Exception):
    """An OperationOutcome answer."""

    def __init__(self, status: int, code: str, teks: str, expression: str = ""):
        self.status, self.code, self.teks, self.expression = status, code, teks, expression


def outcome(code: str, teks: str, expression: str = "", severity: str = "error") -> dict:
    issue: dict[str, Any] = {"severity": severity, "code": code, "details": {"text": teks}}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


class Simulator:
    """Thread-safe; `handle()` answers one parsed HTTP request."""

    def __init__(self, config: SimConfig | None = None, clock: Callable[[], float] = time.time):
        self.initial_config = config or SimConfig()
        self.clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._generation = 0
        self.stopping = False
        self._pasien_dasar = self._buat_pasien()
        self.reset()

    # ------------------------------------------------------------------ state

    def _buat_pasien(self) -> dict[str, dict[str, Any]]:
        cfg = self.initial_config
        pasien: dict[str, dict[str, Any]] = {}
        for p in generate_participants(seed=cfg.seed, count=cfg.count):
            if p["nik"] and nik_dikenal(p["nik"]):
                pasien[ihs_dari_nik(p["nik"])] = {
                    "nik": p["nik"],
                    "nama": p["nama"].title(),
                    "lahir": str(p["tgl_lahir"]),
                    "gender": "female" if p["sex"] == "P" else "male",
                }
        return pasien

    def reset(self) -> None:
        with self._lock:
            self.config = dataclasses.replace(
                self.initial_config, clients=dict(self.initial_config.clients)
            )
            self.pasien = {k: dict(v) for k, v in self._pasien_dasar.items()}
            self.tokens: dict[str, tuple[str, float]] = {}
            self.encounter: dict[str, dict[str, Any]] = {}
            self.lokasi: dict[str, dict[str, Any]] = {}
            for klien in self.config.clients.values():
                self._seed_lokasi(klien.organization_id)
            self.fault = FaultConfig()
            self.calls: list[dict[str, Any]] = []
            self._rng = random.Random(self.config.seed)
            self._bump()

    def _seed_lokasi(self, org: str) -> None:
        for kode in DEMO_UNIT:
            lid = lokasi_demo(org, kode)
            self.lokasi[lid] = {"id": lid, "name": f"Ruang {kode}", "org": org}

    def tambah_klien(self, client_id: str, klien: Klien) -> None:
        with self._lock:
            self.config.clients[client_id] = klien
            self._seed_lokasi(klien.organization_id)

    # ------------------------------------------------------------------ entry point

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        method = method.upper()
        headers = {k.lower(): v for k, v in headers.items()}
        split = urlsplit(raw_path)
        path, query = split.path, {k: v[-1] for k, v in parse_qs(split.query).items()}
        if path.startswith("/_sim"):
            return self._control(method, path.removeprefix("/_sim").strip("/"), query, body)
        entry = self._log(method, path, query, body)
        fault = self._draw_fault(method, path)
        if fault is not None and not fault.apply and fault.mode != "slow":
            entry["fault"] = fault.mode
            return self._fault_response(fault)
        try:
            result = self._route(method, path, query, headers, body)
        except _Tolak as t:
            result = SimResponse.json(outcome(t.code, t.teks, t.expression), t.status)
        except Exception as exc:  # a simulator bug still looks like an upstream 500
            result = SimResponse.text(f"Internal Server Error: {exc!r}", 500)
        entry["status"] = result.status
        if fault is not None:
            entry["fault"] = fault.mode
            if fault.mode == "slow":
                result.delay = fault.delay_ms / 1000
            else:
                return self._fault_response(fault)  # done, but the answer is lost
        return result

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> SimResponse:
        if path == TOKEN_PATH:
            if method != "POST":
                raise _Tolak(405, "not-supported", "Method not allowed")
            return self._token(query, body)
        if not path.startswith(FHIR):
            return SimResponse.text("Not Found", 404)
        org = self._org_dari_token(headers.get("authorization", ""))
        if org is None:
            return SimResponse.json(
                {
                    "fault": {
                        "faultstring": "Invalid access token",
                        "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
                    }
                },
                401,
            )
        bagian = [unquote(b) for b in path[len(FHIR) :].strip("/").split("/")]
        jenis, rid = bagian[0], (bagian[1] if len(bagian) > 1 else None)
        data = None
        if method in ("POST", "PUT"):
            try:
                data = json.loads(body or b"null")
            except ValueError:
                raise _Tolak(400, "structure", "Failed to parse request body as JSON") from None
            if not isinstance(data, dict) or data.get("resourceType") != jenis:
                raise _Tolak(400, "structure", f"resourceType must be {jenis}", "resourceType")
        with self._lock:
            if jenis == "Patient" and method == "GET" and rid is None:
                return self._bundle([self._patient_json(i) for i in self._cari_pasien(query)])
            if jenis == "Patient" and method == "GET":
                if rid not in self.pasien:
                    raise _Tolak(404, "not-found", f"Patient/{rid} not found")
                return SimResponse.json(self._patient_json(rid))
            if jenis == "Practitioner" and method == "GET" and rid is None:
                return self._bundle(self._cari_praktisi(query))
            if jenis == "Organization" and method == "GET" and rid:
                return self._organization(org, rid)
            if jenis == "Location":
                return self._location(org, method, rid, query, data)
            if jenis == "Encounter":
                return self._encounter(org, method, rid, query, data)
        return SimResponse.json(outcome("not-supported", f"{method} {jenis} not supported"), 404)

    # ------------------------------------------------------------------ auth

    def _token(self, query: dict[str, str], body: bytes) -> SimResponse:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if query.get("grant_type") != "client_credentials":
            return SimResponse.json({"error": "unsupported_grant_type"}, 400)
        client_id = form.get("client_id", "")
        klien = self.config.clients.get(client_id)
        if klien is None or not secrets.compare_digest(
            form.get("client_secret", "").encode(), klien.secret.encode()
        ):
            # [NOT CONFIRMED] shape; the docs say 401 with a small JSON body.
            return SimResponse.json(
                {
                    "fault": {
                        "faultstring": "Invalid client identifier {0}",
                        "detail": {"errorcode": "oauth.v2.InvalidClientIdentifier"},
                    }
                },
                401,
            )
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = (client_id, self.clock() + self.config.token_detik)
        now_ms = str(int(self.clock() * 1000))
        return SimResponse.json(
            {
                "refresh_token_expires_in": "0",
                "api_product_list": "[api-dev]",
                "api_product_list_json": ["api-dev"],
                "organization_name": "ihs-prod-1",
                "developer.email": "simulator@example.invalid",
                "token_type": "BearerToken",
                "issued_at": now_ms,
                "client_id": client_id,
                "access_token": token,
                "application_name": klien.nama_organisasi,
                "scope": "",
                "expires_in": str(self.config.token_detik),
                "refresh_count": "0",
                "status": "approved",
            }
        )

    def _org_dari_token(self, authorization: str) -> str | None:
        if not authorization.lower().startswith("bearer "):
            return None
        with self._lock:
            isi = self.tokens.get(authorization[7:].strip())
            if isi is None or isi[1] <= self.clock():
                return None
            klien = self.config.clients.get(isi[0])
            return klien.organization_id if klien else None

    def kedaluwarsakan_token(self) -> None:
        """Every issued token expires now (tests of renewal)."""
        with self._lock:
            self.tokens = {t: (c, 0.0) for t, (c, _) in self.tokens.items()}

    # ------------------------------------------------------------------ Patient / Practitioner

    def _nilai_identifier(self, query: dict[str, str]) -> tuple[str, str]:
        sistem, _, nilai = query.get("identifier", "").rpartition("|")
        return sistem, nilai

    def _cari_pasien(self, query: dict[str, str]) -> list[str]:
        sistem, nilai = self._nilai_identifier(query)
        if sistem == SISTEM_NIK:
            return [i for i, p in self.pasien.items() if p["nik"] == nilai]
        if sistem == SISTEM_NIK_IBU:
            return [i for i, p in self.pasien.items() if p.get("nik_ibu") == nilai]
        raise _Tolak(400, "value", "Parameter identifier is required", "identifier")

    def _patient_json(self, ihs: str) -> dict[str, Any]:
        p = self.pasien[ihs]
        r: dict[str, Any] = {
            "resourceType": "Patient",
            "id": ihs,
            "active": True,
            "name": [{"use": "official", "text": p["nama"]}],
            "birthDate": p["lahir"],
            "gender": p["gender"],
            "meta": {"versionId": "1", "lastUpdated": "2024-01-01T00:00:00+00:00"},
        }
        if p.get("nik"):
            r["identifier"] = [{"system": SISTEM_NIK, "value": _samarkan(p["nik"])}]
        if p.get("nik_ibu"):
            r["identifier"] = [{"system": SISTEM_NIK_IBU, "value": _samarkan(p["nik_ibu"])}]
            r["multipleBirthInteger"] = p.get("urutan", 0)
        return r

    def _cari_praktisi(self, query: dict[str, str]) -> list[dict[str, Any]]:
        sistem, nilai = self._nilai_identifier(query)
        if sistem != SISTEM_NIK:
            raise _Tolak(400, "value", "Parameter identifier is required", "identifier")
        return [
            {
                "resourceType": "Practitioner",
                "id": pid,
                "name": [{"use": "official", "text": nama}],
                "identifier": [{"system": SISTEM_NIK, "value": _samarkan(nik)}],
            }
            for nik, pid, nama in PRAKTISI
            if nik == nilai
        ]

    # ------------------------------------------------------------------ Organization / Location

    def _organization(self, org: str, rid: str) -> SimResponse:
        nama = next(
            (k.nama_organisasi for k in self.config.clients.values() if k.organization_id == rid),
            None,
        )
        if nama is None:
            raise _Tolak(404, "not-found", f"Organization/{rid} not found")
        if rid != org:
            raise _tolak_bisnis()
        return SimResponse.json(
            {"resourceType": "Organization", "id": rid, "active": True, "name": nama}
        )

    def _location_json(self, loc: dict[str, Any]) -> dict[str, Any]:
        return {
            "resourceType": "Location",
            "id": loc["id"],
            "status": "active",
            "name": loc["name"],
            "managingOrganization": {"reference": f"Organization/{loc['org']}"},
        }

    def _location(
        self, org: str, method: str, rid: str | None, query: dict[str, str], data: Any
    ) -> SimResponse:
        if method == "GET" and rid:
            loc = self.lokasi.get(rid)
            if loc is None:
                raise _Tolak(404, "not-found", f"Location/{rid} not found")
            if loc["org"] != org:
                raise _tolak_bisnis()
            return SimResponse.json(self._location_json(loc))
        if method == "GET":
            want = query.get("organization", "").split("/")[-1]
            if want and want != org:
                raise _tolak_bisnis()
            return self._bundle(
                [self._location_json(v) for v in self.lokasi.values() if v["org"] == org]
            )
        if method == "POST":
            ref = (data.get("managingOrganization") or {}).get("reference", "")
            if ref != f"Organization/{org}":
                raise _tolak_bisnis()
            lid = str(uuid.uuid4())
            self.lokasi[lid] = {"id": lid, "name": str(data.get("name", "")), "org": org}
            return SimResponse.json(self._location_json(self.lokasi[lid]), 201)
        raise _Tolak(405, "not-supported", "Method not allowed")

    # ------------------------------------------------------------------ Encounter

    def _encounter(
        self, org: str, method: str, rid: str | None, query: dict[str, str], data: Any
    ) -> SimResponse:
        if method == "GET" and rid:
            enc = self.encounter.get(rid)
            if enc is None:
                raise _Tolak(404, "not-found", f"Encounter/{rid} not found")
            if enc["_org"] != org:
                raise _tolak_bisnis()
            return SimResponse.json(_publik(enc))
        if method == "GET":
            hasil = [e for e in self.encounter.values() if e["_org"] == org]
            if "subject" in query:
                ref = query["subject"]
                ref = ref if ref.startswith("Patient/") else f"Patient/{ref}"
                hasil = [e for e in hasil if e["subject"]["reference"] == ref]
            if "identifier" in query:  # [NOT CONFIRMED] not in the docs' search list
                sistem, nilai = self._nilai_identifier(query)
                hasil = [e for e in hasil if _identifier(e) == (sistem, nilai)]
            if not {"subject", "identifier"} & set(query):
                raise _Tolak(400, "value", "A search parameter is required (subject)")
            return self._bundle([_publik(e) for e in hasil])
        if method == "POST":
            self._periksa_encounter(org, data, baru=True)
            key = _identifier(data)
            if any(_identifier(e) == key for e in self.encounter.values()):
                raise _Tolak(400, "duplicate", "Found duplicate resource (RuleNumber: 20002)")
            eid = str(uuid.uuid4())
            enc = {**data, "id": eid, "_org": org, "meta": _meta(1, self.clock())}
            self.encounter[eid] = enc
            return SimResponse.json(_publik(enc), 201)
        if method == "PUT" and rid:
            lama = self.encounter.get(rid)
            if lama is None:
                raise _Tolak(404, "not-found", f"Encounter/{rid} not found")
            if lama["_org"] != org:
                raise _tolak_bisnis()
            if data.get("id") != rid:
                raise _Tolak(400, "value", "Resource id must match the URL", "Encounter.id")
            self._periksa_encounter(org, data, baru=False)
            if _identifier(data) != _identifier(lama):
                raise _Tolak(400, "value", "Identifier cannot change", "Encounter.identifier")
            versi = int(lama["meta"]["versionId"]) + 1
            self.encounter[rid] = {**data, "_org": org, "meta": _meta(versi, self.clock())}
            return SimResponse.json(_publik(self.encounter[rid]))
        raise _Tolak(405, "not-supported", "Method not allowed")

    def _periksa_encounter(self, org: str, e: dict[str, Any], *, baru: bool) -> None:
        ident = (e.get("identifier") or [{}])[0]
        if ident.get("system") != f"{SISTEM_ENCOUNTER}{org}" or not ident.get("value"):
            raise _Tolak(
                400,
                "value",
                "Identifier system must be http://sys-ids.kemkes.go.id/encounter/{organization "
                "id} of the requesting organization (RuleNumber: 10117)",
                "Encounter.identifier[0].system",
            )
        status = e.get("status")
        if status not in STATUS_ENCOUNTER:
            raise _Tolak(400, "value", f"Invalid status {status!r}", "Encounter.status")
        if baru and status not in ("planned", "arrived"):
            raise _Tolak(400, "value", "A new Encounter starts arrived", "Encounter.status")
        kelas = e.get("class") or {}
        if kelas.get("system") != "http://terminology.hl7.org/CodeSystem/v3-ActCode" or not (
            kelas.get("code")
        ):
            raise _Tolak(400, "required", "Element not found: Encounter.class", "Encounter.class")
        subjek = ((e.get("subject") or {}).get("reference") or "").removeprefix("Patient/")
        if subjek not in self.pasien:
            raise _Tolak(400, "value", f"Patient/{subjek} not found", "Encounter.subject")
        for p in e.get("participant") or []:
            ref = ((p.get("individual") or {}).get("reference") or "").removeprefix("Practitioner/")
            if ref not in {pid for _, pid, _ in PRAKTISI}:
                raise _Tolak(400, "value", f"Practitioner/{ref} not found", "Encounter.participant")
        if not e.get("participant"):
            raise _Tolak(400, "required", "Element not found: Encounter.participant")
        mulai = _waktu((e.get("period") or {}).get("start"), "Encounter.period.start")
        if mulai < TANGGAL_MIN:
            raise _Tolak(400, "value", "Date before 2014-06-03", "Encounter.period.start")
        lokasi = ((e.get("location") or [{}])[0].get("location") or {}).get("reference") or ""
        loc = self.lokasi.get(lokasi.removeprefix("Location/"))
        if loc is None:
            raise _Tolak(400, "value", f"{lokasi or 'Location'} not found", "Encounter.location")
        provider = (e.get("serviceProvider") or {}).get("reference", "")
        if provider != f"Organization/{org}" or loc["org"] != org:
            raise _tolak_bisnis()
        riwayat = e.get("statusHistory") or []
        if not riwayat:
            raise _Tolak(400, "required", "Element not found: Encounter.statusHistory")
        for r in riwayat:
            periode = r.get("period") or {}
            _waktu(periode.get("start"), "Encounter.statusHistory.period.start")
            if periode.get("end"):
                _waktu(periode["end"], "Encounter.statusHistory.period.end")
        if riwayat[0].get("status") == "arrived" and (riwayat[0].get("period") or {}).get(
            "start"
        ) != (e.get("period") or {}).get("start"):
            raise _Tolak(400, "value", "statusHistory arrived must start at period.start")
        if status == "finished":
            if not e.get("diagnosis"):
                raise _Tolak(
                    400, "required", "Element not found: Encounter.diagnosis (RuleNumber: 10457)"
                )
            if not (e.get("period") or {}).get("end") or any(
                not (r.get("period") or {}).get("end") for r in riwayat
            ):
                raise _Tolak(400, "required", "Every statusHistory period must be closed")

    # ------------------------------------------------------------------ plumbing

    def _bundle(self, resources: list[dict[str, Any]]) -> SimResponse:
        body: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
        }
        if resources:
            body["entry"] = [
                {"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r} for r in resources
            ]
        return SimResponse.json(body)

    def _log(self, method: str, path: str, query: dict[str, str], body: bytes) -> dict[str, Any]:
        isi: Any = None
        if body and not path.startswith(TOKEN_PATH):  # never keep the client secret
            try:
                isi = json.loads(body)
            except ValueError:
                isi = None
        with self._lock:
            entry = {
                "id": len(self.calls) + 1,
                "time": self.clock(),
                "method": method,
                "path": path,
                "query": query,
                "body": isi,
                "status": None,
                "fault": None,
            }
            self.calls.append(entry)
            del self.calls[:-CALL_LOG_LIMIT]
        return entry

    def _draw_fault(self, method: str, path: str) -> FaultConfig | None:
        with self._lock:
            f = self.fault
            if f.mode == "ok":
                return None
            if f.path_contains and f.path_contains not in path:
                return None
            if f.method and f.method.upper() != method:
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

    def _fault_response(self, fault: FaultConfig) -> SimResponse:
        if fault.mode == "down" or fault.apply:
            return SimResponse(action="reset")
        if fault.mode == "timeout":
            return SimResponse(action="hang", delay=(fault.delay_ms or 60_000) / 1000)
        if fault.mode == "error5xx":
            return SimResponse.text("Service Unavailable", fault.status)
        raise AssertionError(fault.mode)

    def _bump(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def wait(self, seconds: float) -> None:
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

    def set_fault(self, fault: FaultConfig) -> None:
        with self._lock:
            self.fault = fault
            self._bump()

    # ------------------------------------------------------------------ /_sim control

    def _control(self, method: str, path: str, query: dict[str, str], body: bytes) -> SimResponse:
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            return SimResponse.json({"error": "body must be JSON"}, 400)
        try:
            return self._control_inner(method, path, query, data)
        except (ValueError, TypeError) as exc:
            return SimResponse.json({"error": str(exc)}, 400)

    def _control_inner(
        self, method: str, path: str, query: dict[str, str], data: Any
    ) -> SimResponse:
        if path == "health":
            return SimResponse.json({"ok": True, "patients": len(self.pasien)})
        if path == "faults" and method == "GET":
            return SimResponse.json(dataclasses.asdict(self.fault))
        if path == "faults" and method in ("POST", "PUT"):
            self.set_fault(FaultConfig.from_json(data))
            return SimResponse.json(dataclasses.asdict(self.fault))
        if path == "reset" and method == "POST":
            self.reset()
            return SimResponse.json({"ok": True})
        if path == "calls" and method == "GET":
            with self._lock:
                calls = [
                    c
                    for c in self.calls
                    if (not query.get("method") or c["method"] == query["method"])
                    and query.get("path_contains", "") in c["path"]
                ]
            return SimResponse.json({"count": len(calls), "calls": calls})
        if path == "state" and method == "GET":
            with self._lock:
                semua = [_publik(e) for e in self.encounter.values()]
            return SimResponse.json({"encounter": semua})
        if path == "tokens/expire" and method == "POST":
            self.kedaluwarsakan_token()
            return SimResponse.json({"ok": True})
        if path == "clients" and method == "POST":
            self.tambah_klien(
                str(data["client_id"]),
                Klien(str(data["secret"]), str(data["organization_id"]), str(data.get("nama", ""))),
            )
            return SimResponse.json({"ok": True})
        if path == "patients" and method == "POST":
            # A newborn (nik_ibu + urutan) or another person by NIK.
            ihs = str(data.get("ihs") or ihs_dari_nik(str(data.get("nik") or uuid.uuid4())))
            with self._lock:
                self.pasien[ihs] = {
                    "nik": str(data.get("nik", "")),
                    "nik_ibu": str(data.get("nik_ibu", "")),
                    "urutan": int(data.get("urutan", 0)),
                    "nama": str(data.get("nama", "Bayi Ny. Simulasi")),
                    "lahir": str(data.get("lahir", "2026-01-01")),
                    "gender": str(data.get("gender", "female")),
                }
            return SimResponse.json({"ihs": ihs})
        return SimResponse.json({"error": f"unknown control endpoint {method} /_sim/{path}"}, 404)


# ---------------------------------------------------------------------- helpers


def _tolak_bisnis() -> _Tolak:
    return _Tolak(403, "forbidden", "resource cannot be accessed due to business rule")


def _identifier(e: Mapping[str, Any]) -> tuple[str, str]:
    i = (e.get("identifier") or [{}])[0]
    return str(i.get("system", "")), str(i.get("value", ""))


def _publik(e: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in e.items() if not k.startswith("_")}


def _meta(versi: int, t: float) -> dict[str, str]:
    waktu = datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")
    return {"versionId": str(versi), "lastUpdated": waktu}


_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _waktu(nilai: Any, expression: str) -> datetime:
    """FHIR dateTime with seconds and an explicit offset."""
    if not isinstance(nilai, str) or not _OFFSET.search(nilai) or len(nilai) < 20:
        raise _Tolak(400, "value", f"Invalid dateTime {nilai!r} (offset required)", expression)
    try:
        return datetime.fromisoformat(nilai.replace("Z", "+00:00"))
    except ValueError:
        raise _Tolak(400, "value", f"Invalid dateTime {nilai!r}", expression) from None


def _samarkan(nik: str) -> str:
    """Responses mask NIKs."""
    return nik[:4] + "*" * 8 + nik[-4:] if len(nik) == 16 else nik
