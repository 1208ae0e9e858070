"""Clusters (ILP), service units, tickets and their daily numbering.

Clusters and units are data an admin edits: which rooms a Puskesmas runs, and under which
cluster, differs between Puskesmas and the ministry's own texts disagree on some of them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Klaster(models.Model):
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="klaster"
    )
    nomor = models.PositiveSmallIntegerField("nomor klaster", help_text="1–5 menurut ILP")
    nama = models.CharField("nama", max_length=100)
    keterangan = models.TextField("keterangan", blank=True)

    class Meta:
        verbose_name = "Klaster"
        verbose_name_plural = "Klaster"
        ordering = ["puskesmas", "nomor"]
        constraints = [
            models.UniqueConstraint(fields=["puskesmas", "nomor"], name="klaster_nomor_unik"),
        ]

    def __str__(self) -> str:
        return f"Klaster {self.nomor} — {self.nama}"


class Layanan(models.TextChoices):
    """What a unit offers, in the vocabulary of the routing rules (antrean/routing.py)."""

    KIA = "kia", "Kesehatan ibu (hamil, nifas, KB)"
    ANAK = "anak", "Bayi, anak dan remaja (< 18 th)"
    DEWASA = "dewasa", "Dewasa (18–59 th)"
    LANSIA = "lansia", "Lansia (≥ 60 th)"
    MENULAR = "menular", "Penyakit menular (TB, wabah)"
    GIGI = "gigi", "Gigi dan mulut"
    UGD = "ugd", "Gawat darurat"
    LAB = "lab", "Laboratorium"
    FARMASI = "farmasi", "Farmasi"
    PERSALINAN = "persalinan", "Persalinan / rawat inap"
    LAIN = "lain", "Lainnya"


class UnitLayanan(models.Model):
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="unit_layanan"
    )
    klaster = models.ForeignKey(Klaster, on_delete=models.PROTECT, related_name="unit")
    kode = models.CharField("kode", max_length=20, help_text="mis. UMUM, GIGI, KIA")
    nama = models.CharField("nama", max_length=100)
    layanan = models.CharField("jenis layanan", max_length=12, choices=Layanan.choices)
    prefix = models.CharField(
        "awalan nomor antrean", max_length=3, help_text="Huruf di depan nomor, mis. A → A-012"
    )
    kd_poli_pcare = models.CharField(
        "kode poli PCare", max_length=3, blank=True, help_text="Kode poli BPJS PCare, mis. 001"
    )
    aktif = models.BooleanField("aktif", default=True)
    urutan = models.PositiveSmallIntegerField("urutan tampil", default=0)
    menit_per_pasien = models.PositiveSmallIntegerField(
        "perkiraan menit per pasien", default=8, help_text="Untuk perkiraan waktu tunggu"
    )

    class Meta:
        verbose_name = "Unit layanan"
        verbose_name_plural = "Unit layanan"
        ordering = ["puskesmas", "klaster__nomor", "urutan", "nama"]
        constraints = [
            models.UniqueConstraint(fields=["puskesmas", "kode"], name="unit_kode_unik"),
            models.UniqueConstraint(fields=["puskesmas", "prefix"], name="unit_prefix_unik"),
        ]

    def __str__(self) -> str:
        return self.nama

    def clean(self) -> None:
        # The loket, poli and TV read a Puskesmas' units with their clusters by that
        # Puskesmas on both sides (puskesmas/rujukan.py): a unit under another's cluster
        # would simply be missing there.
        if self.klaster_id and self.puskesmas_id and self.klaster.puskesmas_id != self.puskesmas_id:
            raise ValidationError(
                {"klaster": "Klaster harus milik Puskesmas yang sama dengan unit layanan ini."}
            )


class PenomoranHarian(models.Model):
    """The last queue numbers handed out per unit per day, online and to offline blocks.
    Both move under this row's lock (antrean/services.py)."""

    unit = models.ForeignKey(UnitLayanan, on_delete=models.CASCADE, related_name="+")
    tanggal = models.DateField()
    terakhir = models.PositiveIntegerField(default=0)
    # The highest number reserved for a loket's offline block (0: none yet today).
    terakhir_luring = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "tanggal"], name="penomoran_unit_tanggal"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.tanggal}: {self.terakhir}"


class StatusTiket(models.TextChoices):
    MENUNGGU = "menunggu", "Menunggu"
    DIPANGGIL = "dipanggil", "Dipanggil"
    DILAYANI = "dilayani", "Sedang dilayani"
    SELESAI = "selesai", "Selesai"
    DILEWATI = "dilewati", "Dilewati"
    BATAL = "batal", "Dibatalkan"


def _token_publik() -> str:
    return secrets.token_urlsafe(9)


