"""SATUSEHAT: the outbox of Encounter work per visit, the Encounter each visit became, the
patients' IHS numbers, and the admin's mapping of service units to Location + practitioner."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrasi.outbox import BarisOutbox


class JenisKiriman(models.TextChoices):
    ENCOUNTER_BUAT = "encounter_buat", "Encounter dibuat (arrived)"
    ENCOUNTER_PROSES = "encounter_proses", "Encounter dipanggil (in-progress)"
    ENCOUNTER_BATAL = "encounter_batal", "Encounter dibatalkan (cancelled)"


class KirimanSatusehat(BarisOutbox):
    """One Encounter call for one visit. Rows of a visit run strictly in order (`setelah`):
    create, then in-progress, then cancelled; each update sends the whole Encounter."""

    puskesmas = models.ForeignKey("puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="+")
    kunjungan = models.ForeignKey(
        "pendaftaran.Kunjungan", on_delete=models.PROTECT, related_name="kiriman_satusehat"
    )
    jenis = models.CharField("jenis", max_length=20, choices=JenisKiriman.choices)
    setelah = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="penerus"
    )

    class Meta:
        verbose_name = "Kiriman SATUSEHAT"
        verbose_name_plural = "Kiriman SATUSEHAT (outbox)"
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "jadwal"], name="ss_kiriman_due_idx"),
            models.Index(
                fields=["puskesmas", "status"],
                name="ss_worklist_idx",
                condition=Q(status="gagal_final"),
            ),
        ]
        constraints = [
            # Exactly one create per visit: a second publication of the event cannot add one.
            models.UniqueConstraint(
                fields=["kunjungan"],
                condition=Q(jenis="encounter_buat"),
                name="ss_satu_encounter_per_kunjungan",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_jenis_display()} — {self.get_status_display()}"


class EncounterKunjungan(models.Model):
    """The Encounter a visit became at SATUSEHAT (the clinical system finishes it)."""

    kunjungan = models.OneToOneField(
        "pendaftaran.Kunjungan", on_delete=models.PROTECT, related_name="encounter_satusehat"
    )
    encounter_id = models.CharField("Encounter id", max_length=64)
    organization_id = models.CharField(max_length=64)
    status = models.CharField("status terakhir", max_length=20)
    diadopsi = models.BooleanField("ditemukan setelah balasan hilang", default=False)
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    diubah_pada = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Encounter SATUSEHAT"
        verbose_name_plural = "Encounter SATUSEHAT"

    def __str__(self) -> str:
        return f"{self.kunjungan_id} → Encounter/{self.encounter_id} ({self.status})"


class IhsPasien(models.Model):
    """A patient's IHS number (national patient id), cached after the first lookup by NIK."""

    pasien = models.OneToOneField(
        "pendaftaran.Pasien", on_delete=models.CASCADE, related_name="ihs_satusehat"
    )
    ihs = models.CharField("IHS number", max_length=20)
    dicari_dengan = models.CharField(max_length=8, default="nik")  # nik | nik_ibu
    # The number it was found by: a corrected NIK on the patient means a new lookup.
    nomor = models.CharField("NIK / NIK ibu yang dicari", max_length=16, default="")
    dicari_pada = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "IHS pasien"
        verbose_name_plural = "IHS pasien"

    def __str__(self) -> str:
        return f"{self.pasien_id}: {self.ihs}"


class PemetaanUnit(models.Model):
    """Set by the admin: which SATUSEHAT Location a unit is, and who is on duty there."""

    unit = models.OneToOneField(
        "antrean.UnitLayanan", on_delete=models.CASCADE, related_name="pemetaan_satusehat"
    )
    location_id = models.CharField("Location id", max_length=64, blank=True)
    location_nama = models.CharField("nama Location", max_length=150, blank=True)
    praktisi_nik = models.CharField("NIK praktisi bertugas", max_length=16, blank=True)
    praktisi_ihs = models.CharField("IHS praktisi", max_length=20, blank=True)
    praktisi_nama = models.CharField("nama praktisi", max_length=150, blank=True)
    diubah_pada = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Pemetaan unit SATUSEHAT"
        verbose_name_plural = "Pemetaan unit SATUSEHAT"

    def __str__(self) -> str:
        return f"{self.unit} → Location/{self.location_id or '-'}"

    @property
    def lengkap(self) -> bool:
        return bool(self.location_id and self.praktisi_ihs)


class PercobaanSatusehat(models.Model):
    """One attempt: when, how long, how it ended. Never edited."""

    kiriman = models.ForeignKey(KirimanSatusehat, on_delete=models.CASCADE, related_name="log")
    ke = models.PositiveSmallIntegerField("percobaan ke")
    mulai = models.DateTimeField("mulai")
    durasi_ms = models.PositiveIntegerField("durasi (ms)", default=0)
    hasil = models.CharField(max_length=16)
    kode_galat = models.CharField(max_length=40, blank=True)
    pesan_galat = models.CharField(max_length=500, blank=True)
    pekerja = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "Percobaan SATUSEHAT"
        verbose_name_plural = "Percobaan SATUSEHAT"
        ordering = ["kiriman", "ke", "pk"]

    def __str__(self) -> str:
        return f"{self.kiriman_id}#{self.ke} {self.hasil}"
