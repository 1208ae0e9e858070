"""Reads of the downtime app: is there downtime now, the status the lokets poll, the review
list, and the monthly incident report."""

from __future__ import annotations

import calendar
import importlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from puskesmas.models import Loket, Puskesmas

from .models import STATUS_TERBUKA, EntriReplay, EpisodeDowntime, JenisEpisode, StatusEntri

logger = logging.getLogger(__name__)

# Bumped when the shape of /api/v1/status changes, so an old cached loket page can tell.
VERSI_STATUS = 1


def target_respons() -> timedelta:
    """The SOP's response target; an incident responded to within it is 'tepat waktu'."""
    return timedelta(minutes=getattr(settings, "DOWNTIME_TARGET_RESPON_MENIT", 15))


def downtime_aktif(*, puskesmas: Puskesmas, loket: Loket | None = None) -> EpisodeDowntime | None:
    """The declared downtime in force for this loket: its own, or the whole Puskesmas'.
    `pendaftaran.services.kunjungan_daftar` flags visits registered while one is in force."""
    cond = Q(loket__isnull=True)
    if loket is not None:
        cond |= Q(loket=loket)
    return (
        EpisodeDowntime.objects.filter(
            cond, puskesmas=puskesmas, jenis=JenisEpisode.DEKLARASI, selesai__isnull=True
        )
        .select_related("loket")
        .order_by("loket_id", "-mulai")  # the Puskesmas-wide one (NULL loket) first
        .first()
    )


def episode_deklarasi_pada(
    *, puskesmas: Puskesmas, loket: Loket | None, pada: datetime
) -> EpisodeDowntime | None:
    """The declared episode covering a moment, for entries replayed after it ended."""
    cond = Q(loket__isnull=True)
    if loket is not None:
        cond |= Q(loket=loket)
    return (
        EpisodeDowntime.objects.filter(
            cond, puskesmas=puskesmas, jenis=JenisEpisode.DEKLARASI, mulai__lte=pada
        )
        .filter(Q(selesai__isnull=True) | Q(selesai__gte=pada))
        .order_by("-mulai")
        .first()
    )


def bpjs_aktif(*, puskesmas: Puskesmas) -> EpisodeDowntime | None:
    return EpisodeDowntime.objects.filter(
        puskesmas=puskesmas, jenis=JenisEpisode.BPJS, selesai__isnull=True
    ).first()


def _status_bpjs_jembatan(puskesmas: Puskesmas) -> dict | None:
    """The BPJS bridge's own view, when it offers one (`bpjs_bridge.selectors.status_bpjs`).
    Looked up at run time so this app works before, and without, the bridge."""
    try:
        mod = importlib.import_module("bpjs_bridge.selectors")
    except ImportError:
        return None
    fungsi = getattr(mod, "status_bpjs", None)
    if fungsi is None:
        return None
    try:
        hasil = fungsi(puskesmas=puskesmas)
    except Exception:  # the heartbeat must answer even when the bridge misbehaves
        logger.exception("status_bpjs gagal")
        return None
    return hasil if isinstance(hasil, dict) else None


def _episode_json(ep: EpisodeDowntime | None) -> dict | None:
    if ep is None:
        return None
    return {
        "episode_id": ep.pk,
        "jenis": ep.jenis,
        "alasan": ep.alasan,
        "alasan_label": ep.get_alasan_display() if ep.alasan else "",
        "keterangan": ep.keterangan,
        "sejak": ep.mulai.isoformat(),
        "cakupan": "loket" if ep.loket_id else "puskesmas",
        "loket": ep.loket.kode if ep.loket_id else None,
    }


def status_untuk(*, puskesmas: Puskesmas, loket: Loket | None) -> dict:
    """What a loket's heartbeat needs: the server's clock, whether it is in downtime, BPJS,
    and `versi`, which changes whenever any episode of the Puskesmas changes so the page knows
    to redraw its banner without comparing the rest."""
    aktif = downtime_aktif(puskesmas=puskesmas, loket=loket)
    bpjs = bpjs_aktif(puskesmas=puskesmas)
    terakhir = EpisodeDowntime.objects.filter(puskesmas=puskesmas).aggregate(
        m=Max("diubah_pada"), n=Count("id")
    )
    cap = terakhir["m"]
    versi = f"{VERSI_STATUS}.{terakhir['n']}.{int(cap.timestamp() * 1000) if cap else 0}"
    status_bpjs: dict = {
        "tersedia": bpjs is None,
        "sejak": bpjs.mulai.isoformat() if bpjs else None,
    }
    jembatan = _status_bpjs_jembatan(puskesmas)
    if jembatan is not None:
        status_bpjs["jembatan"] = jembatan
    return {
        "waktu_server": timezone.now().isoformat(timespec="milliseconds"),
        "versi": versi,
        "pemberitahuan": pemberitahuan_loket(loket=loket).count() if loket else 0,
        "puskesmas": {"id": puskesmas.pk, "nama": puskesmas.nama},
        "loket": {"id": loket.pk, "kode": loket.kode, "nama": loket.nama} if loket else None,
        "downtime": _episode_json(aktif),
        "bpjs": status_bpjs,
    }


# --- What a loket must tell its patients after a replay --------------------------------------

# Outcomes the officer must pass on to the patient holding an offline slip (replay.perlu_diberitahu
# is the same rule for one entry): a changed or newly assigned number, a duplicate, review,
# rejection, or a time the server did not believe.
_PERLU_DIBERITAHU = (
    ~Q(status__in=(StatusEntri.DIBUAT, StatusEntri.DILAMPIRKAN))
    | Q(nomor_baru=True)
    | Q(nomor_diminta__isnull=True)
    | ~Q(alasan_tinjau="")
)


