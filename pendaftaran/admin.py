from django.contrib import admin

from puskesmas.admin_lingkup import DibatasiPuskesmas, HanyaBaca

from .models import Kunjungan, Pasien


@admin.register(Pasien)
class PasienAdmin(DibatasiPuskesmas):
    """Read-only here: patient data is changed at the loket ("Ubah data"), where the NIK rules
    and duplicate checks run and the change is audited; a patient is never deleted (the No. RM
    is never reused and visits refer to it). Opening a record here is audited."""

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            from audit.services import catat

            catat(request=request, aksi="pasien_lihat", objek=("pasien", object_id),
                  keterangan="dibuka di admin")  # fmt: skip
        return response


@admin.register(Kunjungan)
class KunjunganAdmin(HanyaBaca, DibatasiPuskesmas):
    """Visits are created at the loket (or by replay) and cancelled there (`pendaftaran:batal`:
    frees the ticket, undoes the BPJS registration, writes the audit log); the admin only reads
    them."""

    list_display = ["tanggal", "pasien", "unit", "penjamin", "sumber", "status", "loket"]
    list_filter = ["puskesmas", "tanggal", "status", "sumber", "penjamin", "unit"]
    search_fields = ["pasien__nama_cari", "pasien__nik", "client_uuid"]
    raw_id_fields = ["pasien"]
