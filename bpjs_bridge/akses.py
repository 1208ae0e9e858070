"""BPJS refused who we are: hold that service's requests until a person fixes it.

The hold itself is the shared `integrasi.outbox.Penahan` (one per service and Puskesmas: rows
wait without spending attempts or opening the breaker; changed credentials lift it at once,
else one retry every BPJS_AKSES_JEDA seconds, and any success lifts it). What is BPJS's own is
here: the fingerprint of the keys each service is called with, and naming the likely cause
(a user key refused while the other service accepts the same consumer keys).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from integrasi import outbox
from integrasi.outbox import Tahanan

from .client import NAMA_LAYANAN, BpjsAksesDitolak, BpjsAuthError, BpjsConfig

__all__ = ["PENAHAN", "Tahanan", "catat_berhasil", "catat_ditolak", "ditahan", "reset", "sidik"]

LAYANAN = ("pcare", "antrean")
PENAHAN = outbox.Penahan("bpjs", "BPJS_AKSES_JEDA", {x: NAMA_LAYANAN.get(x, x) for x in LAYANAN})
TTL = PENAHAN.TTL


def _k_ok(puskesmas_id: int, layanan: str) -> str:
    """The consumer keys this service last accepted (a fingerprint)."""
    return PENAHAN.kunci(puskesmas_id, layanan, "ok")


def _hash(*bagian: str) -> str:
    return hashlib.sha256("\x1f".join(bagian).encode()).hexdigest()[:16]


def sidik(config: BpjsConfig, layanan: str) -> str:
    """A fingerprint of the credentials one service is called with (never the keys)."""
    kunci = config.user_key if layanan == "pcare" else config.antrean_user_key
    login = (config.username, config.password) if layanan == "pcare" else ("", "")
    return _hash(config.cons_id, config.secret_key, kunci, *login)


def _sidik_consumer(config: BpjsConfig) -> str:
    return _hash(config.cons_id, config.secret_key)


def tahanan(puskesmas_id: int) -> list[Tahanan]:
    """The holds in force for a Puskesmas (for the banner and the badges)."""
    return PENAHAN.semua(puskesmas_id)


def ditahan(puskesmas_id: int, layanan: str, config: BpjsConfig) -> Tahanan | None:
    """The hold that stops this call, or None (no hold, keys changed since, or this caller
    won the one retry that is due)."""
    return PENAHAN.ditahan(puskesmas_id, layanan, sidik(config, layanan))


def catat_ditolak(puskesmas_id: int, exc: BpjsAksesDitolak, config: BpjsConfig) -> Tahanan:
    """Put (or renew) the hold for the service that refused, with the likely cause."""
    layanan = exc.layanan or "pcare"
    kode, pesan = exc.kode, exc.message
    if isinstance(exc, BpjsAuthError) and kode != "auth_jam":
        # The other service accepted these very consumer keys lately: only this service's
        # user key differs, so name it.
        lain = "antrean" if layanan == "pcare" else "pcare"
        if cache.get(_k_ok(puskesmas_id, lain)) == _sidik_consumer(config):
            kunci = "user key Antrean FKTP" if layanan == "antrean" else "user key PCare"
            kode = "auth_user_key"
            pesan = (
                f"BPJS {NAMA_LAYANAN[layanan]} menolak {kunci} (cons-id dan secret key diterima "
                f"oleh {NAMA_LAYANAN[lain]}): periksa {kunci}. Permintaan ditahan sampai "
                "diperbaiki."
            )
    return PENAHAN.tahan(
        puskesmas_id, layanan, kode=kode, pesan=pesan, sidik=sidik(config, layanan)
    )


def catat_berhasil(puskesmas_id: int, layanan: str, config: BpjsConfig) -> bool:
    """A call of this service went through: lift its hold. True when there was one."""
    try:
        cache.set(_k_ok(puskesmas_id, layanan), _sidik_consumer(config), TTL)
    except Exception:
        return False
    return PENAHAN.lepas(puskesmas_id, layanan)


def reset(puskesmas_id: int) -> None:
    PENAHAN.reset(puskesmas_id, lain=("ok",))
