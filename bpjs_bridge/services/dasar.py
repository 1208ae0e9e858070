"""What every part of the BPJS bridge's services shares: settings, the domain errors, the
publisher and breaker release on the shared outbox (`integrasi.outbox`), and the small reads
of a row (its card number, its successors)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from integrasi import outbox
from pendaftaran.models import Penjamin, StatusKunjungan

from .. import breaker
from ..client import BpjsPermanentError, Peserta
from ..models import (
    STATUS_MENUNGGU,
    HasilPercobaan,
    JenisPermintaan,
    PermintaanBpjs,
    Rantai,
    StatusPermintaan,
    StatusPeserta,
)

log = logging.getLogger("bpjs_bridge.services")

J = JenisPermintaan
S = StatusPermintaan

# Cancellations that came from Mobile JKN itself are not pushed back to BPJS.
ALASAN_BATAL_JKN = "Dibatalkan pasien lewat Mobile JKN"


class WorklistError(Exception):
    """A worklist action that cannot be done; `galat` maps field → Indonesian messages."""

    def __init__(self, galat: dict[str, list[str]]):
        super().__init__(galat)
        self.galat = galat

    @property
    def pesan(self) -> str:
        return " ".join(m for daftar in self.galat.values() for m in daftar)


class MasalahKepesertaan(BpjsPermanentError):
    """BPJS answered, and the answer is that this visit cannot go on as BPJS as it stands
    (inactive, arrears, registered at another FKTP). A person must decide: the worklist."""


class DataTidakLengkap(BpjsPermanentError):
    """Our own data lacks what BPJS requires; caught before the call is made."""


class RekonsiliasiRagu(BpjsPermanentError):
    """More than one PCare registration could be this visit's and nothing tells them apart:
    adopting one could take another visit's registration, so a person picks (worklist)."""


def _s(nama: str, bawaan: float) -> float:
    return float(getattr(settings, nama, bawaan))


def retry_dasar() -> float:
    return _s("BPJS_RETRY_DASAR", 10.0)


def retry_batas() -> float:
    return _s("BPJS_RETRY_BATAS", 15 * 60.0)


def percobaan_maks() -> int:
    return int(_s("BPJS_PERCOBAAN_MAKS", 10))


def klaim_kedaluwarsa() -> float:
    """A claim older than this belongs to a worker that died (or lost its message)."""
    return _s("BPJS_KLAIM_KEDALUWARSA", 120.0)


def antre_ulang_setelah() -> float:
    """A published message not consumed within this is presumed lost; the sweep republishes."""
    return _s("BPJS_ANTRE_ULANG", 120.0)


def jeda_backoff(percobaan: int, *, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter and a cap: ~10 s, 20 s, 40 s … at most 15 min.

    The jitter ("equal jitter": half fixed, half random) spreads the retries of a whole
    backlog so BPJS coming back is not greeted by every row in the same second."""
    return outbox.jeda_backoff(percobaan, dasar=retry_dasar(), batas=retry_batas(), rng=rng)


nama_pekerja = outbox.nama_pekerja  # shared with the SATUSEHAT outbox (integrasi/outbox.py)

# One Celery message per row id, published on commit, in the background (a slow broker never
# delays the officer; BPJS_TERBIT_LATAR=False publishes inline, e.g. in tests). With the
# broker down the rows stay unmarked and the sweep publishes them.
PENERBIT = outbox.Penerbit(
    "bpjs_bridge.PermintaanBpjs", "bpjs_bridge.tasks.proses_permintaan", "BPJS_TERBIT_LATAR"
)


@dataclass
class Hasil:
    status: str  # berhasil | dibatalkan
    data: dict[str, Any]
    cara: str = HasilPercobaan.BERHASIL


def _penerus_siap(row: PermintaanBpjs) -> list[int]:
    return list(
        PermintaanBpjs.objects.filter(setelah=row, status__in=STATUS_MENUNGGU).values_list(
            "pk", flat=True
        )
    )


def _tidak_relevan(row: PermintaanBpjs) -> bool:
    k = row.kunjungan
    if row.jenis in (J.PENDAFTARAN_DELETE, J.ANTREAN_BATAL):
        return False
    if k.status == StatusKunjungan.BATAL:
        return True
    return row.rantai == Rantai.PCARE and k.penjamin != Penjamin.BPJS


def _no_kartu(row: PermintaanBpjs) -> str:
    """The card number a row acts for: its own, else the one the eligibility check found by
    NIK, else what the patient record holds now."""
    if row.payload.get("no_kartu"):
        return row.payload["no_kartu"]
    cek = row.setelah
    while cek is not None and cek.jenis != J.CEK_PESERTA:
        cek = cek.setelah
    if cek is not None and cek.hasil.get("no_kartu"):
        return cek.hasil["no_kartu"]
    return row.kunjungan.pasien.no_bpjs or ""


def _data_peserta(p: Peserta) -> dict[str, Any]:
    return {
        "no_kartu": p.no_kartu,
        "nik": p.nik,
        "nama": p.nama,
        "aktif": p.aktif,
        "ket_aktif": p.ket_aktif,
        "kd_provider": p.kd_provider,
        "nm_provider": p.nm_provider,
        "tunggakan": p.tunggakan,
        "jenis_peserta": p.jenis_peserta,
    }


def _simpan_status_peserta(puskesmas_id: int, data: dict[str, Any], pada: datetime) -> None:
    StatusPeserta.objects.update_or_create(
        puskesmas_id=puskesmas_id,
        no_kartu=data["no_kartu"],
        defaults={
            "nik": data.get("nik", "")[:16],
            "nama": data.get("nama", "")[:150],
            "aktif": bool(data.get("aktif")),
            "ket_aktif": data.get("ket_aktif", "")[:60],
            "kd_provider": data.get("kd_provider", "")[:12],
            "nm_provider": data.get("nm_provider", "")[:150],
            "tunggakan": max(int(data.get("tunggakan") or 0), 0),
            "jenis_peserta": data.get("jenis_peserta", "")[:100],
            "diperiksa_pada": pada,
        },
    )


def lepas_antrean_tertunda(*, puskesmas_id: int, batas: int = 5000) -> int:
    """BPJS is back: everything that was waiting for it is due now, not at its backoff time."""
    return outbox.lepas_tertunda(PermintaanBpjs, PENERBIT, puskesmas_id=puskesmas_id, batas=batas)


def pulih(puskesmas_id: int) -> None:
    """BPJS answered (even with a refusal): close the breaker, and when that ended an outage
    release what waited for it."""
    if breaker.catat_berhasil(puskesmas_id):
        lepas_antrean_tertunda(puskesmas_id=puskesmas_id)
