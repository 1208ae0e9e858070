"""The outbox mechanics every bridge shares (saleor's webhook delivery, zulip's workers):

* a row is written in the domain's own transaction and published to Celery on commit
  (`Penerbit`, off the request thread; with the broker down the rows wait for the sweep);
* a worker claims it once with a conditional UPDATE (`klaim`), and stores the outcome only
  while the claim is still its own (`milik`), so a task delivered twice makes one call;
* transient failures back off exponentially with jitter up to a cap (`jeda_backoff`);
* a breaker per Puskesmas and per outside system (`Pemutus`) stops a dead service from
  burning attempts, and one Puskesmas' outage or bad keys never hold back another;
* a periodic sweep takes over stale claims (`sapu_basi`) and republishes rows whose message
  was lost (`jatuh_tempo`); a recovered service gets its waiting rows at once (`lepas_tertunda`);
* an attempt's outcome is stored only on our own claim (`tuntas`, `gagal_sementara` with the
  attempt cap, `gagal_final`) and logged (`catat_percobaan`); what needs a person is the
  worklist (`STATUS_FINAL`);
* a refusal of our credentials or clock is neither an outage nor final (`Penahan`): that
  service's rows of that Puskesmas wait, spending no attempt and opening no breaker, until
  the credentials change or one periodic retry goes through.

Both bridges run on this one module: BPJS (`bpjs_bridge/services/`, with `breaker.py` and
`akses.py` as its thin instances of `Pemutus` and `Penahan`) and SATUSEHAT
(`satusehat/services.py`). What stays in a bridge is only what is its own: which rows a visit
needs, the call each row makes, reconciliation after an uncertain attempt, and the worklist.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

log = logging.getLogger(__name__)


class StatusKirim(models.TextChoices):
    MENUNGGU = "menunggu", "Menunggu"
    DIPROSES = "diproses", "Sedang diproses"
    BERHASIL = "berhasil", "Terkirim"
    GAGAL_SEMENTARA = "gagal_sementara", "Gagal sementara (dicoba lagi)"
    GAGAL_FINAL = "gagal_final", "Perlu ditangani"
    DIBATALKAN = "dibatalkan", "Dibatalkan"
    SELESAI_MANUAL = "selesai_manual", "Ditandai selesai oleh petugas"


S = StatusKirim
STATUS_MENUNGGU = (S.MENUNGGU, S.GAGAL_SEMENTARA)
STATUS_SELESAI_OK = (S.BERHASIL, S.SELESAI_MANUAL)
STATUS_FINAL = (S.GAGAL_FINAL,)


class BarisOutbox(models.Model):
    """The columns a claimable outbox row needs (abstract)."""

    status = models.CharField(max_length=16, choices=StatusKirim.choices, default=S.MENUNGGU)
    percobaan = models.PositiveSmallIntegerField("jumlah percobaan", default=0)
    jadwal = models.DateTimeField("dicoba pada / setelah", db_index=True)
    diklaim_pada = models.DateTimeField(null=True, blank=True)
    diklaim_oleh = models.CharField(max_length=120, blank=True)
    diantrekan_pada = models.DateTimeField(null=True, blank=True)
    # An attempt may have reached the service without us seeing the answer.
    ambigu = models.BooleanField("hasil percobaan sebelumnya tidak pasti", default=False)
    kode_galat = models.CharField("kode galat", max_length=40, blank=True)
    pesan_galat = models.CharField("pesan galat", max_length=500, blank=True)
    hasil = models.JSONField("hasil", default=dict, blank=True)
    selesai_pada = models.DateTimeField(null=True, blank=True)
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    diubah_pada = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# --- Timing ----------------------------------------------------------------------------------


def jeda_backoff(
    percobaan: int, *, dasar: float, batas: float, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with "equal jitter" (half fixed, half random) and a cap, so a
    whole backlog does not greet a recovering service in the same second."""
    nilai = min(batas, dasar * (2 ** max(percobaan - 1, 0)))
    return nilai / 2 + rng() * nilai / 2


def nama_pekerja() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- Claim and own ----------------------------------------------------------------------------


