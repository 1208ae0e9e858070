"""Writes of the downtime app: the ledger (declared, detected and BPJS episodes), offline
number blocks, and the reconciliation mark. Replaying entries lives in replay.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from antrean.models import Tiket, UnitLayanan
from antrean.services import blok_nomor_luring
from puskesmas.models import Loket, Puskesmas

from .models import (
    STATUS_TERBUKA,
    AlasanDowntime,
    BlokNomorOffline,
    EntriReplay,
    EpisodeDowntime,
    JenisEpisode,
    KontakLoket,
    NomorLuring,
    Pendeteksi,
)


class DowntimeError(Exception):
    """An action that cannot be done as asked; `galat` maps field → Indonesian messages."""

    kode = "tidak_valid"

    def __init__(self, galat: dict[str, list[str]]):
        super().__init__(galat)
        self.galat = galat


# Two offline spells of one loket this close together are one episode (a flapping cable).
CELAH_GABUNG = timedelta(minutes=2)
JUMLAH_BLOK_MAKS = 100


# --- Declared downtime ----------------------------------------------------------------------


@transaction.atomic
def downtime_mulai(
    *,
    puskesmas: Puskesmas,
    alasan: str,
    loket: Loket | None = None,
    keterangan: str = "",
    oleh=None,
    pada: datetime | None = None,
) -> EpisodeDowntime:
    """Declare downtime for the whole Puskesmas or one loket. Declaring it again for the same
    scope returns the episode already open, so two admins pressing the button make one."""
    if alasan not in AlasanDowntime.values:
        raise DowntimeError({"alasan": ["Alasan downtime wajib dipilih."]})
    if loket is not None and loket.puskesmas_id != puskesmas.pk:
        raise DowntimeError({"loket": ["Loket tidak ditemukan di Puskesmas ini."]})
    # Lock the tenant row so two concurrent declarations cannot both see "none open".
    Puskesmas.objects.select_for_update(no_key=True).filter(pk=puskesmas.pk).first()
    ada = EpisodeDowntime.objects.filter(
        puskesmas=puskesmas, loket=loket, jenis=JenisEpisode.DEKLARASI, selesai__isnull=True
    ).first()
    if ada is not None:
        return ada
    pada = pada or timezone.now()
    return EpisodeDowntime.objects.create(
        puskesmas=puskesmas,
        loket=loket,
        jenis=JenisEpisode.DEKLARASI,
        alasan=alasan,
        keterangan=(keterangan or "").strip()[:300],
        mulai=pada,
        # Declaring it is the response: the admin is already acting on it.
        direspons_pada=pada,
        dideteksi=Pendeteksi.PETUGAS,
        dilaporkan_oleh=oleh,
    )


@transaction.atomic
def downtime_selesai(
    *, episode: EpisodeDowntime, oleh=None, pada: datetime | None = None
) -> EpisodeDowntime:
    """End an episode. Ending one that has ended already changes nothing."""
    episode = EpisodeDowntime.objects.select_for_update().get(pk=episode.pk)
    if episode.selesai is not None:
        return episode
    pada = max(pada or timezone.now(), episode.mulai)
    episode.selesai = pada
    episode.diakhiri_oleh = oleh
    episode.save(update_fields=["selesai", "diakhiri_oleh", "diubah_pada"])
    rekonsiliasi_perbarui(episode=episode)
    return episode


@transaction.atomic
def episode_ubah(
    *,
    episode: EpisodeDowntime,
    penyebab: str,
    perbaikan: str,
    direspons_pada: datetime | None,
    oleh=None,
) -> EpisodeDowntime:
    """An admin records what caused the outage and what was done: the SOP's incident log."""
    if direspons_pada is not None and direspons_pada < episode.mulai:
        raise DowntimeError(
            {"direspons_pada": ["Waktu respons tidak boleh sebelum waktu mulai dilaporkan."]}
        )
    episode.penyebab = (penyebab or "").strip()
    episode.perbaikan = (perbaikan or "").strip()
    episode.direspons_pada = direspons_pada
    episode.diubah_oleh = oleh
    episode.save(
        update_fields=["penyebab", "perbaikan", "direspons_pada", "diubah_oleh", "diubah_pada"]
    )
    return episode


# --- Episodes detected by the system --------------------------------------------------------


@transaction.atomic
def episode_bpjs_mulai(
    *, puskesmas: Puskesmas, keterangan: str = "", pada: datetime | None = None
) -> EpisodeDowntime:
    """For the BPJS bridge's circuit breaker when it opens. Idempotent: while an episode is
    open, calling again returns it."""
    Puskesmas.objects.select_for_update(no_key=True).filter(pk=puskesmas.pk).first()
    ada = EpisodeDowntime.objects.filter(
        puskesmas=puskesmas, jenis=JenisEpisode.BPJS, selesai__isnull=True
    ).first()
    if ada is not None:
        return ada
    return EpisodeDowntime.objects.create(
        puskesmas=puskesmas,
        jenis=JenisEpisode.BPJS,
        keterangan=(keterangan or "")[:300],
        mulai=pada or timezone.now(),
        dideteksi=Pendeteksi.SISTEM,
    )


