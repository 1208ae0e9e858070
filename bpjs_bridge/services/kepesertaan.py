"""Eligibility at the counter (the fast path).

When the officer opens a BPJS patient, the check starts at once in the background, before any
visit exists: a Celery task makes one peserta call and stores the answer in StatusPeserta,
which the patient panel polls. Registration never waits for it, and the visit's own outbox
check still runs after registration."""

from __future__ import annotations

import dataclasses
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections as db_connections
from django.utils import timezone

from integrasi import outbox
from integrasi.selectors import konfigurasi_bpjs
from pendaftaran.models import Pasien

from .. import akses, breaker
from ..client import (
    BpjsAksesDitolak,
    BpjsClient,
    BpjsNotFound,
    BpjsPermanentError,
    BpjsTransientError,
)
from ..selectors import (
    _kunci_kepesertaan,
    kepesertaan_keadaan,
    kepesertaan_segar,
    status_peserta_pasien,
)
from .dasar import _data_peserta, _s, _simpan_status_peserta, lepas_antrean_tertunda, log, pulih


def kepesertaan_timeout() -> float:
    """The counter cannot wait the outbox's full timeout: a slow BPJS is 'tidak menjawab'."""
    return _s("BPJS_KEPESERTAAN_TIMEOUT", 5.0)


def _kepesertaan_catat(puskesmas_id: int, pasien_id: int, status: str, pesan: str = "") -> None:
    try:
        cache.set(
            _kunci_kepesertaan(puskesmas_id, pasien_id),
            {"status": status, "pada": time.time(), "pesan": pesan},
            3600,
        )
    except Exception:
        log.warning("Cache tidak tersedia; hasil cek kepesertaan tidak disimpan")


def kepesertaan_mulai(*, pasien) -> bool:
    """Start the background check for this patient unless a fresh answer exists or a check
    is already running. Returns True when a check was started. Never raises, never waits."""
    if not pasien.no_bpjs:
        return False
    pkm_id = pasien.puskesmas_id
    terakhir = status_peserta_pasien(pasien=pasien)
    if terakhir is not None and (
        (timezone.now() - terakhir.diperiksa_pada).total_seconds() < kepesertaan_segar()
    ):
        return False
    keadaan = kepesertaan_keadaan(puskesmas_id=pkm_id, pasien_id=pasien.pk)
    if keadaan and keadaan["status"] == "memeriksa" and time.time() - keadaan["pada"] < 30:
        return False
    _kepesertaan_catat(pkm_id, pasien.pk, "memeriksa")

    def terbit() -> None:
        try:
            outbox.tugas("bpjs_bridge.tasks.cek_kepesertaan").apply_async(
                (pkm_id, pasien.pk), retry=False, expires=120
            )
        except Exception:  # broker down: say so at once, the visit's own check follows later
            log.warning("Broker tidak tersedia; cek kepesertaan di loket tidak dijalankan")
            _kepesertaan_catat(pkm_id, pasien.pk, "tidak_menjawab", "Antrean tugas tidak aktif.")

    latar = getattr(settings, "BPJS_TERBIT_LATAR", None)
    if latar is None:
        latar = db_connections["default"].vendor != "sqlite"
    if latar:
        threading.Thread(target=terbit, daemon=True, name="bpjs-kepesertaan").start()
    else:
        terbit()
    return True


def kepesertaan_periksa(*, puskesmas_id: int, pasien_id: int) -> str:
    """One peserta call for the counter (the Celery task). Honours the breaker and an access
    hold like the outbox; the answer lands in StatusPeserta. Returns the outcome word."""
    pasien = Pasien.objects.filter(pk=pasien_id, puskesmas_id=puskesmas_id).first()
    if pasien is None or not pasien.no_bpjs:
        return "tidak_ada"
    catat = lambda status, pesan="": _kepesertaan_catat(puskesmas_id, pasien_id, status, pesan)  # noqa: E731
    izin = breaker.minta_izin(puskesmas_id)
    if not izin.boleh:
        catat("tidak_menjawab", "BPJS sedang gangguan.")
        return "tidak_menjawab"
    dasar = konfigurasi_bpjs(puskesmas_id)
    batas = min(dasar.timeout, kepesertaan_timeout())
    konfigurasi = dataclasses.replace(
        dasar, timeout=batas, connect_timeout=min(dasar.connect_timeout, batas)
    )
    tahanan = akses.ditahan(puskesmas_id, "pcare", konfigurasi)
    if tahanan is not None:
        catat("ditolak", tahanan.pesan)
        return "ditolak"
    try:
        with BpjsClient(konfigurasi) as client:
            p = client.peserta_by_noka(pasien.no_bpjs)
    except BpjsAksesDitolak as exc:
        pulih(puskesmas_id)
        catat("ditolak", akses.catat_ditolak(puskesmas_id, exc, konfigurasi).pesan)
        return "ditolak"
    except BpjsNotFound as exc:
        pulih(puskesmas_id)
        catat("tidak_ditemukan", exc.message)
        return "tidak_ditemukan"
    except BpjsTransientError as exc:
        breaker.catat_gagal(puskesmas_id, probe=izin.probe)
        catat("tidak_menjawab", exc.message)
        return "tidak_menjawab"
    except BpjsPermanentError as exc:
        pulih(puskesmas_id)
        catat("tidak_menjawab", exc.message)
        return "ditolak_lain"
    pulih(puskesmas_id)
    if akses.catat_berhasil(puskesmas_id, "pcare", konfigurasi):
        lepas_antrean_tertunda(puskesmas_id=puskesmas_id)
    _simpan_status_peserta(puskesmas_id, _data_peserta(p), timezone.now())
    catat("selesai")
    return "selesai"