def klaim(model: type[models.Model], pk: int, *, pekerja: str, kedaluwarsa: float) -> bool:
    """Take the row if it is due, or if its claim is stale (that worker died: whatever it
    sent may have arrived, so the row becomes `ambigu`)."""
    sekarang = timezone.now()
    basi = sekarang - timedelta(seconds=kedaluwarsa)
    return bool(
        model.objects.filter(pk=pk)  # type: ignore[attr-defined]
        .filter(
            Q(status__in=STATUS_MENUNGGU, jadwal__lte=sekarang + timedelta(seconds=1))
            | Q(status=S.DIPROSES, diklaim_pada__lt=basi)
        )
        .update(
            ambigu=Case(When(status=S.DIPROSES, then=Value(True)), default=F("ambigu")),
            status=S.DIPROSES,
            diklaim_pada=sekarang,
            diklaim_oleh=pekerja,
            diubah_pada=sekarang,
        )
    )


def milik(row: Any):
    """The row, only while the claim is still ours."""
    return type(row).objects.filter(
        pk=row.pk, status=S.DIPROSES, diklaim_oleh=row.diklaim_oleh, diklaim_pada=row.diklaim_pada
    )


def lepas(row: Any, *, jadwal: datetime | None = None, **ubah: Any) -> bool:
    """Give the claim back without counting an attempt (a predecessor not ready, a breaker
    open, a hold on refused credentials). False when the claim was no longer ours."""
    return bool(
        milik(row).update(
            status=S.MENUNGGU if row.percobaan == 0 else S.GAGAL_SEMENTARA,
            jadwal=jadwal or row.jadwal,
            diklaim_pada=None,
            diklaim_oleh="",
            diubah_pada=timezone.now(),
            **ubah,
        )
    )


def tunda_pemutus(row: Any, izin: Any) -> None:
    """The breaker said "not now" (`Pemutus.minta_izin`): give the claim back, due when the
    breaker next lets a call through, and not counted as an attempt."""
    tunda = timezone.now() + timedelta(seconds=max(izin.tunda_sampai - time.time(), 1))
    lepas(row, jadwal=tunda, diantrekan_pada=None)


def tuntas(row: Any, *, status: str, hasil: dict[str, Any], dihitung: bool) -> bool:
    """Store the outcome (success or cancelled) while the claim is ours; False when another
    worker took the row over meanwhile (the result is then dropped)."""
    sekarang = timezone.now()
    return bool(
        milik(row).update(
            status=status,
            hasil=hasil,
            percobaan=row.percobaan + (1 if dihitung else 0),
            kode_galat="",
            pesan_galat="",
            ambigu=False,
            selesai_pada=sekarang,
            diklaim_pada=None,
            diubah_pada=sekarang,
        )
    )


def gagal_sementara(row: Any, *, maks: int, tunggu: float, kode: str, pesan: str) -> str | None:
    """A transient failure on our claim: the attempt counts, the row is due again after
    `tunggu` seconds and is `ambigu` (the call may have arrived though we saw no answer);
    after `maks` attempts it goes to the worklist. Returns the status set (gagal_sementara /
    gagal_final), or None when another worker took the row over meanwhile."""
    ke = row.percobaan + 1
    status = S.GAGAL_FINAL if ke >= maks else S.GAGAL_SEMENTARA
    if status == S.GAGAL_FINAL:
        pesan = f"{pesan} (gagal {ke} kali; dicoba lagi hanya lewat worklist)"
    sekarang = timezone.now()
    n = milik(row).update(
        status=status,
        percobaan=ke,
        jadwal=sekarang + timedelta(seconds=tunggu),
        ambigu=True,
        kode_galat=kode[:40],
        pesan_galat=pesan[:500],
        diklaim_pada=None,
        diubah_pada=sekarang,
    )
    return str(status) if n else None


def gagal_final(row: Any, *, kode: str, pesan: str, **ubah: Any) -> bool:
    """The service refused the row for good (or our data lacks what it needs): counted, and
    on the worklist for a person. False when another worker took the row over meanwhile."""
    return bool(
        milik(row).update(
            status=S.GAGAL_FINAL,
            percobaan=row.percobaan + 1,
            kode_galat=kode[:40],
            pesan_galat=pesan[:500],
            diklaim_pada=None,
            diubah_pada=timezone.now(),
            **ubah,
        )
    )


def catat_percobaan(
    model: type[models.Model],
    row: Any,
    *,
    waktu: tuple[datetime, float],
    hasil: str,
    kode: str = "",
    pesan: str = "",
) -> None:
    """One line of the row's attempt log for the attempt just made (`row` as claimed, before
    the outcome was stored; `waktu`: wall-clock start, monotonic start)."""
    induk = next(f.name for f in model._meta.fields if f.related_model is type(row))
    mulai, t0 = waktu
    model.objects.create(  # type: ignore[attr-defined]
        **{induk: row},
        ke=row.percobaan + 1,
        mulai=mulai,
        durasi_ms=int((time.monotonic() - t0) * 1000),
        hasil=hasil,
        kode_galat=kode[:40],
        pesan_galat=pesan[:500],
        pekerja=row.diklaim_oleh,
    )