@transaction.atomic
def episode_bpjs_selesai(
    *, puskesmas: Puskesmas, pada: datetime | None = None
) -> EpisodeDowntime | None:
    """For the circuit breaker when BPJS answers again. Nothing open → nothing to do."""
    ada = (
        EpisodeDowntime.objects.select_for_update()
        .filter(puskesmas=puskesmas, jenis=JenisEpisode.BPJS, selesai__isnull=True)
        .first()
    )
    if ada is None:
        return None
    return downtime_selesai(episode=ada, pada=pada)


@transaction.atomic
def episode_luring_catat(
    *,
    puskesmas: Puskesmas,
    loket: Loket,
    mulai: datetime,
    selesai: datetime,
    jenis: str = JenisEpisode.JARINGAN_LOKET,
    jumlah_offline: int | None = None,
    oleh=None,
) -> EpisodeDowntime:
    """Record that a loket was offline from `mulai` to `selesai`, as its browser reported when
    it came back. A re-sent or next batch of the same outage lands on the same episode (any
    episode of the loket overlapping the spell, give or take a couple of minutes) and widens it.
    """
    if jenis not in (JenisEpisode.JARINGAN_LOKET, JenisEpisode.SERVER):
        jenis = JenisEpisode.JARINGAN_LOKET
    mulai, selesai = min(mulai, selesai), max(mulai, selesai)
    Puskesmas.objects.select_for_update(no_key=True).filter(pk=puskesmas.pk).first()
    ada = (
        EpisodeDowntime.objects.filter(
            puskesmas=puskesmas,
            loket=loket,
            jenis__in=(JenisEpisode.JARINGAN_LOKET, JenisEpisode.SERVER),
            mulai__lte=selesai + CELAH_GABUNG,
        )
        .filter(Q(selesai__isnull=True) | Q(selesai__gte=mulai - CELAH_GABUNG))
        .order_by("-mulai")
        .first()
    )
    if ada is None:
        return EpisodeDowntime.objects.create(
            puskesmas=puskesmas,
            loket=loket,
            jenis=jenis,
            mulai=mulai,
            selesai=selesai,
            dideteksi=Pendeteksi.LOKET,
            dilaporkan_oleh=oleh,
            entri_tercatat=jumlah_offline or 0,
        )
    ada.mulai = min(ada.mulai, mulai)
    if ada.selesai is not None:
        ada.selesai = max(ada.selesai, selesai)
    ada.entri_tercatat = max(ada.entri_tercatat, jumlah_offline or 0)
    ada.save(update_fields=["mulai", "selesai", "entri_tercatat", "diubah_pada"])
    return ada


def rekonsiliasi_perbarui(*, episode: EpisodeDowntime) -> None:
    """Mark when an ended episode's last entry was settled; clear the mark while any entry is
    still waiting for an admin (a correction can reopen one)."""
    if episode.selesai is None:
        return
    # One read for both (a replayed batch calls this each time): the MAX reads every entry of
    # the episode anyway, so counting the open ones beside it costs nothing more.
    r = EntriReplay.objects.filter(episode=episode).aggregate(
        terbuka=Count("pk", filter=Q(status__in=STATUS_TERBUKA)), terakhir=Max("diselesaikan_pada")
    )
    if r["terbuka"]:
        waktu = None
    else:
        terakhir = r["terakhir"]
        waktu = max(terakhir, episode.selesai) if terakhir else episode.selesai
    if episode.rekonsiliasi_selesai != waktu:
        EpisodeDowntime.objects.filter(pk=episode.pk).update(rekonsiliasi_selesai=waktu)
        episode.rekonsiliasi_selesai = waktu


# --- Offline number blocks ------------------------------------------------------------------


@dataclass(frozen=True)
class InfoBlok:
    blok: BlokNomorOffline
    terpakai: list[int]

    @property
    def sisa(self) -> int:
        return self.blok.jumlah - len(self.terpakai)


def _terpakai(blok: BlokNomorOffline) -> list[int]:
    """Numbers of the block that are no longer free: every number that became a ticket, and
    every number the loket reported as shown to a patient (`NomorLuring`), whatever became of
    that entry — a number printed once belongs to that patient for the day."""
    rentang = {
        "unit_id": blok.unit_id,
        "tanggal": blok.tanggal,
        "nomor__gte": blok.pertama,
        "nomor__lte": blok.terakhir,
    }
    tiket = Tiket.objects.filter(**rentang).values_list("nomor", flat=True)
    dilapor = NomorLuring.objects.filter(**rentang).values_list("nomor", flat=True)
    return sorted(set(tiket) | set(dilapor))


