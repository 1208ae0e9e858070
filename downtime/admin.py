from django.contrib import admin

from puskesmas.admin_lingkup import DibatasiPuskesmas, HanyaBaca

from .models import BlokNomorOffline, EntriReplay, EpisodeDowntime, KeputusanTinjau


@admin.register(EpisodeDowntime)
class EpisodeDowntimeAdmin(HanyaBaca, DibatasiPuskesmas):
    """The downtime ledger: started, ended and annotated on the downtime pages (audited), never
    edited or deleted here."""

    list_display = ["mulai", "selesai", "jenis", "alasan", "loket", "puskesmas", "dideteksi"]
    list_filter = ["puskesmas", "jenis", "alasan"]
    readonly_fields = ["dibuat_pada", "diubah_pada", "rekonsiliasi_selesai"]


@admin.register(BlokNomorOffline)
class BlokNomorOfflineAdmin(HanyaBaca, DibatasiPuskesmas):
    """Reserved offline queue numbers: editing a range here could hand one number to two
    patients, so the admin only reads them."""

    jalur_puskesmas = "loket__puskesmas"

    list_display = ["tanggal", "loket", "unit", "pertama", "terakhir", "habis_pada"]
    list_filter = ["tanggal", "loket"]


class KeputusanInline(HanyaBaca, admin.TabularInline):
    model = KeputusanTinjau
    extra = 0
    can_delete = False
    readonly_fields = ["keputusan", "oleh", "pada", "catatan", "status_sebelum", "status_sesudah"]
    exclude = ["data"]


@admin.register(EntriReplay)
class EntriReplayAdmin(HanyaBaca, DibatasiPuskesmas):
    """Read-only: decisions are made on the review pages (`downtime:tinjau`), which record who
    decided what; a status set here would have no decision behind it."""

    list_display = ["dibuat_klien", "status", "status_awal", "sumber", "loket", "pasien"]
    list_filter = ["puskesmas", "status", "status_awal", "sumber"]
    search_fields = ["client_uuid", "pasien__nama_cari"]
    raw_id_fields = ["pasien", "kunjungan", "kunjungan_dipertahankan", "episode"]
    readonly_fields = ["client_uuid", "payload", "payload_asli", "diterima_pada"]
    inlines = [KeputusanInline]
