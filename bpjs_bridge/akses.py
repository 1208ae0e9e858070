"""BPJS refused who we are: hold that service's requests until a person fixes it.

A refused signature, timestamp, user key or PCare login is not an outage: retrying the same
request with the same keys cannot succeed, so it must neither spend the retry budget nor open
the circuit breaker (whose banner says "BPJS sedang gangguan"). Instead one refusal puts a
hold on that service for the Puskesmas, shown once on the banner with its likely cause:

* every request of that service waits (no attempt spent) while the hold stands;
* changed credentials (another fingerprint of the keys in use) lift it at once;
* otherwise one request tries again every BPJS_AKSES_JEDA seconds, which notices a fixed
  clock; any success lifts the hold and releases the backlog.

State lives in the Django cache like the breaker's; losing it only means one more refusal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from .client import NAMA_LAYANAN, BpjsAksesDitolak, BpjsAuthError, BpjsConfig

log = logging.getLogger(__name__)

TTL = 24 * 3600
LAYANAN = ("pcare", "antrean")


def jeda() -> float:
    return float(getattr(settings, "BPJS_AKSES_JEDA", 300))


def _k(puskesmas_id: int, layanan: str, nama: str = "tahan") -> str:
    return f"bpjs:akses:{puskesmas_id}:{layanan}:{nama}"


def _hash(*bagian: str) -> str:
    return hashlib.sha256("\x1f".join(bagian).encode()).hexdigest()[:16]


def sidik(config: BpjsConfig, layanan: str) -> str:
    """A fingerprint of the credentials one service is called with (never the keys)."""
    kunci = config.user_key if layanan == "pcare" else config.antrean_user_key
    login = (config.username, config.password) if layanan == "pcare" else ("", "")
    return _hash(config.cons_id, config.secret_key, kunci, *login)


def _sidik_consumer(config: BpjsConfig) -> str:
    return _hash(config.cons_id, config.secret_key)


@dataclass(frozen=True)
class Tahanan:
    layanan: str
    kode: str
    pesan: str
    sejak: datetime
    coba_setelah: float  # epoch seconds
    sidik: str

    @property
    def nama_layanan(self) -> str:
        return NAMA_LAYANAN.get(self.layanan, self.layanan)

    @property
    def coba_setelah_dt(self) -> datetime:
        return datetime.fromtimestamp(self.coba_setelah, tz=UTC)


def _baca(puskesmas_id: int, layanan: str) -> Tahanan | None:
    try:
        raw = cache.get(_k(puskesmas_id, layanan))
    except Exception:  # cache down: behave as if there were no hold
        log.warning("Cache tidak tersedia; tahanan akses BPJS tidak diketahui")
        return None
    if not raw:
        return None
    d = json.loads(raw)
    return Tahanan(
        layanan=layanan,
        kode=d["kode"],
        pesan=d["pesan"],
        sejak=datetime.fromtimestamp(d["sejak"], tz=UTC),
        coba_setelah=d["coba_setelah"],
        sidik=d["sidik"],
    )


def tahanan(puskesmas_id: int) -> list[Tahanan]:
    """The holds in force for a Puskesmas (for the banner and the badges)."""
    return [t for layanan in LAYANAN if (t := _baca(puskesmas_id, layanan)) is not None]


def ditahan(puskesmas_id: int, layanan: str, config: BpjsConfig) -> Tahanan | None:
    """The hold that stops this call, or None: no hold, credentials changed since, or this
    caller won the one retry that is due."""
    t = _baca(puskesmas_id, layanan)
    if t is None:
        return None
    if t.sidik != sidik(config, layanan):
        return None  # someone changed the keys: try them now
    if time.time() >= t.coba_setelah and cache.add(
        _k(puskesmas_id, layanan, "coba"), "1", int(jeda())
    ):
        return None
    return t


def catat_ditolak(puskesmas_id: int, exc: BpjsAksesDitolak, config: BpjsConfig) -> Tahanan:
    """Put (or renew) the hold for the service that refused, with the likely cause."""
    layanan = exc.layanan or "pcare"
    kode, pesan = exc.kode, exc.message
    if isinstance(exc, BpjsAuthError) and kode != "auth_jam":
        # The other service accepted these very consumer keys lately: only this service's
        # user key differs, so name it.
        lain = "antrean" if layanan == "pcare" else "pcare"
        if cache.get(_k(puskesmas_id, lain, "ok")) == _sidik_consumer(config):
            kunci = "user key Antrean FKTP" if layanan == "antrean" else "user key PCare"
            kode = "auth_user_key"
            pesan = (
                f"BPJS {NAMA_LAYANAN[layanan]} menolak {kunci} (cons-id dan secret key diterima "
                f"oleh {NAMA_LAYANAN[lain]}): periksa {kunci}. Permintaan ditahan sampai "
                "diperbaiki."
            )
    sekarang = time.time()
    lama = _baca(puskesmas_id, layanan)
    data = {
        "kode": kode,
        "pesan": pesan,
        "sejak": lama.sejak.timestamp() if lama else sekarang,
        "coba_setelah": sekarang + jeda(),
        "sidik": sidik(config, layanan),
    }
    cache.set(_k(puskesmas_id, layanan), json.dumps(data), TTL)
    if lama is None:
        log.warning("BPJS %s menolak akses (Puskesmas %s): %s", layanan, puskesmas_id, pesan)
    t = _baca(puskesmas_id, layanan)
    assert t is not None
    return t


def catat_berhasil(puskesmas_id: int, layanan: str, config: BpjsConfig) -> bool:
    """A call of this service went through: lift its hold. True when there was one."""
    try:
        cache.set(_k(puskesmas_id, layanan, "ok"), _sidik_consumer(config), TTL)
        ada = cache.delete(_k(puskesmas_id, layanan))
        cache.delete(_k(puskesmas_id, layanan, "coba"))
    except Exception:
        return False
    return bool(ada)


def reset(puskesmas_id: int) -> None:
    for layanan in LAYANAN:
        for nama in ("tahan", "coba", "ok"):
            cache.delete(_k(puskesmas_id, layanan, nama))
