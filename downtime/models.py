"""Downtime: declared and detected outages (the ledger), the queue-number blocks a loket holds
for working offline, and every entry replayed from an offline browser or typed in from paper.

An entry is stored before anything else happens to it, keyed by the client's UUID, so a replay
sent twice is answered from the stored row and an entry is never lost, whatever its outcome.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from puskesmas.tampilan import tanggal_jam


class JenisEpisode(models.TextChoices):
    JARINGAN_LOKET = "jaringan_loket", "Jaringan loket terputus"
    SERVER = "server", "Server tidak terjangkau"
    BPJS = "bpjs", "BPJS tidak tersedia"
    DEKLARASI = "deklarasi", "Dinyatakan admin"


class AlasanDowntime(models.TextChoices):
    PEMELIHARAAN = "pemeliharaan", "Pemeliharaan terencana"
    ERM = "erm", "Gangguan aplikasi / ERM"
    LISTRIK = "listrik", "Listrik padam"
    JARINGAN = "jaringan", "Gangguan jaringan / internet"
    LAIN = "lain", "Lainnya"


class Pendeteksi(models.TextChoices):
    PETUGAS = "petugas", "Petugas (dinyatakan)"
    LOKET = "loket", "Browser loket"
    SISTEM = "sistem", "Sistem"


class EpisodeDowntime(models.Model):
    """One outage, from the moment it was noticed to the moment it ended. The SOP incident log
    (date, unit, time reported, time responded, duration, cause, work done) is read from here."""

    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="episode_downtime"
    )
    # Empty for an outage of the whole Puskesmas (server, power, BPJS).
    loket = models.ForeignKey(
        "puskesmas.Loket", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    jenis = models.CharField("jenis", max_length=16, choices=JenisEpisode.choices)
    alasan = models.CharField("alasan", max_length=16, choices=AlasanDowntime.choices, blank=True)
    keterangan = models.CharField("keterangan", max_length=300, blank=True)
    mulai = models.DateTimeField("mulai (dilaporkan)")
    selesai = models.DateTimeField("selesai", null=True, blank=True)
    direspons_pada = models.DateTimeField("direspons pada", null=True, blank=True)
    dideteksi = models.CharField("dideteksi oleh", max_length=8, choices=Pendeteksi.choices)
    dilaporkan_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    diakhiri_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the browsers said they had captured offline (their outbox size); the server only
    # learns of an entry when it is replayed, so the two may differ for a while.
    entri_tercatat = models.PositiveIntegerField("entri dicatat luring", default=0)
    # When the last of its entries was settled (none left in review); the "time to full
    # reconciliation" of the ledger.
    rekonsiliasi_selesai = models.DateTimeField("rekonsiliasi selesai", null=True, blank=True)
    penyebab = models.TextField("penyebab", blank=True)
    perbaikan = models.TextField("tindakan / perbaikan", blank=True)
    diubah_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    diubah_pada = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Episode downtime"
        verbose_name_plural = "Episode downtime"
        ordering = ["-mulai"]
        indexes = [
            models.Index(fields=["puskesmas", "selesai"], name="episode_aktif_idx"),
            models.Index(fields=["puskesmas", "mulai"], name="episode_mulai_idx"),
        ]

    def __str__(self) -> str:
        tempat = self.loket.kode if self.loket_id else "Puskesmas"
        return f"{self.get_jenis_display()} — {tempat} {tanggal_jam(self.mulai)}"

    @property
    def aktif(self) -> bool:
        return self.selesai is None

    @property
    def durasi(self) -> timedelta | None:
        return self.selesai - self.mulai if self.selesai else None

    @property
    def durasi_respons(self) -> timedelta | None:
        return self.direspons_pada - self.mulai if self.direspons_pada else None


class BlokNomorOffline(models.Model):
    """Queue numbers of one unit and day reserved for one loket while it was online. Offline
    tickets are printed with these numbers, so they never collide with online numbers or with
    another loket's offline numbers."""

    loket = models.ForeignKey("puskesmas.Loket", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("antrean.UnitLayanan", on_delete=models.CASCADE, related_name="+")
    tanggal = models.DateField()
    pertama = models.PositiveIntegerField()
    terakhir = models.PositiveIntegerField()
    # Set once every number of the block has a ticket, or when the loket took a fresh block
    # while this one was nearly spent.
    habis_pada = models.DateTimeField("habis pada", null=True, blank=True)
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    dibuat_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "Blok nomor luring"
        verbose_name_plural = "Blok nomor luring"
        ordering = ["tanggal", "unit", "pertama"]
        indexes = [models.Index(fields=["loket", "unit", "tanggal"], name="blok_loket_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(terakhir__gte=models.F("pertama")), name="blok_urut")
        ]

    def __str__(self) -> str:
        return f"{self.loket.kode} {self.unit.prefix} {self.pertama}–{self.terakhir} {self.tanggal}"

    @property
    def jumlah(self) -> int:
        return self.terakhir - self.pertama + 1


class NomorLuring(models.Model):
    """An offline number a loket showed to a patient, owned by that patient's entry for the day.

    Written the moment the server first hears of the number (in the replay transaction, before
    the entry's outcome is decided), whatever the outcome: created, duplicate, review, rejected,
    or an answer the loket never received. The number is then never free again: a block's
    `terpakai` lists it and the replay never gives it to another entry."""

    puskesmas = models.ForeignKey("puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="+")
    loket = models.ForeignKey("puskesmas.Loket", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("antrean.UnitLayanan", on_delete=models.PROTECT, related_name="+")
    tanggal = models.DateField()
    nomor = models.PositiveIntegerField()
    client_uuid = models.UUIDField("UUID entri pemilik", null=True, blank=True)
    dicatat_pada = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Nomor luring terpakai"
        verbose_name_plural = "Nomor luring terpakai"
        constraints = [
            models.UniqueConstraint(fields=["unit", "tanggal", "nomor"], name="nomor_luring_unik")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.tanggal}/{self.nomor}"


class KontakLoket(models.Model):
    """A stretch of time in which a loket's page kept reaching the server (its heartbeat).

    The server's own evidence of when a loket was online: an offline entry that claims a time
    inside such a stretch did not happen offline then, so its time is not trusted."""

    loket = models.ForeignKey("puskesmas.Loket", on_delete=models.CASCADE, related_name="+")
    mulai = models.DateTimeField()
    selesai = models.DateTimeField()

    class Meta:
        verbose_name = "Kontak loket"
        verbose_name_plural = "Kontak loket"
        indexes = [models.Index(fields=["loket", "selesai"], name="kontak_loket_idx")]

    def __str__(self) -> str:
        return f"{self.loket_id}: {self.mulai:%H:%M:%S}–{self.selesai:%H:%M:%S}"


class StatusEntri(models.TextChoices):
    DIBUAT = "dibuat", "Dibuat"
    DILAMPIRKAN = "dilampirkan", "Dilampirkan ke pasien lama"
    DUPLIKAT = "duplikat", "Duplikat"
    DITINJAU = "ditinjau", "Perlu ditinjau"
    DITOLAK = "ditolak", "Ditolak (data salah)"


# Entries still waiting for an admin; every other status is settled.
STATUS_TERBUKA = (StatusEntri.DITINJAU, StatusEntri.DITOLAK)


class AlasanTinjau(models.TextChoices):
    KONFLIK_NIK = "konflik_nik", "NIK/kartu sudah dipakai pasien dengan nama/tanggal lahir lain"
    MIRIP_TANPA_NIK = "mirip", "Pasien tanpa NIK mirip pasien terdaftar"
    GALAT_DATA = "galat_data", "Data tidak valid"
    GALAT_SISTEM = "galat_sistem", "Galat sistem saat diproses"
    WAKTU = "waktu", "Waktu entri di luar jendela yang wajar"


class SumberEntri(models.TextChoices):
    OFFLINE = "offline", "Loket luring"
    SUSULAN = "susulan", "Entri susulan dari kertas"


class EntriReplay(models.Model):
    """One registration made offline (or on paper) and sent to the server, with its outcome."""

    client_uuid = models.UUIDField("UUID klien", unique=True)
    # Indexed by entri_status_idx (puskesmas, status); a second index would only slow the
    # replay's bulk inserts (issue 15).
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    loket = models.ForeignKey(
        "puskesmas.Loket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    petugas = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dikirim_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    episode = models.ForeignKey(  # indexed by entri_episode_idx (episode, status)
        EpisodeDowntime,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entri",
        db_index=False,
    )
    sumber = models.CharField(max_length=8, choices=SumberEntri.choices)
    dibuat_klien = models.DateTimeField("waktu di loket", null=True, blank=True)
    # The patient's own client-side UUID: several offline visits of one new patient (Poli Umum,
    # then Lab) share it and must end on one patient record.
    pasien_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    payload = models.JSONField("data dari loket")
    # The payload as first received, kept when an admin corrects the entry.
    payload_asli = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=StatusEntri.choices)
    # The outcome of the first replay, kept for the ledger after a review settles the entry.
    status_awal = models.CharField(max_length=12, choices=StatusEntri.choices)
    alasan_tinjau = models.CharField(max_length=12, choices=AlasanTinjau.choices, blank=True)
    pesan = models.CharField(max_length=300, blank=True)
    galat = models.JSONField(default=dict, blank=True)
    kandidat = models.JSONField("ID pasien kandidat", default=list, blank=True)
    pasien = models.ForeignKey(
        "pendaftaran.Pasien", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kunjungan = models.ForeignKey(
        "pendaftaran.Kunjungan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # For a duplicate: the visit that was kept. Set on a few entries in a hundred: indexed only
    # where set (entri_dipertahankan_idx), which is all a visit's PROTECT check reads.
    kunjungan_dipertahankan = models.ForeignKey(
        "pendaftaran.Kunjungan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    nomor_diminta = models.PositiveIntegerField("nomor luring", null=True, blank=True)
    nomor_baru = models.BooleanField("diberi nomor baru", default=False)
    # The PC's own clock when the entry was typed, and the offset to the server the page had
    # learnt: `dibuat_klien` is the corrected time. Kept so a wrong clock can be shown.
    jam_pc = models.DateTimeField("jam komputer loket", null=True, blank=True)
    selisih_jam_ms = models.BigIntegerField("selisih jam loket (ms)", null=True, blank=True)
    # The officer at the loket saw the outcome (final number, review decision). Cleared again
    # when an admin's decision changes the outcome, so the loket is told once more.
    diberitahu_pada = models.DateTimeField("loket sudah diberi tahu", null=True, blank=True)
    diterima_pada = models.DateTimeField(auto_now_add=True)
    diproses_pada = models.DateTimeField(null=True, blank=True)
    diselesaikan_pada = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Entri luring"
        verbose_name_plural = "Entri luring"
        ordering = ["dibuat_klien"]
        indexes = [
            models.Index(fields=["puskesmas", "status"], name="entri_status_idx"),
            models.Index(fields=["episode", "status"], name="entri_episode_idx"),
            models.Index(
                fields=["kunjungan_dipertahankan"],
                condition=models.Q(kunjungan_dipertahankan__isnull=False),
                name="entri_dipertahankan_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_uuid} ({self.get_status_display()})"

    @property
    def terbuka(self) -> bool:
        return self.status in STATUS_TERBUKA

    @property
    def data_pasien(self) -> dict:
        p = self.payload.get("pasien") if isinstance(self.payload, dict) else None
        return p if isinstance(p, dict) else {}


class Keputusan(models.TextChoices):
    GABUNG = "gabung", "Gabungkan ke pasien lama"
    PISAH = "pisah", "Simpan sebagai pasien baru"
    KOREKSI = "koreksi", "Koreksi data dan proses ulang"


class KeputusanTinjau(models.Model):
    """Who decided what about an entry in review, and when. Never edited, only added."""

    entri = models.ForeignKey(EntriReplay, on_delete=models.CASCADE, related_name="keputusan")
    keputusan = models.CharField(max_length=8, choices=Keputusan.choices)
    oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    pada = models.DateTimeField(auto_now_add=True)
    catatan = models.CharField(max_length=300, blank=True)
    status_sebelum = models.CharField(max_length=12)
    status_sesudah = models.CharField(max_length=12)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "Keputusan tinjauan"
        verbose_name_plural = "Keputusan tinjauan"
        ordering = ["pada"]

    def __str__(self) -> str:
        return f"{self.get_keputusan_display()} ({tanggal_jam(self.pada)})"