def gagal_sementara_dicatat(
    row: Any,
    *,
    log: type[models.Model],
    penerbit: Penerbit,
    maks: int,
    tunggu: float,
    kode: str,
    pesan: str,
    waktu: tuple[datetime, float],
) -> str:
    """A bridge's whole transient-failure step, one transaction: back off (or give up at the
    cap), log the attempt, and republish the row for when it is due. Returns the status set, or
    "diambil_alih" when another worker took the row over meanwhile (then nothing is written)."""
    with transaction.atomic():
        status = gagal_sementara(row, maks=maks, tunggu=tunggu, kode=kode, pesan=pesan)
        if status is None:
            return "diambil_alih"
        catat_percobaan(log, row, waktu=waktu, hasil="gagal_sementara", kode=kode, pesan=pesan)
        if status == S.GAGAL_SEMENTARA:
            penerbit.setelah_commit([row.pk], countdown=tunggu)
    return status


def siap(qs):
    """Rows whose predecessor (`setelah`) is settled or cancelled."""
    return qs.filter(
        Q(setelah__isnull=True) | Q(setelah__status__in=(*STATUS_SELESAI_OK, S.DIBATALKAN))
    )


# --- Sweep ------------------------------------------------------------------------------------


def sapu_basi(model: type[models.Model], *, kedaluwarsa: float) -> int:
    sekarang = timezone.now()
    return model.objects.filter(  # type: ignore[attr-defined]
        status=S.DIPROSES, diklaim_pada__lt=sekarang - timedelta(seconds=kedaluwarsa)
    ).update(
        status=S.GAGAL_SEMENTARA,
        ambigu=True,
        jadwal=sekarang,
        diklaim_pada=None,
        diklaim_oleh="",
        diantrekan_pada=None,
        pesan_galat="Pekerja berhenti di tengah panggilan; dicek ulang sebelum dikirim lagi.",
        diubah_pada=sekarang,
    )


def jatuh_tempo(
    model: type[models.Model], *, antre_ulang: float, kecuali: Iterable[int] = (), batas: int = 1000
) -> list[int]:
    """Due rows whose Celery message is missing or overdue."""
    sekarang = timezone.now()
    lama = sekarang - timedelta(seconds=antre_ulang)
    qs = siap(
        model.objects.filter(status__in=STATUS_MENUNGGU, jadwal__lte=sekarang)  # type: ignore[attr-defined]
    ).filter(Q(diantrekan_pada__isnull=True) | Q(diantrekan_pada__lt=lama))
    return list(
        qs.exclude(puskesmas_id__in=list(kecuali))
        .order_by("jadwal", "pk")
        .values_list("pk", flat=True)[:batas]
    )


def lepas_tertunda(
    model: type[models.Model], penerbit: Penerbit, *, puskesmas_id: int, batas: int = 5000
) -> int:
    """The service is back for this Puskesmas (breaker closed, a hold lifted): everything that
    waited for it is due now, not at its backoff time, and is published at once."""
    sekarang = timezone.now()
    menunggu = model.objects.filter(  # type: ignore[attr-defined]
        puskesmas_id=puskesmas_id, status__in=STATUS_MENUNGGU
    )
    menunggu.filter(jadwal__gt=sekarang).update(jadwal=sekarang)
    ids = list(siap(menunggu).order_by("pk").values_list("pk", flat=True)[:batas])
    return penerbit.antrekan(ids, paksa=True)


# --- Publishing -------------------------------------------------------------------------------


def tugas(path: str):
    """A Celery task named by its dotted path, looked up when used. A bridge's tasks module
    imports its services (tasks are thin), so the services name their tasks instead of
    importing them back; the task registry is the one place both meet."""
    modul, _, nama = path.rpartition(".")
    return getattr(import_module(modul), nama)