def pemberitahuan_loket(*, loket: Loket, sejak: timedelta = timedelta(hours=36)) -> QuerySet:
    """Entries of this loket whose outcome the officer has not yet acknowledged, newest
    decisions included (an admin's decision clears the acknowledgement)."""
    return (
        EntriReplay.objects.filter(
            loket=loket, diberitahu_pada__isnull=True, diterima_pada__gte=timezone.now() - sejak
        )
        .filter(_PERLU_DIBERITAHU)
        .select_related("kunjungan__unit", "pasien")
        .order_by("dibuat_klien", "pk")
    )


# --- Review ---------------------------------------------------------------------------------


def entri_tinjauan(*, puskesmas: Puskesmas, status: str = "") -> QuerySet[EntriReplay]:
    qs = EntriReplay.objects.filter(puskesmas=puskesmas).select_related(
        "loket", "pasien", "episode", "petugas"
    )
    if status:
        return qs.filter(status=status)
    return qs.filter(status__in=STATUS_TERBUKA)


def hitung_tinjauan(*, puskesmas: Puskesmas) -> dict[str, int]:
    baris = (
        EntriReplay.objects.filter(puskesmas=puskesmas)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    hasil = {s: 0 for s in StatusEntri.values}
    for b in baris:
        hasil[b["status"]] = b["n"]
    hasil["terbuka"] = sum(hasil[s] for s in STATUS_TERBUKA)
    return hasil


# --- Ledger and monthly report --------------------------------------------------------------


def episode_dengan_hitungan(*, puskesmas: Puskesmas) -> QuerySet[EpisodeDowntime]:
    """Episodes with their entry counts: replayed, duplicates, conflicts (sent to review at
    first replay), still open."""
    return (
        EpisodeDowntime.objects.filter(puskesmas=puskesmas)
        .select_related("loket", "dilaporkan_oleh")
        .annotate(
            n_replay=Count("entri"),
            n_duplikat=Count("entri", filter=Q(entri__status_awal=StatusEntri.DUPLIKAT)),
            n_konflik=Count("entri", filter=Q(entri__status_awal=StatusEntri.DITINJAU)),
            n_ditolak=Count("entri", filter=Q(entri__status_awal=StatusEntri.DITOLAK)),
            n_terbuka=Count("entri", filter=Q(entri__status__in=STATUS_TERBUKA)),
        )
    )


@dataclass
class BarisLaporan:
    episode: EpisodeDowntime
    tanggal: date
    unit: str
    dilaporkan: datetime
    direspons: datetime | None
    tepat_waktu: bool | None
    durasi_respons: timedelta | None
    durasi: timedelta | None
    penyebab: str
    perbaikan: str


@dataclass
class LaporanBulanan:
    tahun: int
    bulan: int
    baris: list[BarisLaporan]
    per_hari: list[tuple[int, int, int]] = field(default_factory=list)  # day, count, minutes

    @property
    def jumlah(self) -> int:
        return len(self.baris)

    @property
    def tepat(self) -> int:
        return sum(1 for b in self.baris if b.tepat_waktu)

    @property
    def belum_diisi(self) -> int:
        return sum(1 for b in self.baris if b.direspons is None)

    @property
    def persen_tepat(self) -> float:
        return round(100 * self.tepat / self.jumlah, 1) if self.baris else 0.0

    @property
    def total_durasi(self) -> timedelta:
        return sum((b.durasi for b in self.baris if b.durasi), timedelta())

    @property
    def maks_menit(self) -> int:
        return max((m for _, _, m in self.per_hari), default=0)


def _unit_episode(ep: EpisodeDowntime) -> str:
    if ep.jenis == JenisEpisode.BPJS:
        return "Bridging BPJS"
    if ep.loket_id:
        return f"Loket {ep.loket.kode}" if ep.loket else "Loket"
    return "Seluruh Puskesmas"


def laporan_bulanan(*, puskesmas: Puskesmas, tahun: int, bulan: int) -> LaporanBulanan:
    """The SOP incident log for a month: one row per episode that started in it."""
    tz = timezone.get_current_timezone()
    awal = datetime.combine(date(tahun, bulan, 1), time.min, tzinfo=tz)
    hari_terakhir = calendar.monthrange(tahun, bulan)[1]
    akhir = awal + timedelta(days=hari_terakhir)
    target = target_respons()
    baris = []
    for ep in (
        EpisodeDowntime.objects.filter(puskesmas=puskesmas, mulai__gte=awal, mulai__lt=akhir)
        .select_related("loket")
        .order_by("mulai")
    ):
        respons = ep.durasi_respons
        baris.append(
            BarisLaporan(
                episode=ep,
                tanggal=timezone.localtime(ep.mulai).date(),
                unit=_unit_episode(ep),
                dilaporkan=ep.mulai,
                direspons=ep.direspons_pada,
                tepat_waktu=None if respons is None else respons <= target,
                durasi_respons=respons,
                durasi=ep.durasi,
                penyebab=ep.penyebab or ep.get_alasan_display() or ep.get_jenis_display(),
                perbaikan=ep.perbaikan,
            )
        )
    per_hari = []
    for hari in range(1, hari_terakhir + 1):
        milik = [b for b in baris if b.tanggal.day == hari]
        menit = sum(int(b.durasi.total_seconds() // 60) for b in milik if b.durasi)
        per_hari.append((hari, len(milik), menit))
    return LaporanBulanan(tahun=tahun, bulan=bulan, baris=baris, per_hari=per_hari)
