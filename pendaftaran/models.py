"""Patients and visits.

A visit (Kunjungan) carries the UUID the client minted when the officer started typing it. The
create path is idempotent on that UUID, so a registration retried after a network error, or
replayed from a browser that was offline, is stored exactly once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class JenisKelamin(models.TextChoices):
    L = "L", "Laki-laki"
    P = "P", "Perempuan"


class Pasien(models.Model):
    # No index of its own: pasien_rm_unik (puskesmas, no_rm) leads with it.
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="pasien", db_index=False
    )
    no_rm = models.CharField("No. RM", max_length=12, editable=False)
    nik = models.CharField("NIK", max_length=16, null=True, blank=True)
    # Infants without a NIK of their own are registered under the mother's NIK (SATUSEHAT allows
    # it); it is kept apart from `nik` so `nik` can stay unique per person.
    nik_ibu = models.CharField("NIK ibu", max_length=16, blank=True)
    no_bpjs = models.CharField("No. kartu BPJS", max_length=13, null=True, blank=True)
    nama = models.CharField("nama", max_length=150)
    # Indexed with its Puskesmas only (migration 0007): a prefix btree and a trigram GIN index.
    nama_cari = models.CharField(max_length=150, editable=False)
    # pendaftaran.nama's canonical core tokens without spaces ("Siti Nur Aini", "Sity Nuraini"
    # → SITINURAINI): finds a namesake behind a one-digit birth-date slip by index.
    nama_kunci = models.CharField(max_length=150, editable=False, blank=True, default="")
    # A patient without NIK: sex + birth date + nama_kunci, unique per Puskesmas, the database's
    # last word against two counters creating one person twice (services.pasien_buat also
    # serialises on it). Blank with a NIK, or when an officer confirmed a namesake is new.
    kunci_identitas = models.CharField(max_length=170, editable=False, blank=True, default="")
    tanggal_lahir = models.DateField("tanggal lahir")
    jenis_kelamin = models.CharField("jenis kelamin", max_length=1, choices=JenisKelamin.choices)
    alamat = models.CharField("alamat", max_length=255, blank=True)
    no_hp = models.CharField("No. HP", max_length=20, blank=True)
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    diubah_pada = models.DateTimeField(auto_now=True)
    dibuat_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "Pasien"
        verbose_name_plural = "Pasien"
        constraints = [
            models.UniqueConstraint(fields=["puskesmas", "no_rm"], name="pasien_rm_unik"),
            models.UniqueConstraint(
                fields=["puskesmas", "nik"], condition=Q(nik__isnull=False), name="pasien_nik_unik"
            ),
            models.UniqueConstraint(
                fields=["puskesmas", "no_bpjs"],
                condition=Q(no_bpjs__isnull=False),
                name="pasien_bpjs_unik",
            ),
            models.UniqueConstraint(
                fields=["puskesmas", "kunci_identitas"],
                condition=~Q(kunci_identitas=""),
                name="pasien_identitas_unik",
            ),
        ]
        indexes = [
            models.Index(fields=["puskesmas", "tanggal_lahir"], name="pasien_lahir_idx"),
            # A mother's NIK typed at the counter finds her babies; partial, as most rows are "".
            models.Index(
                fields=["puskesmas", "nik_ibu"], condition=~Q(nik_ibu=""), name="pasien_nik_ibu_idx"
            ),
            models.Index(fields=["puskesmas", "nama_kunci"], name="pasien_nama_kunci_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.nama} (RM {self.no_rm})"

    @property
    def tanpa_nik(self) -> bool:
        """Flagged on screen: a patient without NIK cannot be matched nationally (SATUSEHAT)."""
        return not self.nik


class Penjamin(models.TextChoices):
    BPJS = "bpjs", "BPJS (JKN)"
    UMUM = "umum", "Umum / bayar sendiri"


class Sumber(models.TextChoices):
    LOKET = "loket", "Loket"
    OFFLINE = "offline", "Loket (luring, dikirim ulang)"
    SUSULAN = "susulan", "Entri susulan dari kertas"
    MOBILE_JKN = "mobile_jkn", "Mobile JKN"
    API = "api", "Integrasi API"


class StatusKunjungan(models.TextChoices):
    TERDAFTAR = "terdaftar", "Terdaftar"
    SELESAI = "selesai", "Selesai"
    BATAL = "batal", "Dibatalkan"


class Kunjungan(models.Model):
    client_uuid = models.UUIDField("UUID klien", unique=True, default=uuid.uuid4)
    # No index of its own: kunjungan_tanggal_idx (puskesmas, tanggal) leads with it.
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="kunjungan", db_index=False
    )
    pasien = models.ForeignKey(Pasien, on_delete=models.PROTECT, related_name="kunjungan")
    tanggal = models.DateField("tanggal kunjungan")
    unit = models.ForeignKey(
        "antrean.UnitLayanan", on_delete=models.PROTECT, related_name="kunjungan"
    )
    klaster = models.ForeignKey("antrean.Klaster", on_delete=models.PROTECT, related_name="+")
    # What the routing rules suggested; when the officer picked another unit, that is recorded.
    layanan_saran = models.CharField("layanan disarankan", max_length=12, blank=True)
    alasan_saran = models.CharField("alasan saran", max_length=200, blank=True)
    saran_diubah = models.BooleanField("saran klaster diubah petugas", default=False)
    penjamin = models.CharField(max_length=4, choices=Penjamin.choices)
    keluhan = models.CharField("keluhan utama", max_length=500, blank=True)
    hamil = models.BooleanField("sedang hamil", default=False)
    suspek_menular = models.BooleanField("dugaan penyakit menular", default=False)
    disabilitas = models.BooleanField("penyandang disabilitas", default=False)
    darurat = models.BooleanField("gawat darurat", default=False)
    gagal_daftar_online = models.BooleanField("gagal daftar online", default=False)
    sumber = models.CharField(max_length=12, choices=Sumber.choices, default=Sumber.LOKET)
    status = models.CharField(
        max_length=10, choices=StatusKunjungan.choices, default=StatusKunjungan.TERDAFTAR
    )
    mode_downtime = models.BooleanField("dicatat saat downtime", default=False)
    petugas = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # No index of its own: kunjungan_loket_idx (loket, tanggal) leads with it.
    loket = models.ForeignKey(
        "puskesmas.Loket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Two clocks on purpose: when the officer registered the patient (their screen, possibly
    # offline for hours) and when the server first heard of it.
    dibuat_klien = models.DateTimeField("waktu di loket")
    diterima_server = models.DateTimeField("diterima server", auto_now_add=True)
    alasan_batal = models.CharField("alasan batal", max_length=200, blank=True)
    dibatalkan_pada = models.DateTimeField(null=True, blank=True)
    dibatalkan_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "Kunjungan"
        verbose_name_plural = "Kunjungan"
        ordering = ["-dibuat_klien"]
        constraints = [
            # The service refuses a second open visit of a patient to one unit on one day; two
            # counters registering the same patient at the same instant both pass that check,
            # so the database has the last word.
            models.UniqueConstraint(
                fields=["pasien", "unit", "tanggal"],
                condition=~models.Q(status="batal"),
                name="kunjungan_sekali_per_unit_hari",
            ),
        ]
        indexes = [
            models.Index(fields=["puskesmas", "tanggal"], name="kunjungan_tanggal_idx"),
            models.Index(fields=["loket", "tanggal"], name="kunjungan_loket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pasien.nama} — {self.unit} ({self.tanggal:%d-%m-%Y})"

    @property
    def tiket_pertama(self):
        return self.tiket.order_by("dibuat_pada").first()