class Penerbit:
    """Publishes one Celery message per row id, never raising: with the broker down the rows
    stay in the database, unmarked, and the sweep publishes them later. In the background by
    default (a slow broker never delays the officer), inline on SQLite and in tests."""

    JEDA_BROKER_MATI = 5.0
    _semua: ClassVar[list[Penerbit]] = []

    def __init__(self, model_label: str, task_path: str, setting_latar: str) -> None:
        self.model_label = model_label
        self.task_path = task_path
        self.setting_latar = setting_latar
        self._mati_sampai = 0.0
        self._pelaksana: ThreadPoolExecutor | None = None
        self._kunci = threading.Lock()
        Penerbit._semua.append(self)

    @classmethod
    def lepas_koneksi(cls) -> None:
        """Close the publishing threads' database connections now (they are kept between
        publishes): before a database is dropped, as the test suite does at its end."""
        for p in cls._semua:
            if p._pelaksana is not None:
                p._pelaksana.submit(connections.close_all).result(timeout=30)

    def _task(self):
        return tugas(self.task_path)

    def _model(self):
        from django.apps import apps

        return apps.get_model(self.model_label)

    def antrekan(self, ids: Iterable[int], *, countdown: float | None = None, paksa=False) -> int:
        if not paksa and time.monotonic() < self._mati_sampai:
            return 0
        task = self._task()
        terkirim: list[int] = []
        for pk in ids:
            try:
                task.apply_async((pk,), countdown=countdown, retry=False)
            except Exception:  # broker down: the sweep covers it
                log.warning("Broker tidak tersedia; %s #%s menunggu sapuan", self.model_label, pk)
                self._mati_sampai = time.monotonic() + self.JEDA_BROKER_MATI
                break
            terkirim.append(pk)
        if terkirim:
            self._model().objects.filter(pk__in=terkirim).update(diantrekan_pada=timezone.now())
        return len(terkirim)

    def _latar(self, ids: list[int], countdown: float | None) -> None:
        # The publishing thread lives as long as its process and keeps its connection as a
        # request thread does (DB_CONN_MAX_AGE; a broken one is replaced): closing it after
        # every publish made a new PostgreSQL session per registration and bridge.
        close_old_connections()
        try:
            self.antrekan(ids, countdown=countdown)
        except Exception:
            log.exception("Gagal menerbitkan %s %s", self.model_label, ids)
        finally:
            close_old_connections()

    def terbitkan(self, ids: list[int], countdown: float | None = None) -> None:
        latar = getattr(settings, self.setting_latar, None)
        if latar is None:
            latar = connections["default"].vendor != "sqlite"
        if not latar:
            self.antrekan(ids, countdown=countdown)
            return
        with self._kunci:
            if self._pelaksana is None:
                self._pelaksana = ThreadPoolExecutor(max_workers=1, thread_name_prefix="terbit")
        self._pelaksana.submit(self._latar, ids, countdown)

    def setelah_commit(self, ids: list[int], *, countdown: float | None = None) -> None:
        if ids:
            transaction.on_commit(lambda: self.terbitkan(ids, countdown))


# --- Breaker per (system, Puskesmas) ---------------------------------------------------------

TERTUTUP = "tertutup"
TERBUKA = "terbuka"
SETENGAH = "setengah_terbuka"


@dataclass(frozen=True)
class Keadaan:
    status: str
    sejak: datetime | None = None  # when it opened
    probe_setelah: float = 0.0  # epoch seconds
    gagal_beruntun: int = 0

    @property
    def gangguan(self) -> bool:
        return self.status != TERTUTUP


@dataclass(frozen=True)
class Izin:
    boleh: bool
    probe: bool = False  # this caller holds the probe lock and must report back
    tunda_sampai: float = 0.0  # when refused: epoch seconds to try again


