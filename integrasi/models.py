"""Per-Puskesmas settings of every outside system, so one district server serves many.

A Puskesmas without a row (or with a service switched off here) uses the deployment's
environment defaults (BPJS_*, JKN_*, SATUSEHAT_*): a single-Puskesmas install needs no row.
Secrets are stored encrypted (integrasi.kunci) in the `*_enc` columns and are never shown
again once saved; blank means "not set here".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Lingkungan(models.TextChoices):
    DEV = "dev", "Development"
    STAGING = "staging", "Staging (sandbox)"
    PRODUCTION = "production", "Production"


# From the public SATUSEHAT docs (../shared/docs/satusehat.md).
URL_SATUSEHAT = {
    Lingkungan.DEV: "https://api-satusehat-dev.dto.kemkes.go.id",
    Lingkungan.STAGING: "https://api-satusehat-stg.dto.kemkes.go.id",
    Lingkungan.PRODUCTION: "https://api-satusehat.kemkes.go.id",
}

# Secret fields: form name → encrypted column.
RAHASIA = {
    "bpjs_secret_key": "bpjs_secret_key_enc",
    "bpjs_user_key": "bpjs_user_key_enc",
    "bpjs_antrean_user_key": "bpjs_antrean_user_key_enc",
    "pcare_password": "pcare_password_enc",
    "jkn_password": "jkn_password_enc",
    "ss_client_secret": "ss_client_secret_enc",
}


class PengaturanIntegrasi(models.Model):
    puskesmas = models.OneToOneField(
        "puskesmas.Puskesmas", on_delete=models.CASCADE, related_name="integrasi"
    )
    # --- BPJS PCare + Antrean FKTP (we call BPJS)
    bpjs_aktif = models.BooleanField("pakai kredensial BPJS sendiri", default=False)
    bpjs_cons_id = models.CharField("cons-id", max_length=20, blank=True)
    bpjs_secret_key_enc = models.TextField(blank=True)
    bpjs_user_key_enc = models.TextField(blank=True)
    bpjs_antrean_user_key_enc = models.TextField(blank=True)
    pcare_username = models.CharField("username PCare", max_length=60, blank=True)
    pcare_password_enc = models.TextField(blank=True)
    bpjs_app_code = models.CharField("kode aplikasi", max_length=10, blank=True)
    pcare_base_url = models.URLField("URL PCare", blank=True)
    antrean_base_url = models.URLField("URL Antrean FKTP", blank=True)
    # --- Mobile JKN calling our Antrean FKTP web services
    jkn_aktif = models.BooleanField("pakai login Mobile JKN sendiri", default=False)
    jkn_username = models.CharField("username web service Mobile JKN", max_length=60, blank=True)
    jkn_password_enc = models.TextField(blank=True)
    # --- SATUSEHAT (one client id serves exactly one Organization id)
    ss_aktif = models.BooleanField("kirim ke SATUSEHAT", default=False)
    ss_client_id = models.CharField("client id", max_length=100, blank=True)
    ss_client_secret_enc = models.TextField(blank=True)
    ss_organization_id = models.CharField("Organization id", max_length=64, blank=True)
    ss_lingkungan = models.CharField(
        "lingkungan", max_length=12, choices=Lingkungan.choices, default=Lingkungan.STAGING
    )
    ss_base_url = models.URLField(
        "URL dasar (ganti)", blank=True, help_text="Kosong: URL resmi lingkungan di atas."
    )
    diubah_pada = models.DateTimeField(auto_now=True)
    diubah_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "Pengaturan integrasi"
        verbose_name_plural = "Pengaturan integrasi"
        constraints = [
            # Mobile JKN finds the Puskesmas by its login: a username names one Puskesmas.
            models.UniqueConstraint(
                fields=["jkn_username"],
                condition=~models.Q(jkn_username=""),
                name="integrasi_jkn_username_unik",
            ),
        ]

    def __str__(self) -> str:
        return f"Integrasi {self.puskesmas}"

    def rahasia_terisi(self, nama: str) -> bool:
        return bool(getattr(self, RAHASIA[nama]))
