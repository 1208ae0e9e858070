"""Writes of the BPJS bridge: the outbox rows a visit needs, processing one row, the sweep,
and what a person does on the worklist.

The contract (see saleor's webhook delivery, zulip's queue workers):

* `outbox_*` functions run inside the caller's transaction and only write rows; the first
  runnable rows are published to Celery on commit, so a rolled-back visit never calls BPJS.
* `permintaan_proses` claims one row with a conditional UPDATE, makes ONE call through
  `BpjsClient`, and stores the outcome with a conditional UPDATE on its own claim. Running it
  twice, or on two workers at once, makes one call.
* A PCare registration whose earlier attempt may have reached BPJS (timeout, 5xx, a worker
  killed mid-call) is never sent again blindly: the day's PCare list is read first and a
  registration for the same card and poli is adopted (`ambigu`).
* Transient errors retry with exponential backoff + jitter up to a cap, then go to the
  worklist; permanent errors go to the worklist at once with BPJS's reason in Indonesian.
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

from . import breaker
from .client import (
    AntreanRequest,
    BpjsClient,
    BpjsError,
    BpjsNotFound,
    BpjsPermanentError,
    BpjsTransientError,
    BpjsValidationError,
    JadwalDokter,
    PendaftaranPcare,
    PendaftaranRequest,
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
) -> PermintaanBpjs:
    return PermintaanBpjs.objects.create(
        puskesmas_id=kunjungan.puskesmas_id,
        kunjungan=kunjungan,
        tiket=tiket,
        jenis=jenis,
        rantai=rantai,
        setelah=setelah,
        payload=payload or {},
        jadwal=jadwal or timezone.now(),
    )


def _terakhir(kunjungan: Kunjungan, rantai: str) -> PermintaanBpjs | None:
    return PermintaanBpjs.objects.filter(kunjungan=kunjungan, rantai=rantai).order_by("-pk").first()


def outbox_kunjungan_baru(*, kunjungan: Kunjungan) -> list[PermintaanBpjs]:
    """The BPJS work a new BPJS visit needs, written in the visit's own transaction:

    cek_peserta ─▶ pendaftaran_add (PCare), and ─▶ antrean_add (Mobile JKN, walk-ins only:
    a Mobile JKN booking is already known to BPJS). Units without a PCare poli code (UGD,
    lab, pharmacy) only get the eligibility check.
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
        rows.append(
            _baru(
                kunjungan,
                J.PENDAFTARAN_ADD,
                Rantai.PCARE,
                setelah=cek,
                payload={"no_kartu": no_kartu, "kd_poli": kd_poli},
                jadwal=hari_kunjungan,
            )
        )
        if kunjungan.sumber != Sumber.MOBILE_JKN:
            tiket = kunjungan.tiket.order_by("pk").first()
            if tiket is not None:
                rows.append(
                    _baru(
                        kunjungan,
                        J.ANTREAN_ADD,
                        Rantai.ANTREAN,
                        setelah=cek,
                        tiket=tiket,
                        payload={"no_kartu": no_kartu, "kodepoli": kd_poli},
                    )
                )
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
    elif add_antrean is not None or kunjungan.sumber == Sumber.MOBILE_JKN:
        jkn_sendiri = kunjungan.alasan_batal.startswith(ALASAN_BATAL_JKN)
        sudah_batal = any(r.jenis == J.ANTREAN_BATAL for r in antrean)
        if not jkn_sendiri and not sudah_batal and kunjungan.unit.kd_poli_pcare:
            for row in antrean:  # a call not yet sent no longer matters
                if row.jenis == J.ANTREAN_PANGGIL and row in belum_terkirim:
                    batalkan(row)
            ekor = antrean[-1] if antrean else None
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
    try:
        with BpjsClient(konfigurasi_bpjs(row.puskesmas_id)) as client:
            hasil = PENANGAN[row.jenis](row, client)
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
            _simpan_status_peserta(row, hasil.data, sekarang)
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
            _simpan_status_peserta(row, data, sekarang)


def _simpan_status_peserta(row: PermintaanBpjs, data: dict[str, Any], pada: datetime) -> None:
    StatusPeserta.objects.update_or_create(
        puskesmas_id=row.puskesmas_id,
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
    data = {
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


def _cari_di_pcare(client: BpjsClient, row: PermintaanBpjs) -> PendaftaranPcare | None:
    """The day's PCare registrations, searched for this card at this poli."""
    tgl = row.kunjungan.tanggal
    no_kartu = _no_kartu(row)
    kd_poli = row.payload.get("kd_poli")
    start, limit = 0, 100
    for _ in range(100):  # 10,000 registrations a day is far beyond any Puskesmas
        halaman = client.pendaftaran_by_tanggal(tgl, start=start, limit=limit)
        for item in halaman:
            if item.no_kartu == no_kartu and item.kd_poli == kd_poli:
                return item
        if len(halaman) < limit:
            return None
        start += limit
    return None


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
    except BpjsValidationError:
        if row.ambigu:
            # "Already registered" after an uncertain attempt is our own earlier request.
            ada = _cari_di_pcare(client, row)
            if ada is not None:
                return Hasil(
                    S.BERHASIL,
                    {"noUrut": ada.no_urut, "rekonsiliasi": True},
                    HasilPercobaan.REKONSILIASI,
                )
        raise
    return Hasil(S.BERHASIL, {"noUrut": no_urut})


def _pendaftaran_delete(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    add = row.setelah
    no_urut = (add.hasil if add is not None else {}).get("noUrut")
    if not no_urut:
        return Hasil(S.DIBATALKAN, {"alasan": "tidak ada noUrut PCare untuk dihapus"})
    try:
        client.pendaftaran_delete(
            _no_kartu(row), row.kunjungan.tanggal, no_urut, row.payload["kd_poli"]
        )
    except BpjsNotFound:
        # Already gone (our own earlier, unanswered delete): the goal is reached.
        return Hasil(S.BERHASIL, {"noUrut": no_urut, "sudah_tidak_ada": True})
    return Hasil(S.BERHASIL, {"noUrut": no_urut, "dihapus": True})


def _jadwal_dokter(client: BpjsClient, kodepoli: str, tanggal) -> JadwalDokter | None:
    kunci = f"bpjs:jadwal:{client.config.cons_id}:{kodepoli}:{tanggal:%Y%m%d}"  # per cons-id
    ada = cache.get(kunci)
    if ada:
        return JadwalDokter(**ada)
    jadwal = client.ref_dokter(kodepoli, tanggal)
    if not jadwal:
        return None
    pilih = jadwal[0]
    cache.set(kunci, pilih.__dict__, 3600)
    return pilih


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
    try:
        jadwal = _jadwal_dokter(client, kodepoli, k.tanggal)
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
    try:
        client.antrean_add(req)
    except BpjsValidationError as exc:
        if row.ambigu and "sudah terdaftar" in (exc.bpjs_message or exc.message).lower():
            return Hasil(S.BERHASIL, {"nomorantrean": tiket.kode, "rekonsiliasi": True})
        raise
    return Hasil(S.BERHASIL, {"nomorantrean": tiket.kode})


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