class Tiket(models.Model):
    """A place in one unit's queue. A visit can hold a chain of tickets
    (Poli Umum → Lab → Poli Umum → Farmasi), each one a new number in the next unit's queue."""

    kunjungan = models.ForeignKey(
        "pendaftaran.Kunjungan", on_delete=models.PROTECT, related_name="tiket"
    )
    # No index of its own: tiket_nomor_unik (unit, tanggal, nomor) leads with it.
    unit = models.ForeignKey(
        UnitLayanan, on_delete=models.PROTECT, related_name="tiket", db_index=False
    )
    tanggal = models.DateField()
    nomor = models.PositiveIntegerField()
    kode = models.CharField("nomor antrean", max_length=16)
    status = models.CharField(
        max_length=10, choices=StatusTiket.choices, default=StatusTiket.MENUNGGU
    )
    prioritas = models.BooleanField("prioritas", default=False)
    alasan_prioritas = models.CharField("alasan prioritas", max_length=200, blank=True)
    sebelumnya = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="berikutnya"
    )
    # Opens the patient's status page from the QR code; unguessable, carries no personal data.
    token_publik = models.CharField(max_length=16, unique=True, default=_token_publik)
    # When the patient joined the queue as the officer saw it: for offline entries this is the
    # original time, so replayed tickets take their place in the order patients really came.
    waktu_masuk = models.DateTimeField()
    # Place in the queue order: the number itself, until a skipped ticket is re-queued at the
    # end (antrean/urutan.py). Kept apart from `nomor` because the patient keeps their number.
    urut = models.PositiveIntegerField("urutan", default=0)
    # Issued for an entry made offline or on paper: its place comes from `waktu_masuk` among the
    # online numbers, not from its own number (antrean/services.urut_menurut_waktu).
    luring = models.BooleanField("dari entri luring/susulan", default=False)
    # The number printed offline when the server had to give another one: the poli and the TV
    # show it beside the new number so the patient holding the old slip is not lost.
    kode_cetak = models.CharField("nomor di tiket luring", max_length=16, blank=True)
    # A Mobile JKN booking holds its number before the patient is here: the loket marks the
    # arrival, and the waiting time counts from then (waktu_masuk moves with it).
    hadir_pada = models.DateTimeField("hadir di loket", null=True, blank=True)
    # Denormalised from the transition log for the report and the displays: the first call ends
    # the patient's waiting time; the last call orders the TV and triggers its announcement.
    dipanggil_pertama = models.DateTimeField("pertama dipanggil", null=True, blank=True)
    dipanggil_terakhir = models.DateTimeField("terakhir dipanggil", null=True, blank=True)
    mulai_dilayani = models.DateTimeField("mulai dilayani", null=True, blank=True)
    selesai_pada = models.DateTimeField("selesai pada", null=True, blank=True)
    ditangani_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dipanggil oleh",
    )
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    dibuat_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "Tiket antrean"
        verbose_name_plural = "Tiket antrean"
        ordering = ["tanggal", "unit", "nomor"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "tanggal", "nomor"], name="tiket_nomor_unik"),
        ]
        indexes = [models.Index(fields=["unit", "tanggal", "status"], name="tiket_antrean_idx")]

    def __str__(self) -> str:
        return self.kode


class TiketRiwayat(models.Model):
    """One transition of a ticket: who moved it, when, from which state to which, and why.
    Written by every service in antrean/services.py, never edited; the audit trail a head of
    Puskesmas reads when a patient says they were skipped."""

    class Aksi(models.TextChoices):
        TERBIT = "terbit", "Masuk antrean"
        PANGGIL = "panggil", "Dipanggil"
        PANGGIL_ULANG = "panggil_ulang", "Dipanggil ulang"
        LEWATI = "lewati", "Dilewati"
        MULAI = "mulai", "Mulai dilayani"
        SELESAI = "selesai", "Selesai"
        RUJUK = "rujuk", "Dirujuk ke unit lain"
        ANTRE_ULANG = "antre_ulang", "Antre ulang"
        BATAL = "batal", "Dibatalkan"
        HADIR = "hadir", "Hadir di loket (booking Mobile JKN)"

    # No index of its own: riwayat_tiket_idx (tiket, pada) leads with it.
    tiket = models.ForeignKey(
        Tiket, on_delete=models.CASCADE, related_name="riwayat", db_index=False
    )
    aksi = models.CharField("aksi", max_length=16, choices=Aksi.choices)
    dari = models.CharField("dari status", max_length=10, choices=StatusTiket.choices, blank=True)
    ke = models.CharField("ke status", max_length=10, choices=StatusTiket.choices)
    alasan = models.CharField("alasan", max_length=200, blank=True)
    unit_tujuan = models.ForeignKey(
        UnitLayanan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="unit tujuan rujukan",
    )
    oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pada = models.DateTimeField("waktu")

    class Meta:
        verbose_name = "Riwayat tiket"
        verbose_name_plural = "Riwayat tiket"
        ordering = ["pada", "pk"]
        indexes = [models.Index(fields=["tiket", "pada"], name="riwayat_tiket_idx")]

    def __str__(self) -> str:
        return f"{self.tiket_id}: {self.dari or '-'} → {self.ke} ({self.aksi})"
