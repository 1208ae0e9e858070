from django.contrib import admin

from .admin_lingkup import DibatasiPuskesmas
from .models import ApiToken, Loket, Petugas, Puskesmas


class LoketInline(admin.TabularInline):
    model = Loket
    extra = 0


@admin.register(Puskesmas)
class PuskesmasAdmin(DibatasiPuskesmas):
    jalur_puskesmas = "pk"

    list_display = ["nama", "kode_faskes"]
    readonly_fields = ["rm_terakhir"]
    inlines = [LoketInline]


@admin.register(Petugas)
class PetugasAdmin(DibatasiPuskesmas):
    list_display = ["user", "puskesmas", "peran", "loket", "klaster"]
    list_filter = ["puskesmas", "peran"]
    autocomplete_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(DibatasiPuskesmas):
    """Tokens are created with `manage.py create_api_token`, which shows the value once."""

    list_display = ["prefix", "user", "nama", "dibuat_pada", "terakhir_dipakai", "dicabut_pada"]
    readonly_fields = ["prefix", "dibuat_pada", "terakhir_dipakai"]
    fields = ["user", "nama", "prefix", "dibuat_pada", "terakhir_dipakai", "dicabut_pada"]

    jalur_puskesmas = "user__petugas__puskesmas"

    def has_add_permission(self, request) -> bool:  # the raw value could not be shown here
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if "dicabut_pada" in form.changed_data and obj.dicabut_pada:  # revoked here: audit it
            from audit.services import catat

            catat(request=request, aksi="token_cabut", objek=obj)
