"""Admin for the outbox: read-mostly. Rows change through services (the worklist page), so the
admin shows history and offers the same three actions, recorded like the page's."""

from __future__ import annotations

from django.contrib import admin, messages

from audit.services import catat
from puskesmas.admin_lingkup import DibatasiPuskesmas, HanyaBaca

from . import services
from .models import PercobaanBpjs, PermintaanBpjs, StatusPeserta, TindakanWorklist


class PercobaanInline(HanyaBaca, admin.TabularInline):
    model = PercobaanBpjs
    extra = 0
    can_delete = False
    fields = ["ke", "mulai", "durasi_ms", "hasil", "kode_galat", "pesan_galat", "pekerja"]
    readonly_fields = fields


class TindakanInline(HanyaBaca, admin.TabularInline):
    model = TindakanWorklist
    extra = 0
    can_delete = False
    fields = ["pada", "aksi", "oleh", "catatan"]
    readonly_fields = fields


def _aksi(fungsi, label: str):
    def jalankan(modeladmin, request, queryset):
        n = 0
        for row in queryset:
            try:
                fungsi(permintaan=row, oleh=request.user, catatan="Lewat admin")
                n += 1
            except services.WorklistError as e:
                messages.warning(request, f"#{row.pk}: {e.pesan}")
            else:  # audited like the worklist page's own actions
                catat(
                    request=request, aksi="bpjs_worklist", objek=row, keterangan=f"{label} (admin)"
                )
        messages.success(request, f"{label}: {n} permintaan.")

    jalankan.short_description = label  # type: ignore[attr-defined]
    jalankan.__name__ = f"aksi_{fungsi.__name__}"
    return jalankan


@admin.register(PermintaanBpjs)
class PermintaanBpjsAdmin(DibatasiPuskesmas):
    list_display = [
        "pk", "jenis", "status", "percobaan", "kunjungan", "kode_galat", "jadwal", "diubah_pada",
    ]  # fmt: skip
    list_filter = ["status", "jenis", "puskesmas"]
    search_fields = ["kunjungan__pasien__nama", "kunjungan__pasien__no_bpjs", "pesan_galat"]
    readonly_fields = [f.name for f in PermintaanBpjs._meta.fields]
    inlines = [PercobaanInline, TindakanInline]
    actions = [
        _aksi(services.worklist_coba_lagi, "Coba lagi"),
        _aksi(services.worklist_tandai_selesai, "Tandai selesai"),
        _aksi(services.worklist_ubah_umum, "Ubah penjamin ke umum"),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatusPeserta)
class StatusPesertaAdmin(DibatasiPuskesmas):
    list_display = ["no_kartu", "nama", "aktif", "ket_aktif", "kd_provider", "diperiksa_pada"]
    search_fields = ["no_kartu", "nik", "nama"]
    readonly_fields = [f.name for f in StatusPeserta._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
