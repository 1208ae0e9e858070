"""The tenant. Every record in the other apps hangs off a Puskesmas so one deployment can serve a
whole district; staff belong to exactly one Puskesmas and only ever see its data."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


class Puskesmas(models.Model):
    nama = models.CharField("nama", max_length=200)
    kode_faskes = models.CharField(
        "kode faskes BPJS",
        max_length=8,
        unique=True,
        help_text="Kode FKTP dari BPJS, mis. 0114U163",
    )
    alamat = models.TextField("alamat", blank=True)
    # The last No. RM handed out. Only ever incremented, so a number is never reused even when
    # a patient record is merged away.
    rm_terakhir = models.PositiveIntegerField("No. RM terakhir", default=0, editable=False)
    # Opens the TV display without a login; shows no personal data.
    kunci_display = models.CharField(
        "kunci layar TV", max_length=64, default=secrets.token_urlsafe, unique=True
    )

    class Meta:
        verbose_name = "Puskesmas"
        verbose_name_plural = "Puskesmas"

    def __str__(self) -> str:
        return self.nama


class Loket(models.Model):
    puskesmas = models.ForeignKey(Puskesmas, on_delete=models.PROTECT, related_name="loket")
    kode = models.CharField("kode", max_length=10, help_text="Singkat, mis. L1")
    nama = models.CharField("nama", max_length=100)
    aktif = models.BooleanField("aktif", default=True)

    class Meta:
        verbose_name = "Loket"
        verbose_name_plural = "Loket"
        ordering = ["puskesmas", "kode"]
        constraints = [
            models.UniqueConstraint(fields=["puskesmas", "kode"], name="loket_kode_unik"),
        ]

    def __str__(self) -> str:
        return f"{self.nama} ({self.puskesmas.nama})"


class Peran(models.TextChoices):
    LOKET = "loket", "Petugas loket"
    POLI = "poli", "Petugas poli"
    ADMIN = "admin", "Admin Puskesmas"
    KEPALA = "kepala", "Kepala Puskesmas"


class Petugas(models.Model):
    """A staff member: which Puskesmas they work at and in which role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="petugas"
    )
    puskesmas = models.ForeignKey(Puskesmas, on_delete=models.PROTECT, related_name="petugas")
    peran = models.CharField("peran", max_length=10, choices=Peran.choices)
    loket = models.ForeignKey(
        Loket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="loket utama",
    )
    klaster = models.ForeignKey(
        "antrean.Klaster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="klaster (petugas poli)",
    )

    class Meta:
        verbose_name = "Petugas"
        verbose_name_plural = "Petugas"

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} — {self.get_peran_display()}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def aktif(self) -> ApiTokenQuerySet:
        return self.filter(dicabut_pada__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """Bearer token for integrators. Only the SHA-256 of the token is stored; the token itself
    is shown once when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    nama = models.CharField("nama", max_length=100, blank=True)
    prefix = models.CharField(max_length=8, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    terakhir_dipakai = models.DateTimeField(null=True, blank=True, editable=False)
    dicabut_pada = models.DateTimeField("dicabut pada", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "Token API"
        verbose_name_plural = "Token API"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def hash_of(cls, raw: str) -> str:
        return _hash_token(raw)