@transaction.atomic
def blok_ambil(
    *,
    loket: Loket,
    unit: UnitLayanan,
    tanggal: date,
    jumlah: int,
    oleh=None,
    baru: bool = False,
) -> InfoBlok:
    """The block of offline numbers this loket holds for a unit today.

    The loket asks again on every page load and after every replay; it gets its current block
    back while at least a quarter of it is unused, so reloading never burns numbers. `baru`
    (or a nearly spent block) reserves a fresh one from the unit's daily counter, under the same
    row lock as online numbering, so it can never overlap an online number or another block.
    """
    if not 1 <= jumlah <= JUMLAH_BLOK_MAKS:
        raise DowntimeError({"jumlah": [f"Jumlah nomor per blok harus 1–{JUMLAH_BLOK_MAKS}."]})
    if unit.puskesmas_id != loket.puskesmas_id or not unit.aktif:
        raise DowntimeError({"unit": ["Unit layanan tidak tersedia di Puskesmas ini."]})
    sekarang = timezone.now()
    if not baru:
        for blok in (
            BlokNomorOffline.objects.select_for_update()
            .filter(loket=loket, unit=unit, tanggal=tanggal, habis_pada__isnull=True)
            .order_by("-pertama")
        ):
            terpakai = _terpakai(blok)
            info = InfoBlok(blok=blok, terpakai=terpakai)
            if info.sisa * 4 >= blok.jumlah and info.sisa > 0:
                return info
            # Spent (or nearly): retire it so the next call reserves a fresh block.
            blok.habis_pada = sekarang
            blok.save(update_fields=["habis_pada"])
    pertama = blok_nomor_luring(unit=unit, tanggal=tanggal, jumlah=jumlah)
    blok = BlokNomorOffline.objects.create(
        loket=loket,
        unit=unit,
        tanggal=tanggal,
        pertama=pertama,
        terakhir=pertama + jumlah - 1,
        dibuat_oleh=oleh,
    )
    return InfoBlok(blok=blok, terpakai=[])


def blok_untuk_nomor(
    *, loket: Loket | None, unit: UnitLayanan, tanggal: date, nomor: int
) -> BlokNomorOffline | None:
    """The block of this loket that holds `nomor`, if the number really was reserved for it."""
    if loket is None:
        return None
    return BlokNomorOffline.objects.filter(
        loket=loket, unit=unit, tanggal=tanggal, pertama__lte=nomor, terakhir__gte=nomor
    ).first()


def nomor_luring_catat(
    *, loket: Loket, unit: UnitLayanan, tanggal: date, nomor: int, client_uuid
) -> bool:
    """Record that this loket showed `nomor` to the patient of entry `client_uuid`.

    True when the number is this entry's (newly recorded, or recorded earlier for the same
    entry); False when it is not the loket's to give (outside its blocks) or another entry
    already owns it — the entry then gets a fresh number and the loket is told."""
    blok = blok_untuk_nomor(loket=loket, unit=unit, tanggal=tanggal, nomor=nomor)
    if blok is None:
        return False
    with transaction.atomic():
        catatan, _ = NomorLuring.objects.get_or_create(
            unit=unit,
            tanggal=tanggal,
            nomor=nomor,
            defaults={
                "puskesmas_id": loket.puskesmas_id,
                "loket": loket,
                "client_uuid": client_uuid,
            },
        )
    return catatan.client_uuid == client_uuid


def nomor_luring_milik(*, unit: UnitLayanan, nomor: int, client_uuid) -> date | None:
    """The day for which `nomor` of this unit is recorded as this entry's, if it is."""
    return (
        NomorLuring.objects.filter(unit=unit, nomor=nomor, client_uuid=client_uuid)
        .order_by("-tanggal")
        .values_list("tanggal", flat=True)
        .first()
    )


# --- The server's own evidence of when a loket was online -------------------------------------

# A heartbeat comes every 5 s; a silence longer than this is a gap (the loket was unreachable).
CELAH_KONTAK = timedelta(seconds=30)
# The stretch is extended at most this often, so heartbeats cost one UPDATE per loket per 10 s.
PERBARUI_KONTAK = timedelta(seconds=10)


def kontak_loket_catat(*, loket: Loket, pada: datetime | None = None) -> None:
    """Extend the loket's current stretch of contact, or open a new one after a gap."""
    pada = pada or timezone.now()
    diperpanjang = KontakLoket.objects.filter(
        loket=loket, selesai__gte=pada - CELAH_KONTAK, selesai__lt=pada - PERBARUI_KONTAK
    ).update(selesai=pada)
    if diperpanjang:
        return
    if KontakLoket.objects.filter(loket=loket, selesai__gte=pada - PERBARUI_KONTAK).exists():
        return  # extended a moment ago
    KontakLoket.objects.create(loket=loket, mulai=pada, selesai=pada)


def pemberitahuan_dibaca(*, loket: Loket, client_uuid: list) -> int:
    """The officer told these patients their outcome; an admin's later decision clears it."""
    return EntriReplay.objects.filter(
        loket=loket, client_uuid__in=client_uuid, diberitahu_pada__isnull=True
    ).update(diberitahu_pada=timezone.now())


def blok_tandai_jika_habis(*, blok: BlokNomorOffline) -> None:
    if blok.habis_pada is None and len(_terpakai(blok)) >= blok.jumlah:
        BlokNomorOffline.objects.filter(pk=blok.pk).update(habis_pada=timezone.now())