class Pemutus:
    """tertutup ─N consecutive transient failures─▶ terbuka ─after jeda─▶ setengah (one probe)
    ─any answer─▶ tertutup (a failed probe: terbuka for another pause).

    While open, rows wait without spending attempts; one caller at a time (the holder of the
    probe lock, which expires if that caller dies) may call once the pause is over. Any answer
    from the service, even a refusal, proves it is reachable. State lives in the shared cache
    under "<nama>:pemutus:<puskesmas>:…" and a day at most; losing it just closes the breaker
    (the next failures open it again). `saat_buka` / `saat_tutup` are told of an episode's
    start and end (BPJS records them in the downtime ledger); they must not raise."""

    TTL = 24 * 3600

    def __init__(
        self,
        nama: str,
        setting_ambang: str,
        setting_jeda: str,
        *,
        setting_timeout: str | None = None,
        saat_buka: Callable[[int], None] | None = None,
        saat_tutup: Callable[[int], None] | None = None,
    ) -> None:
        self.nama = nama
        self.setting_ambang = setting_ambang
        self.setting_jeda = setting_jeda
        self.setting_timeout = setting_timeout
        self.saat_buka = saat_buka
        self.saat_tutup = saat_tutup

    def _k(self, pkm: int, x: str) -> str:
        return f"{self.nama}:pemutus:{pkm}:{x}"

    def ambang(self) -> int:
        return int(getattr(settings, self.setting_ambang, 5))

    def jeda(self) -> float:
        return float(getattr(settings, self.setting_jeda, 30))

    def _ttl_probe(self) -> int:
        """How long a probe may take before another caller may probe: a few call timeouts
        when the service's timeout is known, else a few pauses."""
        if self.setting_timeout:
            return int(float(getattr(settings, self.setting_timeout, 10)) * 3 + 5)
        return int(self.jeda() * 3 + 30)

    def rincian(self, pkm: int, *, sekarang: float | None = None) -> Keadaan:
        sekarang = time.time() if sekarang is None else sekarang
        try:
            raw = cache.get(self._k(pkm, "buka"))
            gagal = int(cache.get(self._k(pkm, "gagal")) or 0)
        except Exception:  # cache (Redis) down: the pages must still render
            log.warning("Cache tidak tersedia; keadaan pemutus %s tidak diketahui", self.nama)
            return Keadaan(TERTUTUP)
        if not raw:
            return Keadaan(TERTUTUP, gagal_beruntun=gagal)
        data = json.loads(raw)
        return Keadaan(
            SETENGAH if sekarang >= data["probe_setelah"] else TERBUKA,
            sejak=datetime.fromtimestamp(data["sejak"], tz=UTC),
            probe_setelah=data["probe_setelah"],
            gagal_beruntun=gagal,
        )

    def keadaan(self, pkm: int) -> str:
        return self.rincian(pkm).status

    def minta_izin(self, pkm: int) -> Izin:
        """May this caller talk to the service now?"""
        try:
            raw = cache.get(self._k(pkm, "buka"))
        except Exception:  # cache down: let the call go; the service decides
            return Izin(True)
        if not raw:
            return Izin(True)
        probe_setelah = json.loads(raw)["probe_setelah"]
        if time.time() < probe_setelah:
            return Izin(False, tunda_sampai=probe_setelah)
        if cache.add(self._k(pkm, "probe"), "1", self._ttl_probe()):
            return Izin(True, probe=True)
        return Izin(False, tunda_sampai=time.time() + self.jeda())

    def catat_berhasil(self, pkm: int) -> bool:
        """The service answered (success or a refusal): reset the count, close the breaker.
        True when this closed an open one (the caller then releases what waited)."""
        cache.delete_many([self._k(pkm, "gagal"), self._k(pkm, "probe")])
        ditutup = bool(cache.delete(self._k(pkm, "buka")))
        if ditutup:
            log.warning("%s kembali tersedia (Puskesmas %s): pemutus ditutup", self.nama, pkm)
            if self.saat_tutup is not None:
                self.saat_tutup(pkm)
        return ditutup

    def catat_gagal(self, pkm: int, *, probe: bool = False) -> bool:
        """A transient failure. True when this failure opened (or re-opened) the breaker."""
        cache.delete(self._k(pkm, "probe"))
        kunci = self._k(pkm, "gagal")
        cache.add(kunci, 0, self.TTL)
        try:
            gagal = cache.incr(kunci)
        except ValueError:  # expired between add and incr
            cache.set(kunci, 1, self.TTL)
            gagal = 1
        sekarang = time.time()
        buka = self._k(pkm, "buka")
        lama = cache.get(buka) if probe else None
        if lama:
            # A failed probe: open for another pause, the episode still counted from its start.
            data = json.loads(lama)
            data["probe_setelah"] = sekarang + self.jeda()
            cache.set(buka, json.dumps(data), self.TTL)
            return True
        data = json.dumps({"sejak": sekarang, "probe_setelah": sekarang + self.jeda()})
        if (probe or gagal >= self.ambang()) and cache.add(buka, data, self.TTL):
            log.warning(
                "%s tidak tersedia (Puskesmas %s): %s kegagalan beruntun, pemutus dibuka",
                self.nama,
                pkm,
                gagal,
            )
            if self.saat_buka is not None:
                self.saat_buka(pkm)
            return True
        return False

    def lepas_probe(self, pkm: int) -> None:
        """The probe made no call (the row was held back for our own reasons): let another
        row probe, without claiming the service answered."""
        cache.delete(self._k(pkm, "probe"))

    def reset(self, pkm: int) -> None:
        cache.delete_many([self._k(pkm, x) for x in ("gagal", "probe", "buka")])


