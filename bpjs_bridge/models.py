"""The BPJS outbox, its attempts, the eligibility cache and the worklist's audit trail.

A `PermintaanBpjs` row is one call that must reach BPJS exactly once. It is written in the same
transaction as the visit that needs it, so a visit never exists without its BPJS work and the
work never exists without its visit. Celery tasks get only the row's id, claim it, make the one
call and record the outcome; the periodic sweep re-enqueues what a lost message left behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class JenisPermintaan(models.TextChoices):
    CEK_PESERTA = "cek_peserta", "Cek kepesertaan"
    PENDAFTARAN_ADD = "pendaftaran_add", "Pendaftaran PCare"
    PENDAFTARAN_DELETE = "pendaftaran_delete", "Hapus pendaftaran PCare"
    ANTREAN_ADD = "antrean_add", "Antrean Mobile JKN: tambah"
    ANTREAN_PANGGIL = "antrean_panggil", "Antrean Mobile JKN: panggil"
    ANTREAN_BATAL = "antrean_batal", "Antrean Mobile JKN: batal"


class StatusPermintaan(models.TextChoices):
    MENUNGGU = "menunggu", "Menunggu"
    DIPROSES = "diproses", "Sedang diproses"
    BERHASIL = "berhasil", "Berhasil"
    GAGAL_SEMENTARA = "gagal_sementara", "Gagal sementara (dicoba lagi)"
    GAGAL_FINAL = "gagal_final", "Gagal (perlu ditangani)"
    DIBATALKAN = "dibatalkan", "Dibatalkan"
    SELESAI_MANUAL = "selesai_manual", "Ditandai selesai oleh petugas"


# A successor may run once its predecessor is in one of these.
STATUS_SELESAI_OK = (StatusPermintaan.BERHASIL, StatusPermintaan.SELESAI_MANUAL)
STATUS_MENUNGGU = (StatusPermintaan.MENUNGGU, StatusPermintaan.GAGAL_SEMENTARA)
STATUS_AKHIR = (
    StatusPermintaan.BERHASIL,
    StatusPermintaan.DIBATALKAN,
    StatusPermintaan.SELESAI_MANUAL,
)


class Rantai(models.TextChoices):
    """Rows of one chain for one visit run strictly in creation order."""

    PCARE = "pcare", "PCare"
    ANTREAN = "antrean", "Antrean FKTP"


class PermintaanBpjs(models.Model):
    puskesmas = models.ForeignKey(
        "puskesmas.Puskesmas", on_delete=models.PROTECT, related_name="permintaan_bpjs"
    )
    kunjungan = models.ForeignKey(
        "pendaftaran.Kunjungan", on_delete=models.PROTECT, related_name="permintaan_bpjs"
    )
    tiket = models.ForeignKey(
        "antrean.Tiket", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    jenis = models.CharField("jenis", max_length=20, choices=JenisPermintaan.choices)
    rantai = models.CharField("rantai", max_length=8, choices=Rantai.choices)
    # The row that must be settled first (eligibility before registration, add before call).
    setelah = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="penerus"
    )
    payload = models.JSONField("data permintaan", default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=StatusPermintaan.choices, default=StatusPermintaan.MENUNGGU
    )
    percobaan = models.PositiveSmallIntegerField("jumlah percobaan", default=0)
    jadwal = models.DateTimeField("dicoba pada / setelah", db_index=True)
    diklaim_pada = models.DateTimeField(null=True, blank=True)
    diklaim_oleh = models.CharField(max_length=120, blank=True)
    # Last time a Celery message was published for this row; the sweep re-publishes only rows
    # whose message is overdue (lost in a Redis restart, or never sent while Redis was down).
    diantrekan_pada = models.DateTimeField(null=True, blank=True)
    # True once an attempt may have reached BPJS without us seeing the answer (timeout, worker
    # killed mid-call): a PCare registration is then reconciled before it is ever re-sent.
    ambigu = models.BooleanField("hasil percobaan sebelumnya tidak pasti", default=False)
    kode_galat = models.CharField("kode galat", max_length=40, blank=True)
    pesan_galat = models.CharField("pesan galat", max_length=500, blank=True)
    hasil = models.JSONField("hasil", default=dict, blank=True)
    selesai_pada = models.DateTimeField(null=True, blank=True)
    ditangani_oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ditangani_pada = models.DateTimeField(null=True, blank=True)
    dibuat_pada = models.DateTimeField(auto_now_add=True)
    diubah_pada = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Permintaan BPJS"
        verbose_name_plural = "Permintaan BPJS (outbox)"
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "jadwal"], name="bpjs_permintaan_due_idx"),
            models.Index(fields=["kunjungan", "rantai"], name="bpjs_permintaan_rantai_idx"),
            models.Index(
                fields=["puskesmas", "status"],
                name="bpjs_worklist_idx",
                condition=Q(status="gagal_final"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_jenis_display()} — {self.get_status_display()}"

    @property
    def final(self) -> bool:
        return self.status in STATUS_AKHIR or self.status == StatusPermintaan.GAGAL_FINAL


class HasilPercobaan(models.TextChoices):
    BERHASIL = "berhasil", "Berhasil"
    GAGAL_SEMENTARA = "gagal_sementara", "Gagal sementara"
    GAGAL_PERMANEN = "gagal_permanen", "Ditolak BPJS"
    REKONSILIASI = "rekonsiliasi", "Ditemukan lewat rekonsiliasi"


class PercobaanBpjs(models.Model):
    """One attempt: what was tried, how long it took, how it ended. Never edited."""

    permintaan = models.ForeignKey(PermintaanBpjs, on_delete=models.CASCADE, related_name="log")
    ke = models.PositiveSmallIntegerField("percobaan ke")
    mulai = models.DateTimeField("mulai")
    durasi_ms = models.PositiveIntegerField("durasi (ms)", default=0)
    hasil = models.CharField(max_length=16, choices=HasilPercobaan.choices)
    kode_galat = models.CharField(max_length=40, blank=True)
    pesan_galat = models.CharField(max_length=500, blank=True)
    pekerja = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "Percobaan BPJS"
        verbose_name_plural = "Percobaan BPJS"
        ordering = ["permintaan", "ke", "pk"]

    def __str__(self) -> str:
        return f"{self.permintaan_id}#{self.ke} {self.hasil}"


class StatusPeserta(models.Model):
    """The last participant status BPJS gave us for a card. Shown at the counter while BPJS is
    unreachable ("Aktif per 12/11/2026, belum terverifikasi hari ini"), never trusted as today's
    answer: the visit's own check still runs when BPJS is back."""

    puskesmas = models.ForeignKey("puskesmas.Puskesmas", on_delete=models.CASCADE, related_name="+")
    no_kartu = models.CharField("No. kartu", max_length=13)
    nik = models.CharField("NIK", max_length=16, blank=True)
    nama = models.CharField("nama", max_length=150, blank=True)
    aktif = models.BooleanField("aktif")
    ket_aktif = models.CharField("keterangan aktif", max_length=60, blank=True)
    kd_provider = models.CharField("kode FKTP terdaftar", max_length=12, blank=True)
    nm_provider = models.CharField("nama FKTP terdaftar", max_length=150, blank=True)
    tunggakan = models.PositiveIntegerField("tunggakan", default=0)
    jenis_peserta = models.CharField("jenis peserta", max_length=100, blank=True)
    diperiksa_pada = models.DateTimeField("diperiksa pada")

    class Meta:
        verbose_name = "Status peserta (cache)"
        verbose_name_plural = "Status peserta (cache)"
        constraints = [
            models.UniqueConstraint(fields=["puskesmas", "no_kartu"], name="status_peserta_unik")
        ]

    def __str__(self) -> str:
        return f"{self.no_kartu}: {self.ket_aktif or ('AKTIF' if self.aktif else 'TIDAK AKTIF')}"


class AksiWorklist(models.TextChoices):
    COBA_LAGI = "coba_lagi", "Coba lagi"
    UBAH_UMUM = "ubah_umum", "Ubah penjamin ke umum"
    TANDAI_SELESAI = "tandai_selesai", "Tandai selesai"
    PILIH_PCARE = "pilih_pcare", "Pilih pendaftaran PCare"


class TindakanWorklist(models.Model):
    """What a person did about a failed BPJS request, and why."""

    permintaan = models.ForeignKey(
        PermintaanBpjs, on_delete=models.CASCADE, related_name="tindakan"
    )
    aksi = models.CharField(max_length=16, choices=AksiWorklist.choices)
    catatan = models.CharField("catatan", max_length=300, blank=True)
    oleh = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    pada = models.DateTimeField()

    class Meta:
        verbose_name = "Tindakan worklist BPJS"
        verbose_name_plural = "Tindakan worklist BPJS"
        ordering = ["pada", "pk"]

    def __str__(self) -> str:
        return f"{self.permintaan_id}: {self.get_aksi_display()}"
