"""Writes of the BPJS bridge: the outbox rows a visit needs, processing one row, the sweep,
and what a person does on the worklist.

The contract (see saleor's webhook delivery, zulip's queue workers):

* `outbox_*` functions run inside the caller's transaction and only write rows; the first
  runnable rows are published to Celery on commit, so a rolled-back visit never calls BPJS.
* `permintaan_proses` claims one row with a conditional UPDATE, makes ONE call through
  `BpjsClient`, and stores the outcome with a conditional UPDATE on its own claim. Running it
  twice, or on two workers at once, makes one call.
* A PCare registration whose earlier attempt may have reached BPJS (timeout, 5xx, a worker
  killed mid-call) is never sent again blindly: the day's PCare list is read first and the
  registration that matches this visit is adopted (`ambigu`), never one another of our
  visits holds (units sharing a PCare poli code); in doubt a person picks (the worklist).
* Transient errors retry with exponential backoff + jitter up to a cap, then go to the
  worklist; permanent errors go to the worklist at once with BPJS's reason in Indonesian.
  A refusal of our keys or clock is neither: it holds that service's rows (akses.py).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections as db_connections
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from antrean.models import Tiket
from integrasi import outbox
from integrasi.selectors import konfigurasi_bpjs  # the visit's Puskesmas' own credentials
from pendaftaran.models import Kunjungan, Penjamin, StatusKunjungan, Sumber

from . import akses, breaker
from .client import (
    AntreanRequest,
    BpjsAksesDitolak,
    BpjsClient,
    BpjsConfig,
    BpjsError,
    BpjsNotFound,
    BpjsPermanentError,
    BpjsTransientError,
    BpjsValidationError,
    JadwalDokter,
    PendaftaranPcare,
    PendaftaranRequest,
    Peserta,
)
from .models import (
    STATUS_MENUNGGU,
    STATUS_SELESAI_OK,
    AksiWorklist,
    HasilPercobaan,
    JenisPermintaan,
    PercobaanBpjs,
    PermintaanBpjs,
    Rantai,
    StatusPermintaan,
    StatusPeserta,
    TindakanWorklist,
)

log = logging.getLogger(__name__)

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


# --- Settings (all overridable; tests shrink the times) ---------------------------------------


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


# --- Publishing -----------------------------------------------------------------------------


# After a failed publish this process stops trying for a few seconds: the rows are safe in the
# database and the sweep publishes them; hammering a dead broker only adds latency.
_broker_mati_sampai = 0.0
JEDA_BROKER_MATI = 5.0


def _antrekan(ids: Iterable[int], *, countdown: float | None = None, paksa: bool = False) -> int:
    """Publish one Celery message per row. Never raises: with the broker down the rows stay
    in the database, unmarked, and the sweep publishes them when it is back."""
    global _broker_mati_sampai
    from .tasks import proses_permintaan

    if not paksa and time.monotonic() < _broker_mati_sampai:
        return 0
    terkirim: list[int] = []
    for pk in ids:
        try:
            proses_permintaan.apply_async((pk,), countdown=countdown, retry=False)
        except Exception:  # broker down/unreachable: the sweep covers it
            log.warning("Broker tidak tersedia; permintaan BPJS #%s menunggu sapuan", pk)
            _broker_mati_sampai = time.monotonic() + JEDA_BROKER_MATI
            break  # the broker is down for the rest too; do not wait on each of them
        terkirim.append(pk)
    if terkirim:
        PermintaanBpjs.objects.filter(pk__in=terkirim).update(diantrekan_pada=timezone.now())
    return len(terkirim)


_pelaksana: ThreadPoolExecutor | None = None
_pelaksana_kunci = threading.Lock()


def _latar(ids: list[int], countdown: float | None) -> None:
    try:
        _antrekan(ids, countdown=countdown)
    except Exception:  # the rows are in the database; the sweep will publish them
        log.exception("Gagal menerbitkan permintaan BPJS %s", ids)
    finally:
        db_connections.close_all()  # this thread's own connection; the next job reopens


def _terbitkan(ids: list[int], countdown: float | None) -> None:
    """Publish from a background thread by default: a broker that is slow or down (a refused
    connection can still cost seconds of kombu's connect timeout) never delays the officer's
    response. BPJS_TERBIT_LATAR=False publishes inline (deterministic tests), True always in
    the background; unset means "in the background unless the database is SQLite"."""
    global _pelaksana
    latar = getattr(settings, "BPJS_TERBIT_LATAR", None)
    if latar is None:
        # Unset: SQLite (the embedded set-up, filesystem broker that cannot hang) publishes
        # inline, where a second writer thread would only add lock contention.
        latar = db_connections["default"].vendor != "sqlite"
    if not latar:
        _antrekan(ids, countdown=countdown)
        return
    with _pelaksana_kunci:
        if _pelaksana is None:
            _pelaksana = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bpjs-terbit")
    _pelaksana.submit(_latar, ids, countdown)


def _antrekan_setelah_commit(ids: list[int], *, countdown: float | None = None) -> None:
    if ids:
        transaction.on_commit(lambda: _terbitkan(ids, countdown))


def _siap(qs):
    """Rows whose predecessor is settled (or cancelled, so they can cancel themselves)."""
    return outbox.siap(qs)


# --- Writing the outbox (inside the caller's transaction) ------------------------------------


def _baru(
    kunjungan: Kunjungan,
    jenis: str,
    rantai: str,
    *,
    setelah: PermintaanBpjs | None = None,
    tiket: Tiket | None = None,
    payload: dict[str, Any] | None = None,
    jadwal: datetime | None = None,
    simpan: bool = True,
) -> PermintaanBpjs:
    row = PermintaanBpjs(
        puskesmas_id=kunjungan.puskesmas_id,
        kunjungan=kunjungan,
        tiket=tiket,
        jenis=jenis,
        rantai=rantai,
        setelah=setelah,
        payload=payload or {},
        jadwal=jadwal or timezone.now(),
    )
    if simpan:
        row.save(force_insert=True)
    return row


def _terakhir(kunjungan: Kunjungan, rantai: str) -> PermintaanBpjs | None:
    return PermintaanBpjs.objects.filter(kunjungan=kunjungan, rantai=rantai).order_by("-pk").first()


def outbox_kunjungan_baru(
    *, kunjungan: Kunjungan, tiket: Tiket | None = None, **_: Any
) -> list[PermintaanBpjs]:
    """The BPJS work a new BPJS visit needs, written in the visit's own transaction:

    cek_peserta ─▶ pendaftaran_add (PCare), and ─▶ antrean_add (Mobile JKN, walk-ins only:
    a Mobile JKN booking is already known to BPJS). Units without a PCare poli code (UGD,
    lab, pharmacy) only get the eligibility check.

    `tiket` is the ticket just issued, when the publisher has it (saves reading it back). The
    eligibility check is inserted first (the rows behind it point at it), the rest together.
    """
    if kunjungan.penjamin != Penjamin.BPJS:
        return []
    pasien = kunjungan.pasien
    unit = kunjungan.unit
    no_kartu = pasien.no_bpjs or ""
    # No card (lost): the eligibility check looks the participant up by NIK and fills the card
    # number in for the rows behind it (_no_kartu).
    cek = _baru(
        kunjungan,
        J.CEK_PESERTA,
        Rantai.PCARE,
        payload={"no_kartu": no_kartu, **({} if no_kartu else {"nik": pasien.nik or ""})},
    )
    rows = [cek]
    kd_poli = unit.kd_poli_pcare
    if kd_poli:
        # PCare registers visits of the day; a Mobile JKN booking for a later day is checked
        # now but registered when its day starts (the beat sweep publishes it then).
        hari_kunjungan = None
        if kunjungan.tanggal > timezone.localdate():
            from pendaftaran.services import awal_hari

            hari_kunjungan = awal_hari(kunjungan.tanggal)
        berikut = [
            _baru(
                kunjungan,
                J.PENDAFTARAN_ADD,
                Rantai.PCARE,
                setelah=cek,
                payload={"no_kartu": no_kartu, "kd_poli": kd_poli},
                jadwal=hari_kunjungan,
                simpan=False,
            )
        ]
        if kunjungan.sumber != Sumber.MOBILE_JKN:
            if tiket is None:
                tiket = kunjungan.tiket.order_by("pk").first()
            if tiket is not None:
                berikut.append(
                    _baru(
                        kunjungan,
                        J.ANTREAN_ADD,
                        Rantai.ANTREAN,
                        setelah=cek,
                        tiket=tiket,
                        payload={"no_kartu": no_kartu, "kodepoli": kd_poli},
                        simpan=False,
                    )
                )
        rows += PermintaanBpjs.objects.bulk_create(berikut)
    _antrekan_setelah_commit([cek.pk])
    return rows


def outbox_kunjungan_batal(*, kunjungan: Kunjungan) -> list[PermintaanBpjs]:
    """A visit was cancelled: undo at BPJS what was (or may have been) done, in order.

    Work that provably never reached BPJS is simply cancelled. A registration that reached
    BPJS — or may have — gets a delete queued behind it, so the delete runs only once the
    add is settled and its noUrut known."""
    baru: list[PermintaanBpjs] = []
    rows = list(
        PermintaanBpjs.objects.select_for_update().filter(kunjungan=kunjungan).order_by("pk")
    )
    if not rows and not (
        kunjungan.penjamin == Penjamin.BPJS
        and kunjungan.sumber == Sumber.MOBILE_JKN
        and not kunjungan.alasan_batal.startswith(ALASAN_BATAL_JKN)
    ):
        return []
    sekarang = timezone.now()

    def batalkan(row: PermintaanBpjs) -> None:
        row.status = S.DIBATALKAN
        row.selesai_pada = sekarang
        row.pesan_galat = "Kunjungan dibatalkan sebelum dikirim ke BPJS."
        row.save(update_fields=["status", "selesai_pada", "pesan_galat", "diubah_pada"])

    belum_terkirim = [r for r in rows if r.status in STATUS_MENUNGGU and not r.ambigu]
    for row in rows:
        if row.jenis == J.CEK_PESERTA and row.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL):
            batalkan(row)

    add = next((r for r in reversed(rows) if r.jenis == J.PENDAFTARAN_ADD), None)
    if add is not None:
        hapus = _hapus_pendaftaran_setelah(kunjungan, add)
        if hapus is not None:
            baru.append(hapus)
        elif add.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL):
            batalkan(add)

    antrean = [r for r in rows if r.rantai == Rantai.ANTREAN]
    add_antrean = next((r for r in antrean if r.jenis == J.ANTREAN_ADD), None)
    if add_antrean is not None and add_antrean in belum_terkirim:
        for row in antrean:
            if row.status in STATUS_MENUNGGU or row.status == S.GAGAL_FINAL:
                batalkan(row)
    elif (add_antrean is not None and add_antrean.status != S.DIBATALKAN) or (
        add_antrean is None and kunjungan.sumber == Sumber.MOBILE_JKN
    ):
        # A cancelled add never held an entry (e.g. another unit sharing the code holds it):
        # a batal, keyed on card + poli + day, would cancel that visit's entry instead.
        jkn_sendiri = kunjungan.alasan_batal.startswith(ALASAN_BATAL_JKN)
        sudah_batal = any(r.jenis == J.ANTREAN_BATAL for r in antrean)
        if not jkn_sendiri and not sudah_batal and kunjungan.unit.kd_poli_pcare:
            for row in antrean:  # a call not yet sent no longer matters
                if row.jenis == J.ANTREAN_PANGGIL and row in belum_terkirim:
                    batalkan(row)
            # Behind the last row still in force: a call cancelled just above would otherwise
            # cancel the batal with it ("pendahulu dibatalkan").
            ekor = next((r for r in reversed(antrean) if r.status != S.DIBATALKAN), None)
            baru.append(
                _baru(
                    kunjungan,
                    J.ANTREAN_BATAL,
                    Rantai.ANTREAN,
                    setelah=ekor,
                    tiket=kunjungan.tiket.order_by("pk").first(),
                    payload={
                        "no_kartu": kunjungan.pasien.no_bpjs or "",
                        "kodepoli": kunjungan.unit.kd_poli_pcare,
                        "alasan": kunjungan.alasan_batal or "Kunjungan dibatalkan",
                    },
                )
            )
    _antrekan_setelah_commit([r.pk for r in baru])
    return baru


def _hapus_pendaftaran_setelah(kunjungan: Kunjungan, add: PermintaanBpjs) -> PermintaanBpjs | None:
    """Queue a PCare delete behind a registration that reached BPJS or may have.

    An uncertain add that had already given up is put back in line: it now only reconciles
    (the visit is no longer BPJS, so it is never sent again), and the delete behind it then
    removes what it finds, or cancels itself when there was nothing."""
    if add.status == S.BERHASIL or (add.ambigu and add.status != S.DIBATALKAN):
        if add.status == S.GAGAL_FINAL:
            PermintaanBpjs.objects.filter(pk=add.pk).update(
                status=S.GAGAL_SEMENTARA, jadwal=timezone.now(), diantrekan_pada=None
            )
        return _baru(
            kunjungan, J.PENDAFTARAN_DELETE, Rantai.PCARE, setelah=add, payload=dict(add.payload)
        )
    return None


def outbox_antrean_panggil(*, tiket: Tiket, hadir: bool = True) -> PermintaanBpjs | None:
    """Tell Mobile JKN the patient was called (hadir) or did not come (tidak hadir), queued
    behind the ticket's earlier antrean events. Only the visit's first ticket is the Mobile
    JKN queue place; a repeated call with the same status is not sent twice."""
    if tiket.sebelumnya_id is not None:
        return None
    kunjungan = tiket.kunjungan
    kd_poli = tiket.unit.kd_poli_pcare
    if kunjungan.penjamin != Penjamin.BPJS or not kd_poli:
        return None
    status = 1 if hadir else 2
    ekor = _terakhir(kunjungan, Rantai.ANTREAN)
    if ekor is None and kunjungan.sumber != Sumber.MOBILE_JKN:
        return None  # never announced to BPJS: nothing to update
    if ekor is not None:
        if ekor.jenis == J.ANTREAN_BATAL:
            return None
        if ekor.jenis == J.ANTREAN_PANGGIL and ekor.payload.get("status") == status:
            return None
    row = _baru(
        kunjungan,
        J.ANTREAN_PANGGIL,
        Rantai.ANTREAN,
        setelah=ekor,
        tiket=tiket,
        payload={
            "no_kartu": kunjungan.pasien.no_bpjs or "",
            "kodepoli": kd_poli,
            "status": status,
            "waktu_ms": int(time.time() * 1000),
        },
    )
    if ekor is None or ekor.status in STATUS_SELESAI_OK:
        _antrekan_setelah_commit([row.pk])
    return row


# --- Processing one row ------------------------------------------------------------------------


@dataclass
class Hasil:
    status: str  # berhasil | dibatalkan
    data: dict[str, Any]
    cara: str = HasilPercobaan.BERHASIL


def _klaim(pk: int, pekerja: str, sekarang: datetime) -> bool:
    # Taking over a stale claim marks the row ambigu: that worker may have sent the call.
    return outbox.klaim(PermintaanBpjs, pk, pekerja=pekerja, kedaluwarsa=klaim_kedaluwarsa())


def _milik(row: PermintaanBpjs):
    """The row, only while it is still ours: a worker that was presumed dead and overtaken
    must not overwrite what the new owner saved."""
    return outbox.milik(row)


def _lepas(row: PermintaanBpjs, *, jadwal: datetime | None = None, **ubah: Any) -> None:
    """Give the claim back without counting an attempt (predecessor not ready, breaker open)."""
    outbox.lepas(row, jadwal=jadwal, **ubah)


def _penerus_siap(row: PermintaanBpjs) -> list[int]:
    return list(
        PermintaanBpjs.objects.filter(setelah=row, status__in=STATUS_MENUNGGU).values_list(
            "pk", flat=True
        )
    )


def permintaan_proses(*, permintaan_id: int, pekerja: str | None = None) -> str:
    """Process one outbox row. Returns a short word for logs and tests."""
    pekerja = pekerja or nama_pekerja()
    sekarang = timezone.now()
    if not _klaim(permintaan_id, pekerja, sekarang):
        return "tidak_diklaim"
    row = PermintaanBpjs.objects.select_related(
        "kunjungan__pasien", "kunjungan__unit", "puskesmas", "setelah", "tiket"
    ).get(pk=permintaan_id)

    if row.setelah_id is not None:
        pendahulu = row.setelah.status  # type: ignore[union-attr]
        if pendahulu == S.DIBATALKAN:
            _simpan(row, Hasil(S.DIBATALKAN, {"alasan": "pendahulu dibatalkan"}), None)
            return "dibatalkan"
        if pendahulu not in STATUS_SELESAI_OK:
            _lepas(row)  # published again when the predecessor settles
            return "menunggu_pendahulu"

    if _tidak_relevan(row) and not row.ambigu:
        _simpan(row, Hasil(S.DIBATALKAN, {"alasan": "kunjungan batal / bukan BPJS"}), None)
        return "dibatalkan"

    izin = breaker.minta_izin(row.puskesmas_id)
    if not izin.boleh:
        tunda = timezone.now() + timedelta(seconds=max(izin.tunda_sampai - time.time(), 1))
        _lepas(row, jadwal=tunda, diantrekan_pada=None)
        return "ditunda_pemutus"

    mulai = timezone.now()
    t0 = time.monotonic()
    layanan = "antrean" if row.rantai == Rantai.ANTREAN else "pcare"
    konfigurasi: BpjsConfig | None = None
    try:
        with BpjsClient(konfigurasi_bpjs(row.puskesmas_id)) as client:
            konfigurasi = client.config
            tahanan = akses.ditahan(row.puskesmas_id, layanan, konfigurasi)
            if tahanan is not None:
                # BPJS refused our keys or clock: wait for the fix, spend nothing.
                _lepas(
                    row,
                    jadwal=tahanan.coba_setelah_dt,
                    diantrekan_pada=None,
                    kode_galat=tahanan.kode,
                    pesan_galat=tahanan.pesan[:500],
                )
                return "ditahan_akses"
            hasil = PENANGAN[row.jenis](row, client)
    except BpjsAksesDitolak as exc:
        assert konfigurasi is not None
        breaker.catat_berhasil(row.puskesmas_id)  # BPJS answered: it is up, not an outage
        tahanan = akses.catat_ditolak(row.puskesmas_id, exc, konfigurasi)
        return _ditolak_akses(row, exc, tahanan, mulai, t0)
    except BpjsTransientError as exc:
        breaker.catat_gagal(row.puskesmas_id, probe=izin.probe)
        return _gagal_sementara(row, exc, mulai, t0)
    except BpjsPermanentError as exc:
        if not isinstance(exc, DataTidakLengkap):
            breaker.catat_berhasil(row.puskesmas_id)  # BPJS answered: it is up
        _gagal_final(row, exc, mulai, t0)
        return "gagal_final"
    except Exception as exc:  # a bug of ours: keep the row, retry later, shout in the log
        log.exception("Galat tak terduga memproses permintaan BPJS #%s", row.pk)
        if izin.probe:
            breaker.catat_gagal(row.puskesmas_id, probe=True)
        galat = BpjsTransientError(f"Galat internal: {type(exc).__name__}")
        galat.code = None
        return _gagal_sementara(row, galat, mulai, t0, kode="galat_internal")
    breaker.catat_berhasil(row.puskesmas_id)
    if konfigurasi is not None and akses.catat_berhasil(row.puskesmas_id, layanan, konfigurasi):
        lepas_antrean_tertunda(puskesmas_id=row.puskesmas_id)  # fixed: the held rows go now
    _simpan(row, hasil, (mulai, t0))
    return hasil.status


def _tidak_relevan(row: PermintaanBpjs) -> bool:
    k = row.kunjungan
    if row.jenis in (J.PENDAFTARAN_DELETE, J.ANTREAN_BATAL):
        return False
    if k.status == StatusKunjungan.BATAL:
        return True
    return row.rantai == Rantai.PCARE and k.penjamin != Penjamin.BPJS


def _percobaan(
    row: PermintaanBpjs,
    waktu: tuple[datetime, float],
    hasil: str,
    *,
    ke: int,
    kode: str = "",
    pesan: str = "",
) -> None:
    mulai, t0 = waktu
    PercobaanBpjs.objects.create(
        permintaan=row,
        ke=ke,
        mulai=mulai,
        durasi_ms=int((time.monotonic() - t0) * 1000),
        hasil=hasil,
        kode_galat=kode[:40],
        pesan_galat=pesan[:500],
        pekerja=row.diklaim_oleh,
    )


def _simpan(row: PermintaanBpjs, hasil: Hasil, waktu: tuple[datetime, float] | None) -> None:
    sekarang = timezone.now()
    with transaction.atomic():
        if not outbox.tuntas(row, status=hasil.status, hasil=hasil.data, dihitung=bool(waktu)):
            log.warning("Permintaan BPJS #%s diambil alih pekerja lain; hasil dibuang", row.pk)
            return
        if waktu is not None:
            _percobaan(row, waktu, hasil.cara, ke=row.percobaan + 1)
        if row.jenis == J.CEK_PESERTA and hasil.status == S.BERHASIL:
            _simpan_status_peserta(row.puskesmas_id, hasil.data, sekarang)
        _antrekan_setelah_commit(_penerus_siap(row))


def _gagal_sementara(
    row: PermintaanBpjs,
    exc: BpjsError,
    mulai: datetime,
    t0: float,
    *,
    kode: str = "",
) -> str:
    ke = row.percobaan + 1
    kode = kode or f"{type(exc).__name__}{'/' + str(exc.code) if exc.code else ''}"
    final = ke >= percobaan_maks()
    jeda = jeda_backoff(ke)
    sekarang = timezone.now()
    pesan = exc.message
    if final:
        pesan = f"{exc.message} (gagal {ke} kali; dicoba lagi hanya lewat worklist)"
    with transaction.atomic():
        n = _milik(row).update(
            status=S.GAGAL_FINAL if final else S.GAGAL_SEMENTARA,
            percobaan=ke,
            jadwal=sekarang + timedelta(seconds=jeda),
            # The request may have been processed by BPJS even though we saw no answer.
            ambigu=True,
            kode_galat=kode[:40],
            pesan_galat=pesan[:500],
            diklaim_pada=None,
            diubah_pada=sekarang,
        )
        if not n:
            return "diambil_alih"
        _percobaan(
            row, (mulai, t0), HasilPercobaan.GAGAL_SEMENTARA, ke=ke, kode=kode, pesan=exc.message
        )
        if not final:
            _antrekan_setelah_commit([row.pk], countdown=jeda)
    return "gagal_final" if final else "gagal_sementara"


def _ditolak_akses(
    row: PermintaanBpjs, exc: BpjsAksesDitolak, tahanan: akses.Tahanan, mulai: datetime, t0: float
) -> str:
    """The attempt is logged; the row waits behind the hold without a retry counted against
    its cap and without being marked uncertain (a refused request was not processed)."""
    ke = row.percobaan + 1
    sekarang = timezone.now()
    with transaction.atomic():
        n = _milik(row).update(
            # Not counted in `percobaan`: the cap is for outages, and a hold may last hours.
            status=S.GAGAL_SEMENTARA if row.percobaan else S.MENUNGGU,
            jadwal=tahanan.coba_setelah_dt,
            kode_galat=tahanan.kode[:40],
            pesan_galat=tahanan.pesan[:500],
            diklaim_pada=None,
            diantrekan_pada=None,
            diubah_pada=sekarang,
        )
        if not n:
            return "diambil_alih"
        _percobaan(
            row,
            (mulai, t0),
            HasilPercobaan.GAGAL_PERMANEN,
            ke=ke,
            kode=tahanan.kode,
            pesan=exc.message,
        )
    return "ditolak_akses"


def _gagal_final(row: PermintaanBpjs, exc: BpjsError, mulai: datetime, t0: float) -> None:
    ke = row.percobaan + 1
    kode = getattr(exc, "kode", "") or (
        f"{type(exc).__name__}{'/' + str(exc.code) if exc.code else ''}"
    )
    data = getattr(exc, "data", None) or {}
    sekarang = timezone.now()
    with transaction.atomic():
        n = _milik(row).update(
            status=S.GAGAL_FINAL,
            percobaan=ke,
            kode_galat=kode[:40],
            pesan_galat=exc.message[:500],
            hasil=data,
            diklaim_pada=None,
            diubah_pada=sekarang,
        )
        if not n:
            return
        _percobaan(
            row,
            (mulai, t0),
            HasilPercobaan.GAGAL_PERMANEN,
            ke=ke,
            kode=kode,
            pesan=exc.message,
        )
        if row.jenis == J.CEK_PESERTA and data.get("no_kartu"):
            _simpan_status_peserta(row.puskesmas_id, data, sekarang)


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


# --- One handler per kind of call ----------------------------------------------------------------


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


def _cek_peserta(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    no_kartu = row.payload.get("no_kartu") or ""
    nik = row.payload.get("nik") or ""
    if no_kartu:
        p = client.peserta_by_noka(no_kartu)
    elif nik:
        p = client.peserta_by_nik(nik)  # card lost: BPJS knows the participant by NIK
        _kartu_dari_bpjs(row, p.no_kartu)
    else:
        raise DataTidakLengkap("No. kartu BPJS dan NIK pasien kosong: isi di data pasien.")
    data = _data_peserta(p)
    kode_kami = row.puskesmas.kode_faskes
    if not p.aktif:
        menunggak = p.tunggakan > 0 or "TUNGGAK" in p.ket_aktif.upper()
        ket = p.ket_aktif or "TIDAK AKTIF"
        galat = MasalahKepesertaan(
            f"Peserta tidak aktif di BPJS ({ket}"
            + (f", tunggakan Rp{p.tunggakan:,}".replace(",", ".") if p.tunggakan else "")
            + "). Beri tahu pasien; ubah penjamin ke umum, atau tandai selesai bila status "
            "sudah dibereskan."
        )
        galat.kode = "menunggak" if menunggak else "tidak_aktif"  # type: ignore[attr-defined]
        galat.data = data  # type: ignore[attr-defined]
        raise galat
    if kode_kami and p.kd_provider and p.kd_provider != kode_kami:
        galat = MasalahKepesertaan(
            f"Peserta terdaftar di FKTP lain: {p.nm_provider or '-'} ({p.kd_provider}). "
            "Beri tahu pasien; ubah penjamin ke umum, atau tandai selesai bila boleh dilayani "
            "(mis. kunjungan darurat / luar wilayah)."
        )
        galat.kode = "fktp_lain"  # type: ignore[attr-defined]
        galat.data = data  # type: ignore[attr-defined]
        raise galat
    return Hasil(S.BERHASIL, data)


def _kartu_dari_bpjs(row: PermintaanBpjs, no_kartu: str) -> None:
    """Store the card number BPJS returned for a NIK on a patient who had none, unless another
    patient of this Puskesmas already holds it (that is for a person to sort out)."""
    from audit.services import catat
    from pendaftaran.models import Pasien

    pasien = row.kunjungan.pasien
    if not no_kartu or pasien.no_bpjs:
        return
    if Pasien.objects.filter(puskesmas_id=pasien.puskesmas_id, no_bpjs=no_kartu).exists():
        return
    if Pasien.objects.filter(pk=pasien.pk, no_bpjs__isnull=True).update(no_bpjs=no_kartu):
        catat(
            aksi="pasien_ubah",
            objek=pasien,
            puskesmas=pasien.puskesmas_id,
            keterangan="No. kartu BPJS diisi dari BPJS (dicari lewat NIK)",
        )


class RekonsiliasiRagu(BpjsPermanentError):
    """More than one PCare registration could be this visit's and nothing tells them apart:
    adopting one could take another visit's registration, so a person picks (worklist)."""


def _milik_kunjungan_lain(row: PermintaanBpjs) -> tuple[set[str], list[PermintaanBpjs]]:
    """What our other visits of that day hold in PCare: the noUrut values they own (a
    registration not deleted since), and their registrations for the same card and poli whose
    outcome is still unknown (they may own one of the candidates without knowing it yet)."""
    no_kartu = _no_kartu(row)
    kd_poli = row.payload.get("kd_poli")
    lain = (
        PermintaanBpjs.objects.filter(
            puskesmas_id=row.puskesmas_id,
            jenis=J.PENDAFTARAN_ADD,
            kunjungan__tanggal=row.kunjungan.tanggal,
        )
        .exclude(kunjungan_id=row.kunjungan_id)
        .select_related("kunjungan", "setelah")
    )
    dihapus = set(
        PermintaanBpjs.objects.filter(
            setelah__in=lain, jenis=J.PENDAFTARAN_DELETE, status=S.BERHASIL
        ).values_list("setelah_id", flat=True)
    )
    dimiliki: set[str] = set()
    ragu: list[PermintaanBpjs] = []
    for r in lain:
        no_urut = (r.hasil or {}).get("noUrut")
        if no_urut and r.pk not in dihapus:
            dimiliki.add(str(no_urut))
        elif (
            r.ambigu
            and r.status not in (*STATUS_SELESAI_OK, S.DIBATALKAN)
            and r.payload.get("kd_poli") == kd_poli
            and _no_kartu(r) == no_kartu
        ):
            ragu.append(r)
    return dimiliki, ragu


def _cocok(item: PendaftaranPcare, kunjungan: Kunjungan, kd_tkp: str = "10") -> bool:
    """Does a PCare registration carry what we sent for this visit? Fields BPJS leaves empty
    in the day list are not held against it."""
    keluhan = (kunjungan.keluhan or "").strip()
    if item.keluhan and item.keluhan.strip() != keluhan:
        return False
    if item.kunj_sakit is not None and item.kunj_sakit is not True:
        return False
    return not (item.kd_tkp and item.kd_tkp != kd_tkp)


def _cari_di_pcare(client: BpjsClient, row: PermintaanBpjs) -> PendaftaranPcare | None:
    """This visit's registration in the day's PCare list, or None when it has none.

    Never adopts a registration another of our visits holds (two units sharing one PCare poli
    code, the same card registered at both): a candidate must match the card, the poli and
    what we sent (complaint, sick visit, TKP), and must not be a noUrut another visit owns.
    When two candidates remain, or another visit whose outcome is unknown matches the same
    one, it raises RekonsiliasiRagu with the candidates for a person to choose."""
    tgl = row.kunjungan.tanggal
    no_kartu = _no_kartu(row)
    kd_poli = row.payload.get("kd_poli")
    semua: list[PendaftaranPcare] = []
    start, limit = 0, 100
    for _ in range(100):  # 10,000 registrations a day is far beyond any Puskesmas
        halaman = client.pendaftaran_by_tanggal(tgl, start=start, limit=limit)
        semua.extend(i for i in halaman if i.no_kartu == no_kartu and i.kd_poli == kd_poli)
        if len(halaman) < limit:
            break
        start += limit
    if not semua:
        return None
    dimiliki, ragu = _milik_kunjungan_lain(row)
    kandidat = [i for i in semua if i.no_urut not in dimiliki and _cocok(i, row.kunjungan)]
    if not kandidat:
        return None
    saingan = [r for r in ragu if any(_cocok(i, r.kunjungan) for i in kandidat)]
    if len(kandidat) == 1 and not saingan:
        return kandidat[0]
    daftar = "; ".join(
        f"{i.no_urut} ({i.nm_poli or i.kd_poli}, keluhan \u201c{i.keluhan or '-'}\u201d)"
        for i in kandidat
    )
    lain = ", ".join(f"{r.kunjungan.unit.nama} #{r.kunjungan_id}" for r in saingan)
    galat = RekonsiliasiRagu(
        f"Tidak pasti pendaftaran PCare mana milik kunjungan ini: {daftar}"
        + (f"; kunjungan lain yang belum pasti: {lain}" if lain else "")
        + ". Pilih nomor yang benar di worklist, agar tidak mengambil pendaftaran pasien lain."
    )
    galat.kode = "rekonsiliasi_ragu"  # type: ignore[attr-defined]
    galat.data = {  # type: ignore[attr-defined]
        "kandidat": [
            {"noUrut": i.no_urut, "nmPoli": i.nm_poli, "keluhan": i.keluhan, "status": i.status}
            for i in kandidat
        ],
        "kunjungan_lain": [r.kunjungan_id for r in saingan],
    }
    raise galat


def _pendaftaran_add(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    k = row.kunjungan
    if row.ambigu:
        # An earlier attempt may have registered the visit already: look before sending.
        ada = _cari_di_pcare(client, row)
        if ada is not None:
            return Hasil(
                S.BERHASIL,
                {"noUrut": ada.no_urut, "rekonsiliasi": True},
                HasilPercobaan.REKONSILIASI,
            )
        if _tidak_relevan(row):
            return Hasil(S.DIBATALKAN, {"alasan": "kunjungan batal; tidak ada di PCare"})
    cek = row.setelah
    data_cek = cek.hasil if cek is not None else {}
    kd_provider = data_cek.get("kd_provider") or row.puskesmas.kode_faskes
    req = PendaftaranRequest(
        kd_provider_peserta=kd_provider,
        tgl_daftar=k.tanggal,
        no_kartu=_no_kartu(row),
        kd_poli=row.payload["kd_poli"],
        # Every poli a walk-in is registered to here is a sick visit; healthy visits (KB,
        # imunisasi) are not separate units in this app yet.
        kunj_sakit=True,
        keluhan=k.keluhan or None,
    )
    try:
        no_urut = client.pendaftaran_add(req)
    except BpjsValidationError as exc:
        if row.ambigu:
            # "Already registered" after an uncertain attempt may be our own earlier request.
            ada = _cari_di_pcare(client, row)
            if ada is not None:
                return Hasil(
                    S.BERHASIL,
                    {"noUrut": ada.no_urut, "rekonsiliasi": True},
                    HasilPercobaan.REKONSILIASI,
                )
        pemegang = _pendaftaran_pemegang(row)
        teks = f"{exc.bpjs_message or ''} {exc.message}".lower()
        if pemegang is not None and "sudah terdaftar" in teks:
            # Say whose registration it is, so the person knows what to do with this one.
            galat = BpjsValidationError(
                f"{exc.message} Pendaftaran PCare itu milik kunjungan lain hari ini: "
                f"{pemegang.kunjungan.unit.nama} (No. urut {pemegang.hasil['noUrut']}), "
                "karena unit ini memakai kode poli PCare yang sama. Tandai selesai bila "
                "kunjungan ini cukup tercatat di sana, atau ubah penjamin ke umum.",
                code=exc.code,
                bpjs_message=exc.bpjs_message,
                fields=exc.fields,
            )
            galat.kode = "terdaftar_kunjungan_lain"  # type: ignore[attr-defined]
            raise galat from exc
        raise
    return Hasil(S.BERHASIL, {"noUrut": no_urut})


def _pendaftaran_pemegang(row: PermintaanBpjs) -> PermintaanBpjs | None:
    """Another visit of ours that holds a PCare registration today for this card and poli."""
    no_kartu = _no_kartu(row)
    for r in (
        PermintaanBpjs.objects.filter(
            puskesmas_id=row.puskesmas_id,
            jenis=J.PENDAFTARAN_ADD,
            status__in=STATUS_SELESAI_OK,
            kunjungan__tanggal=row.kunjungan.tanggal,
            payload__kd_poli=row.payload.get("kd_poli"),
        )
        .exclude(kunjungan_id=row.kunjungan_id)
        .select_related("kunjungan__unit", "setelah")
        .order_by("pk")
    ):
        if (r.hasil or {}).get("noUrut") and _no_kartu(r) == no_kartu:
            return r
    return None


def _pendaftaran_delete(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    add = row.setelah
    no_urut = (add.hasil if add is not None else {}).get("noUrut")
    if not no_urut:
        return Hasil(S.DIBATALKAN, {"alasan": "tidak ada noUrut PCare untuk dihapus"})
    dimiliki, _ = _milik_kunjungan_lain(add)
    if str(no_urut) in dimiliki:
        # Never delete what another of our visits holds, whatever this row's data says.
        galat = RekonsiliasiRagu(
            f"No. urut PCare {no_urut} tercatat juga untuk kunjungan lain; tidak dihapus. "
            "Periksa di PCare pendaftaran mana yang harus dihapus."
        )
        galat.kode = "noUrut_milik_lain"  # type: ignore[attr-defined]
        raise galat
    try:
        client.pendaftaran_delete(
            _no_kartu(row), row.kunjungan.tanggal, no_urut, row.payload["kd_poli"]
        )
    except BpjsNotFound:
        # Already gone (our own earlier, unanswered delete): the goal is reached.
        return Hasil(S.BERHASIL, {"noUrut": no_urut, "sudah_tidak_ada": True})
    return Hasil(S.BERHASIL, {"noUrut": no_urut, "dihapus": True})


def _jam(teks: str) -> tuple[dt_time, dt_time] | None:
    """ "08:00-12:00" → (08:00, 12:00); None when BPJS sent something else."""
    try:
        awal, akhir = (datetime.strptime(x.strip(), "%H:%M").time() for x in teks.split("-"))
    except ValueError:
        return None
    return awal, akhir


def pilih_jadwal(jadwal: list[JadwalDokter], pada: dt_time) -> JadwalDokter | None:
    """The session in force at the patient's time: the one whose hours contain it, else the
    next to start, else the last of the day (a patient after the last session)."""
    berjam = sorted(
        ((j, jam) for j in jadwal if (jam := _jam(j.jampraktek)) is not None),
        key=lambda x: x[1][0],
    )
    for j, (awal, akhir) in berjam:
        if awal <= pada < akhir:
            return j
    for j, (awal, _) in berjam:
        if pada < awal:
            return j
    if berjam:
        return berjam[-1][0]
    return jadwal[0] if jadwal else None


def _jadwal_dokter(
    client: BpjsClient, kodepoli: str, tanggal, pada: dt_time
) -> JadwalDokter | None:
    """The day's schedule for a poli comes from BPJS, cached briefly (a schedule can change
    during the day); the session is chosen per patient, never "the first of the day"."""
    kunci = f"bpjs:jadwal:{client.config.cons_id}:{kodepoli}:{tanggal:%Y%m%d}"  # per cons-id
    ada = cache.get(kunci)
    if ada is not None:
        jadwal = [JadwalDokter(**j) for j in ada]
    else:
        jadwal = client.ref_dokter(kodepoli, tanggal)
        cache.set(kunci, [j.__dict__ for j in jadwal], int(_s("BPJS_JADWAL_CACHE", 600)))
    return pilih_jadwal(jadwal, pada)


def _antrean_add(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    k = row.kunjungan
    pasien = k.pasien
    tiket = row.tiket
    if _tidak_relevan(row):
        # Only reached for an uncertain earlier attempt of a cancelled visit. Antrean FKTP has
        # no read-back, so never send again: the antrean batal queued behind settles it.
        return Hasil(S.BERHASIL, {"tidak_pasti": True})
    if not pasien.nik or tiket is None:
        raise DataTidakLengkap("NIK pasien kosong: antrean Mobile JKN membutuhkan NIK 16 digit.")
    kodepoli = row.payload["kodepoli"]
    pemegang, ragu = _antrean_milik_lain(row)
    if pemegang is not None:
        # Antrean FKTP knows one entry per card, poli code and day: another unit sharing this
        # code already holds it. Sending ours would be refused, and our calls and cancels
        # would then move that visit's entry.
        return Hasil(
            S.DIBATALKAN,
            {"alasan": f"antrean Mobile JKN poli {kodepoli} dipegang kunjungan #{pemegang.pk}"},
        )
    try:
        # The patient's time: joining the queue (a later-day booking: the start of that day).
        pada = timezone.localtime(tiket.waktu_masuk or k.dibuat_klien).time()
        jadwal = _jadwal_dokter(client, kodepoli, k.tanggal, pada)
    except BpjsNotFound:
        jadwal = None
    if jadwal is None:
        raise DataTidakLengkap(f"BPJS tidak punya jadwal dokter untuk poli {kodepoli} hari ini.")
    req = AntreanRequest(
        nomorkartu=_no_kartu(row),
        nik=pasien.nik,
        # Mobile JKN requires a phone number; "-" says "none given" rather than inventing one.
        nohp=pasien.no_hp or "-",
        kodepoli=kodepoli,
        namapoli=k.unit.nama,
        norm=pasien.no_rm,
        tanggalperiksa=k.tanggal,
        kodedokter=jadwal.kodedokter,
        namadokter=jadwal.namadokter,
        jampraktek=jadwal.jampraktek,
        nomorantrean=tiket.kode,
        angkaantrean=tiket.nomor,
        keterangan="Didaftarkan di loket Puskesmas.",
    )
    jadwal_hasil = {
        "nomorantrean": tiket.kode,
        "kodedokter": jadwal.kodedokter,
        "namadokter": jadwal.namadokter,
        "jampraktek": jadwal.jampraktek,
    }
    try:
        client.antrean_add(req)
    except BpjsValidationError as exc:
        if row.ambigu and "sudah terdaftar" in (exc.bpjs_message or exc.message).lower():
            if ragu:
                galat = RekonsiliasiRagu(
                    "Antrean Mobile JKN sudah terdaftar, tetapi bisa milik kunjungan ini atau "
                    + ", ".join(f"#{r.kunjungan_id} ({r.kunjungan.unit.nama})" for r in ragu)
                    + ". Periksa di aplikasi Antrean FKTP, lalu tandai selesai yang benar."
                )
                galat.kode = "rekonsiliasi_ragu"  # type: ignore[attr-defined]
                raise galat from exc
            return Hasil(S.BERHASIL, {**jadwal_hasil, "rekonsiliasi": True})
        raise
    return Hasil(S.BERHASIL, jadwal_hasil)


def _antrean_milik_lain(
    row: PermintaanBpjs,
) -> tuple[Kunjungan | None, list[PermintaanBpjs]]:
    """Another of our visits that holds this card's Antrean FKTP entry for the poli code and
    day (its add went through, or it is a Mobile JKN booking, and it was not cancelled), and
    other visits whose add may have reached BPJS without us knowing."""
    k = row.kunjungan
    no_kartu = _no_kartu(row)
    kodepoli = row.payload.get("kodepoli")
    lain = (
        Kunjungan.objects.filter(
            puskesmas_id=k.puskesmas_id,
            tanggal=k.tanggal,
            unit__kd_poli_pcare=kodepoli,
            pasien__no_bpjs=no_kartu,
            penjamin=Penjamin.BPJS,
        )
        .exclude(pk=k.pk)
        .exclude(status=StatusKunjungan.BATAL)
        .select_related("unit")
        .order_by("pk")
    )
    ragu: list[PermintaanBpjs] = []
    for kunj in lain:
        rows = list(
            PermintaanBpjs.objects.filter(kunjungan=kunj, rantai=Rantai.ANTREAN).order_by("pk")
        )
        if any(r.jenis == J.ANTREAN_BATAL and r.status == S.BERHASIL for r in rows):
            continue
        add = next((r for r in rows if r.jenis == J.ANTREAN_ADD), None)
        if add is None:
            if kunj.sumber == Sumber.MOBILE_JKN:
                return kunj, []
            continue
        if add.status == S.BERHASIL and not (add.hasil or {}).get("tidak_pasti"):
            return kunj, []
        if add.ambigu and add.status not in (*STATUS_SELESAI_OK, S.DIBATALKAN):
            add.kunjungan = kunj
            ragu.append(add)
    return None, ragu


def _antrean_panggil(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    client.antrean_panggil(
        tanggalperiksa=row.kunjungan.tanggal,
        kodepoli=row.payload["kodepoli"],
        nomorkartu=_no_kartu(row),
        status=int(row.payload.get("status", 1)),
        waktu=int(row.payload.get("waktu_ms") or time.time() * 1000),
    )
    return Hasil(S.BERHASIL, {"status": row.payload.get("status", 1)})


def _antrean_batal(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    try:
        client.antrean_batal(
            tanggalperiksa=row.kunjungan.tanggal,
            kodepoli=row.payload["kodepoli"],
            nomorkartu=_no_kartu(row),
            alasan=row.payload.get("alasan") or "Kunjungan dibatalkan",
        )
    except BpjsValidationError as exc:
        pesan = (exc.bpjs_message or exc.message).lower()
        # The goal is "not in the Mobile JKN queue": already cancelled, or never added.
        if "sudah dibatalkan" in pesan or "tidak ditemukan" in pesan:
            return Hasil(S.BERHASIL, {"sudah_batal": True})
        raise
    return Hasil(S.BERHASIL, {})


PENANGAN: dict[str, Callable[[PermintaanBpjs, BpjsClient], Hasil]] = {
    J.CEK_PESERTA: _cek_peserta,
    J.PENDAFTARAN_ADD: _pendaftaran_add,
    J.PENDAFTARAN_DELETE: _pendaftaran_delete,
    J.ANTREAN_ADD: _antrean_add,
    J.ANTREAN_PANGGIL: _antrean_panggil,
    J.ANTREAN_BATAL: _antrean_batal,
}


# --- The sweep and the probe -----------------------------------------------------------------


@dataclass(frozen=True)
class HasilSapuan:
    basi: int
    diantrekan: int
    probe: list[int]


def sapu(*, batas: int = 1000) -> HasilSapuan:
    """Periodic (Celery beat): recover stale claims, publish due rows whose message is missing,
    and ask for a probe where a breaker is half-open. Safe to run on several nodes at once."""
    basi = outbox.sapu_basi(PermintaanBpjs, kedaluwarsa=klaim_kedaluwarsa())
    sekarang = timezone.now()  # after: the rows just recovered are due now
    terbuka: set[int] = set()
    probe: list[int] = []
    for pkm_id in (
        PermintaanBpjs.objects.filter(status__in=STATUS_MENUNGGU)
        .order_by()
        .values_list("puskesmas_id", flat=True)
        .distinct()
    ):
        k = breaker.keadaan(pkm_id)
        if k.gangguan:
            terbuka.add(pkm_id)
            if k.status == breaker.SETENGAH:
                probe.append(pkm_id)
    lama = sekarang - timedelta(seconds=antre_ulang_setelah())
    due = (
        _siap(PermintaanBpjs.objects.filter(status__in=STATUS_MENUNGGU, jadwal__lte=sekarang))
        .filter(Q(diantrekan_pada__isnull=True) | Q(diantrekan_pada__lt=lama))
        .exclude(puskesmas_id__in=terbuka)
        .order_by("jadwal", "pk")
        .values_list("pk", flat=True)[:batas]
    )
    n = _antrekan(list(due), paksa=True)
    if probe:
        from .tasks import probe as probe_task

        for pkm_id in probe:
            try:
                probe_task.apply_async((pkm_id,), retry=False)
            except Exception:
                log.warning("Broker tidak tersedia; probe BPJS menunggu sapuan berikutnya")
                break
    return HasilSapuan(basi=basi, diantrekan=n, probe=probe)


def probe_pemutus(*, puskesmas_id: int) -> str:
    """A cheap call (one poli reference row) that tells whether BPJS is back."""
    if breaker.keadaan(puskesmas_id).status != breaker.SETENGAH:
        return "tidak_perlu"
    izin = breaker.minta_izin(puskesmas_id)
    if not izin.probe:
        return "probe_lain_berjalan"
    try:
        with BpjsClient(konfigurasi_bpjs(puskesmas_id)) as client:
            client.poli_fktp(0, 1)
    except BpjsTransientError:
        breaker.catat_gagal(puskesmas_id, probe=True)
        return "masih_gangguan"
    except BpjsPermanentError:
        pass  # an answer is an answer: BPJS is reachable
    breaker.catat_berhasil(puskesmas_id)
    return "pulih"


def akses_periksa_perubahan() -> list[int]:
    """Beat (with the sweep): where a refusal of our keys holds rows and the keys in use have
    changed since, lift the hold and release the rows now rather than at their retry time.
    Returns the Puskesmas released."""
    dilepas: list[int] = []
    for pkm_id in (
        PermintaanBpjs.objects.filter(status__in=STATUS_MENUNGGU)
        .filter(Q(kode_galat__startswith="auth_") | Q(kode_galat="login_pcare"))
        .order_by()
        .values_list("puskesmas_id", flat=True)
        .distinct()
    ):
        if pkm_id in dilepas:
            continue
        config = konfigurasi_bpjs(pkm_id)
        berubah = [t for t in akses.tahanan(pkm_id) if t.sidik != akses.sidik(config, t.layanan)]
        if berubah:
            akses.reset(pkm_id)
            lepas_antrean_tertunda(puskesmas_id=pkm_id)
            dilepas.append(pkm_id)
    return dilepas


def lepas_antrean_tertunda(*, puskesmas_id: int, batas: int = 5000) -> int:
    """BPJS is back: everything that was waiting for it is due now, not at its backoff time."""
    sekarang = timezone.now()
    PermintaanBpjs.objects.filter(
        puskesmas_id=puskesmas_id, status__in=STATUS_MENUNGGU, jadwal__gt=sekarang
    ).update(jadwal=sekarang)
    ids = list(
        _siap(PermintaanBpjs.objects.filter(puskesmas_id=puskesmas_id, status__in=STATUS_MENUNGGU))
        .order_by("pk")
        .values_list("pk", flat=True)[:batas]
    )
    return _antrekan(ids, paksa=True)


# --- Worklist actions ------------------------------------------------------------------------


def _catat_tindakan(row: PermintaanBpjs, aksi: str, oleh, catatan: str) -> None:
    sekarang = timezone.now()
    TindakanWorklist.objects.create(
        permintaan=row, aksi=aksi, oleh=oleh, catatan=(catatan or "").strip()[:300], pada=sekarang
    )
    PermintaanBpjs.objects.filter(pk=row.pk).update(ditangani_oleh=oleh, ditangani_pada=sekarang)


def _kunci_final(permintaan: PermintaanBpjs) -> PermintaanBpjs:
    row = PermintaanBpjs.objects.select_for_update().get(pk=permintaan.pk)
    if row.status != S.GAGAL_FINAL:
        raise WorklistError(
            {"status": [f"Permintaan ini sudah {row.get_status_display().lower()}; muat ulang."]}
        )
    return row


@transaction.atomic
def worklist_coba_lagi(*, permintaan: PermintaanBpjs, oleh, catatan: str = "") -> PermintaanBpjs:
    """Send it again, with a fresh attempt budget (the old attempts stay in the log)."""
    row = _kunci_final(permintaan)
    PermintaanBpjs.objects.filter(pk=row.pk).update(
        status=S.MENUNGGU, percobaan=0, jadwal=timezone.now(), diantrekan_pada=None
    )
    _catat_tindakan(row, AksiWorklist.COBA_LAGI, oleh, catatan)
    _antrekan_setelah_commit([row.pk])
    row.refresh_from_db()
    return row


@transaction.atomic
def worklist_tandai_selesai(
    *, permintaan: PermintaanBpjs, oleh, catatan: str = ""
) -> PermintaanBpjs:
    """A person settled it outside the app (status fixed at BPJS, entered in PCare by hand):
    what waits behind it may go on."""
    row = _kunci_final(permintaan)
    PermintaanBpjs.objects.filter(pk=row.pk).update(
        status=S.SELESAI_MANUAL, selesai_pada=timezone.now()
    )
    _catat_tindakan(row, AksiWorklist.TANDAI_SELESAI, oleh, catatan)
    _antrekan_setelah_commit(_penerus_siap(row))
    row.refresh_from_db()
    return row


@transaction.atomic
def worklist_pilih_pcare(
    *, permintaan: PermintaanBpjs, no_urut: str, oleh, catatan: str = ""
) -> PermintaanBpjs:
    """A person looked at PCare and says which of the candidates is this visit's
    registration. Only a candidate reconciliation showed, and never one another visit holds."""
    row = _kunci_final(permintaan)
    kandidat = {str(c.get("noUrut")) for c in (row.hasil or {}).get("kandidat", [])}
    no_urut = (no_urut or "").strip()
    if row.jenis != J.PENDAFTARAN_ADD or no_urut not in kandidat:
        raise WorklistError({"no_urut": [f"No. urut {no_urut or '-'} bukan salah satu kandidat."]})
    dimiliki, _ = _milik_kunjungan_lain(row)
    if no_urut in dimiliki:
        raise WorklistError(
            {
                "no_urut": [
                    f"No. urut PCare {no_urut} sudah dipegang kunjungan lain; pilih yang lain."
                ]
            }
        )
    sekarang = timezone.now()
    PermintaanBpjs.objects.filter(pk=row.pk).update(
        status=S.BERHASIL,
        hasil={"noUrut": no_urut, "rekonsiliasi": True, "dipilih_petugas": True},
        ambigu=False,
        selesai_pada=sekarang,
    )
    _catat_tindakan(row, AksiWorklist.PILIH_PCARE, oleh, catatan or f"noUrut {no_urut}")
    _antrekan_setelah_commit(_penerus_siap(row))
    row.refresh_from_db()
    return row


@transaction.atomic
def worklist_ubah_umum(*, permintaan: PermintaanBpjs, oleh, catatan: str = "") -> PermintaanBpjs:
    """The patient pays as umum: the visit's payer changes, BPJS work not yet done is
    cancelled, and a PCare registration already made is deleted (in order)."""
    row = _kunci_final(permintaan)
    kunjungan = Kunjungan.objects.select_for_update().get(pk=row.kunjungan_id)
    if kunjungan.status == StatusKunjungan.BATAL:
        raise WorklistError({"status": ["Kunjungan sudah dibatalkan."]})
    Kunjungan.objects.filter(pk=kunjungan.pk).update(penjamin=Penjamin.UMUM)
    sekarang = timezone.now()
    baru: list[int] = []
    for r in PermintaanBpjs.objects.select_for_update().filter(
        kunjungan=kunjungan, rantai=Rantai.PCARE, jenis__in=(J.CEK_PESERTA, J.PENDAFTARAN_ADD)
    ):
        if r.jenis == J.PENDAFTARAN_ADD:
            hapus = _hapus_pendaftaran_setelah(kunjungan, r)
            if hapus is not None:
                baru.append(hapus.pk)
                if r.ambigu and r.status != S.BERHASIL:
                    baru.append(r.pk)
                continue
        if r.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL):
            PermintaanBpjs.objects.filter(pk=r.pk).update(
                status=S.DIBATALKAN, selesai_pada=sekarang
            )
    if row.rantai == Rantai.ANTREAN:
        PermintaanBpjs.objects.filter(pk=row.pk).update(status=S.DIBATALKAN, selesai_pada=sekarang)
    _catat_tindakan(row, AksiWorklist.UBAH_UMUM, oleh, catatan)
    _antrekan_setelah_commit(
        list(_siap(PermintaanBpjs.objects.filter(pk__in=baru)).values_list("pk", flat=True))
    )
    row.refresh_from_db()
    return row


# --- Eligibility at the counter (the fast path) ---------------------------------------------
#
# When the officer opens a BPJS patient, the check starts at once in the background, before
# any visit exists: a Celery task makes one peserta call and stores the answer in
# StatusPeserta, which the patient panel polls. Registration never waits for it, and the
# visit's own outbox check still runs after registration.


def kepesertaan_segar() -> float:
    """A status checked this recently (seconds) is shown as today's answer, not re-asked."""
    return _s("BPJS_KEPESERTAAN_SEGAR", 600.0)


def kepesertaan_timeout() -> float:
    """The counter cannot wait the outbox's full timeout: a slow BPJS is 'tidak menjawab'."""
    return _s("BPJS_KEPESERTAAN_TIMEOUT", 5.0)


def _kunci_kepesertaan(puskesmas_id: int, pasien_id: int) -> str:
    return f"bpjs:kepesertaan:{puskesmas_id}:{pasien_id}"


def kepesertaan_keadaan(*, puskesmas_id: int, pasien_id: int) -> dict[str, Any] | None:
    """The fast check's progress: {"status": memeriksa|tidak_menjawab|ditolak|
    tidak_ditemukan|selesai, "pada": epoch, "pesan": str}, or None when none was started."""
    try:
        return cache.get(_kunci_kepesertaan(puskesmas_id, pasien_id))
    except Exception:
        return None


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
    from .selectors import status_peserta_pasien

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
        from .tasks import cek_kepesertaan

        try:
            cek_kepesertaan.apply_async((pkm_id, pasien.pk), retry=False, expires=120)
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
    import dataclasses

    from pendaftaran.models import Pasien

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
        breaker.catat_berhasil(puskesmas_id)
        catat("ditolak", akses.catat_ditolak(puskesmas_id, exc, konfigurasi).pesan)
        return "ditolak"
    except BpjsNotFound as exc:
        breaker.catat_berhasil(puskesmas_id)
        catat("tidak_ditemukan", exc.message)
        return "tidak_ditemukan"
    except BpjsTransientError as exc:
        breaker.catat_gagal(puskesmas_id, probe=izin.probe)
        catat("tidak_menjawab", exc.message)
        return "tidak_menjawab"
    except BpjsPermanentError as exc:
        breaker.catat_berhasil(puskesmas_id)
        catat("tidak_menjawab", exc.message)
        return "ditolak_lain"
    breaker.catat_berhasil(puskesmas_id)
    if akses.catat_berhasil(puskesmas_id, "pcare", konfigurasi):
        lepas_antrean_tertunda(puskesmas_id=puskesmas_id)
    _simpan_status_peserta(puskesmas_id, _data_peserta(p), timezone.now())
    catat("selesai")
    return "selesai"