# --- Hold on refused credentials per (system, service, Puskesmas) ---------------------------


@dataclass(frozen=True)
class Tahanan:
    layanan: str
    kode: str
    pesan: str
    sejak: datetime
    coba_setelah: float  # epoch seconds
    sidik: str  # fingerprint of the credentials that were refused (never the keys)
    nama_layanan: str = ""

    @property
    def coba_setelah_dt(self) -> datetime:
        return datetime.fromtimestamp(self.coba_setelah, tz=UTC)


class Penahan:
    """A refusal of who we are (signature, clock, keys, login) is not an outage: the same
    request with the same credentials cannot succeed, so it must neither spend the retry
    budget nor open the breaker. One refusal holds that service for the Puskesmas instead:

    * every row of that service waits (no attempt spent) while the hold stands;
    * other credentials in use (another fingerprint) lift it at once;
    * otherwise one caller tries again every `jeda` seconds (this notices a fixed clock);
      any success lifts the hold and the caller releases the backlog.

    State in the shared cache under "<nama>:akses:<puskesmas>:<layanan>:…", a day at most;
    losing it only means one more refusal."""

    TTL = 24 * 3600

    def __init__(
        self, nama: str, setting_jeda: str, layanan: dict[str, str], *, jeda_bawaan: float = 300
    ) -> None:
        self.nama = nama
        self.setting_jeda = setting_jeda
        self.layanan = layanan  # code → name shown to a person
        self.jeda_bawaan = jeda_bawaan

    def kunci(self, pkm: int, layanan: str, x: str = "tahan") -> str:
        return f"{self.nama}:akses:{pkm}:{layanan}:{x}"

    def jeda(self) -> float:
        return float(getattr(settings, self.setting_jeda, self.jeda_bawaan))

    def baca(self, pkm: int, layanan: str) -> Tahanan | None:
        try:
            raw = cache.get(self.kunci(pkm, layanan))
        except Exception:  # cache down: behave as if there were no hold
            log.warning("Cache tidak tersedia; tahanan akses %s tidak diketahui", self.nama)
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
            nama_layanan=self.layanan.get(layanan, layanan),
        )

    def semua(self, pkm: int) -> list[Tahanan]:
        """The holds in force for a Puskesmas (for the banner and the badges)."""
        return [t for layanan in self.layanan if (t := self.baca(pkm, layanan)) is not None]

    def ditahan(self, pkm: int, layanan: str, sidik: str) -> Tahanan | None:
        """The hold that stops this call, or None: no hold, credentials changed since, or this
        caller won the one retry that is due."""
        t = self.baca(pkm, layanan)
        if t is None or t.sidik != sidik:
            return None
        if time.time() >= t.coba_setelah and cache.add(
            self.kunci(pkm, layanan, "coba"), "1", int(self.jeda())
        ):
            return None
        return t

    def tahan(self, pkm: int, layanan: str, *, kode: str, pesan: str, sidik: str) -> Tahanan:
        """Put (or renew) the hold, keeping when it began."""
        sekarang = time.time()
        lama = self.baca(pkm, layanan)
        data = {
            "kode": kode,
            "pesan": pesan,
            "sejak": lama.sejak.timestamp() if lama else sekarang,
            "coba_setelah": sekarang + self.jeda(),
            "sidik": sidik,
        }
        cache.set(self.kunci(pkm, layanan), json.dumps(data), self.TTL)
        if lama is None:
            log.warning("%s %s menolak akses (Puskesmas %s): %s", self.nama, layanan, pkm, pesan)
        t = self.baca(pkm, layanan)
        assert t is not None
        return t

    def lepas(self, pkm: int, layanan: str) -> bool:
        """A call of this service went through: lift its hold. True when there was one."""
        try:
            ada = cache.delete(self.kunci(pkm, layanan))
            cache.delete(self.kunci(pkm, layanan, "coba"))
        except Exception:
            return False
        return bool(ada)

    def reset(self, pkm: int, *, lain: Iterable[str] = ()) -> None:
        """Forget every hold of the Puskesmas (and the caller's own `lain` keys per service)."""
        cache.delete_many(
            [
                self.kunci(pkm, layanan, x)
                for layanan in self.layanan
                for x in ("tahan", "coba", *lain)
            ]
        )
