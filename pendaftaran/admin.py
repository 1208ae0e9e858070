from django.contrib import admin

from .models import Kunjungan, Pasien


@admin.register(Pasien)
class PasienAdmin(admin.ModelAdmin):
    list_display = [
        "no_rm",
        "nama",
        "nik",
        "no_bpjs",
        "tanggal_lahir",
        "jenis_kelamin",
        "puskesmas",
    ]
    list_filter = ["puskesmas", "jenis_kelamin"]
    search_fields = ["no_rm", "nik", "no_bpjs", "nama_cari"]
    readonly_fields = ["no_rm", "dibuat_pada", "diubah_pada", "dibuat_oleh"]


@admin.register(Kunjungan)
class KunjunganAdmin(admin.ModelAdmin):
    """Visits are created at the loket (or by replay); the admin only reads them."""

    list_display = ["tanggal", "pasien", "unit", "penjamin", "sumber", "status", "loket"]
    list_filter = ["puskesmas", "tanggal", "status", "sumber", "penjamin", "unit"]
    search_fields = ["pasien__nama_cari", "pasien__nik", "client_uuid"]
    raw_id_fields = ["pasien"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancelled, never deleted
