"""Circuit breaker for BPJS, one per Puskesmas, shared by every worker through the Django cache
(Redis in production).

    tertutup ──N consecutive transient failures──▶ terbuka ──after JEDA──▶ setengah terbuka
        ▲                                                                     │ one probe
        └──────────────────── the probe got an answer ◀──────────────────────┘ (else: terbuka)

While open, outbox rows wait without spending attempts; one caller at a time (the holder of the
probe lock) may call BPJS once the pause is over. Any answer from BPJS — even a refusal —
proves it is reachable and closes the breaker. Losing the cache (Redis restart) just closes the
breaker: the next failures open it again, so the state is safe to lose.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction

log = logging.getLogger(__name__)

TERTUTUP = "tertutup"
TERBUKA = "terbuka"
SETENGAH = "setengah_terbuka"

# Keys live a day at most: a forgotten "open" can never stick for longer than that.
TTL = 24 * 3600


def ambang() -> int:
    """Consecutive transient failures that open the breaker."""
    return int(getattr(settings, "BPJS_BREAKER_AMBANG", 5))


def jeda() -> float:
    """Seconds the breaker stays open before a probe is allowed."""
    return float(getattr(settings, "BPJS_BREAKER_JEDA", 30))


def _k(puskesmas_id: int, nama: str) -> str:
    return f"bpjs:pemutus:{puskesmas_id}:{nama}"


@dataclass(frozen=True)
class Keadaan:
    status: str
    sejak: datetime | None = None  # when it opened
    probe_setelah: float = 0.0  # epoch seconds
    gagal_beruntun: int = 0

    @property
    def gangguan(self) -> bool:
        return self.status != TERTUTUP


def keadaan(puskesmas_id: int, *, sekarang: float | None = None) -> Keadaan:
    sekarang = time.time() if sekarang is None else sekarang
    try:
        raw = cache.get(_k(puskesmas_id, "buka"))
        gagal = int(cache.get(_k(puskesmas_id, "gagal")) or 0)
    except Exception:  # cache (Redis) down: the loket page must still render
        log.warning("Cache tidak tersedia; keadaan pemutus BPJS tidak diketahui")
        return Keadaan(TERTUTUP)
    if not raw:
        return Keadaan(TERTUTUP, gagal_beruntun=gagal)
    data = json.loads(raw)
    status = SETENGAH if sekarang >= data["probe_setelah"] else TERBUKA
    return Keadaan(
        status,
        sejak=datetime.fromtimestamp(data["sejak"], tz=UTC),
        probe_setelah=data["probe_setelah"],
        gagal_beruntun=gagal,
    )


@dataclass(frozen=True)
class Izin:
    boleh: bool
    probe: bool = False  # this caller holds the probe lock and must report back
    tunda_sampai: float = 0.0  # when refused: epoch seconds to try again


def minta_izin(puskesmas_id: int) -> Izin:
    """May this caller talk to BPJS now?"""
    k = keadaan(puskesmas_id)
    if k.status == TERTUTUP:
        return Izin(True)
    if k.status == TERBUKA:
        return Izin(False, tunda_sampai=k.probe_setelah)
    # Half-open: exactly one caller gets the probe; the lock expires if that caller dies.
    ttl = int(float(getattr(settings, "BPJS_TIMEOUT", 10)) * 3 + 5)
    if cache.add(_k(puskesmas_id, "probe"), "1", ttl):
        return Izin(True, probe=True)
    return Izin(False, tunda_sampai=time.time() + jeda())


def catat_berhasil(puskesmas_id: int) -> None:
    """BPJS answered (success or a refusal): reset the count and close if it was open."""
    cache.delete(_k(puskesmas_id, "gagal"))
    cache.delete(_k(puskesmas_id, "probe"))
    if cache.delete(_k(puskesmas_id, "buka")):
        log.warning("BPJS kembali tersedia (Puskesmas %s): pemutus ditutup", puskesmas_id)
        _ledger(puskesmas_id, buka=False)
        from . import services  # cycle: services enqueues through tasks

        services.lepas_antrean_tertunda(puskesmas_id=puskesmas_id)


def catat_gagal(puskesmas_id: int, *, probe: bool = False) -> bool:
    """A transient failure. Returns True when this failure opened (or re-opened) the breaker."""
    cache.delete(_k(puskesmas_id, "probe"))
    kunci = _k(puskesmas_id, "gagal")
    cache.add(kunci, 0, TTL)
    try:
        gagal = cache.incr(kunci)
    except ValueError:  # expired between add and incr
        cache.set(kunci, 1, TTL)
        gagal = 1
    sekarang = time.time()
    buka = _k(puskesmas_id, "buka")
    if probe and cache.get(buka):
        # A failed probe: stay open for another pause.
        data = json.loads(cache.get(buka) or "{}") or {"sejak": sekarang}
        data["probe_setelah"] = sekarang + jeda()
        cache.set(buka, json.dumps(data), TTL)
        return True
    if gagal >= ambang():
        data = {"sejak": sekarang, "probe_setelah": sekarang + jeda()}
        if cache.add(buka, json.dumps(data), TTL):
            log.warning(
                "BPJS tidak tersedia (Puskesmas %s): %s kegagalan beruntun, pemutus dibuka",
                puskesmas_id,
                gagal,
            )
            _ledger(puskesmas_id, buka=True)
            return True
    return False


def reset(puskesmas_id: int) -> None:
    for nama in ("gagal", "probe", "buka"):
        cache.delete(_k(puskesmas_id, nama))


def _ledger(puskesmas_id: int, *, buka: bool) -> None:
    """Record the episode in the downtime ledger when that app provides it. The ledger is a
    report, so a failure there must never stop BPJS work: it runs in its own savepoint."""
    try:
        from downtime import services as downtime_services
        from puskesmas.models import Puskesmas
    except ImportError:  # pragma: no cover - the app is always installed here
        return
    fungsi = getattr(
        downtime_services, "episode_bpjs_mulai" if buka else "episode_bpjs_selesai", None
    )
    if fungsi is None:
        return
    try:
        with transaction.atomic():
            pkm = Puskesmas.objects.get(pk=puskesmas_id)
            if buka:
                fungsi(puskesmas=pkm, keterangan="Pemutus BPJS terbuka: kegagalan beruntun")
            else:
                fungsi(puskesmas=pkm)
    except (DatabaseError, Exception):
        log.exception("Gagal mencatat episode BPJS di buku downtime")
