from django.contrib import admin
from django.template.response import TemplateResponse

from .admin_lingkup import DibatasiPuskesmas, puskesmas_admin
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
    """Integrator tokens. Adding one shows its value once, on a page of its own (never in a
    message: those travel in a cookie); afterwards only its prefix and hash exist. The same as
    `manage.py create_api_token`."""

    list_display = ["prefix", "user", "nama", "dibuat_pada", "terakhir_dipakai", "dicabut_pada"]
    readonly_fields = ["prefix", "dibuat_pada", "terakhir_dipakai"]
    jalur_puskesmas = "user__petugas__puskesmas"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "nama"]
        return ["user", "nama", "prefix", "dibuat_pada", "terakhir_dipakai", "dicabut_pada"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Only staff of a Puskesmas (of this admin's, unless superuser) get tokens.
            pengguna = db_field.related_model._default_manager.filter(
                petugas__isnull=False, is_active=True
            )
            if not request.user.is_superuser:
                pengguna = pengguna.filter(petugas__puskesmas_id=puskesmas_admin(request))
            kwargs["queryset"] = pengguna
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            from .services import api_token_buat

            token, raw = api_token_buat(user=obj.user, nama=obj.nama)
            obj.pk, obj.prefix = token.pk, token.prefix
            request._token_baru = (token, raw)  # type: ignore[attr-defined]
            return
        super().save_model(request, obj, form, change)
        if "dicabut_pada" in form.changed_data and obj.dicabut_pada:  # revoked here: audit it
            from audit.services import catat

            catat(request=request, aksi="token_cabut", objek=obj)

    def response_add(self, request, obj, post_url_continue=None):
        token, raw = request._token_baru  # type: ignore[attr-defined]
        # Signed-in pages are never cached (config.security), this one included.
        return TemplateResponse(
            request,
            "admin/puskesmas/apitoken/token_baru.html",
            {**self.admin_site.each_context(request), "token": token, "raw": raw},
        )
