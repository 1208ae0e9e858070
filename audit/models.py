"""The audit trail: who did what to which record, when and from where.

Append-only. Rows are only ever inserted by `audit.services.catat`; the model, its manager and
querysets refuse update and delete, the admin offers neither, and on PostgreSQL a trigger
refuses UPDATE/DELETE in the database itself (SQLite: UPDATE), so not even a stray raw query in
the application can rewrite history. Retention purges are a DBA's job, outside the app
(see docs/keamanan.md).

The references to user and Puskesmas carry no database constraint and never cascade: deleting
a user must not rewrite (or block on) the rows that say what that user did; the username is
kept as text for that reason.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class Aksi(models.TextChoices):
    MASUK = "masuk", "Masuk"
    KELUAR = "keluar", "Keluar"
    KELUAR_IDLE = "keluar_idle", "Keluar otomatis (tidak aktif)"
    MASUK_GAGAL = "masuk_gagal", "Gagal masuk"
    TERKUNCI = "terkunci", "Akun terkunci (terlalu banyak gagal)"
    PASIEN_LIHAT = "pasien_lihat", "Data pasien dibuka"
    PASIEN_BUAT = "pasien_buat", "Pasien baru"
    PASIEN_UBAH = "pasien_ubah", "Data pasien diubah"
    PASIEN_GABUNG = "pasien_gabung", "Data pasien digabung"
    PASIEN_EKSPOR = "pasien_ekspor", "Data pasien diekspor"
    KUNJUNGAN_BUAT = "kunjungan_buat", "Kunjungan didaftarkan"
    KUNJUNGAN_BATAL = "kunjungan_batal", "Kunjungan dibatalkan"
    KONFLIK_SELESAI = "konflik_selesai", "Konflik replay diselesaikan"
    DOWNTIME_UBAH = "downtime_ubah", "Mode downtime diubah"
    LAPORAN_EKSPOR = "laporan_ekspor", "Laporan diekspor"
    BPJS_WORKLIST = "bpjs_worklist", "Tindakan worklist BPJS"
    TOKEN_BUAT = "token_buat", "Token API dibuat"
    TOKEN_CABUT = "token_cabut", "Token API dicabut"
    AUDIT_EKSPOR = "audit_ekspor", "Log audit diekspor"
    INTEGRASI_UBAH = "integrasi_ubah", "Pengaturan integrasi diubah"


class AuditTidakBolehDiubah(Exception):
    """Raised on any attempt to change or delete an audit row."""

    def __init__(self) -> None:
        super().__init__("Log audit hanya bisa ditambah; tidak bisa diubah atau dihapus.")


class AuditQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTidakBolehDiubah()

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AuditTidakBolehDiubah()

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTidakBolehDiubah()

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTidakBolehDiubah()

    def untuk_puskesmas(self, puskesmas_id: int | None) -> AuditQuerySet:
        return self.filter(puskesmas_id=puskesmas_id)


class AuditLog(models.Model):
    waktu = models.DateTimeField("waktu", default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="pengguna",
    )
    username = models.CharField("nama pengguna", max_length=150, blank=True)
    peran = models.CharField("peran", max_length=20, blank=True)
    # Indexed by audit_pkm_waktu (puskesmas, -waktu), which leads with it.
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Only ever compared whole (a choice): a plain index, without the LIKE twin (varchar
    # pattern ops) that db_index=True adds on PostgreSQL.
    aksi = models.CharField("aksi", max_length=30, choices=Aksi.choices)
    # What the action touched, as "app_label.model" + primary key: never the person's name,
    # NIK or address, so the log itself holds no personal data beyond the reference.
    objek_tipe = models.CharField("jenis objek", max_length=60, blank=True)
    # Looked up with its objek_tipe only: audit_objek (objek_tipe, objek_id) is its index.
    objek_id = models.CharField("ID objek", max_length=40, blank=True)
    ringkasan = models.CharField("ringkasan", max_length=300, blank=True)
    ip = models.GenericIPAddressField("alamat IP", null=True, blank=True)
    user_agent = models.CharField("user agent", max_length=300, blank=True)
    path = models.CharField("alamat halaman", max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "Log audit"
        verbose_name_plural = "Log audit"
        ordering = ["-waktu", "-id"]
        indexes = [
            models.Index(fields=["puskesmas", "-waktu"], name="audit_pkm_waktu"),
            models.Index(fields=["objek_tipe", "objek_id"], name="audit_objek"),
            models.Index(fields=["aksi"], name="audit_aksi"),
        ]
        default_permissions = ("view",)  # no add/change/delete permission exists to grant

    def __str__(self) -> str:
        # The Puskesmas' wall clock, as every page writes it (puskesmas/tampilan.py).
        waktu = timezone.localtime(self.waktu) if timezone.is_aware(self.waktu) else self.waktu
        return f"{waktu:%d-%m-%Y %H.%M} {self.username or '-'} {self.get_aksi_display()}"

    # save() only refuses updates: config.sisip may INSERT a new row without it.
    SISIP_TANPA_SAVE = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTidakBolehDiubah()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise AuditTidakBolehDiubah()
