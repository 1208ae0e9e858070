"""Admin for the tenant, its staff and their logins.

Django's own user admin is replaced by one scoped like every other admin page: a Puskesmas
admin (staff, not superuser) manages only their own Puskesmas' ordinary staff — never a
superuser or another staff account, never another Puskesmas' account — and cannot grant
superuser, staff, groups or permissions. django-axes' login records are scoped the same way
(by the usernames of the admin's own staff). The district operator (superuser) keeps full power.
"""

from __future__ import annotations

from typing import Any

import axes.admin  # (registers axes' admins now, so they can be replaced below)
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from .admin_lingkup import DibatasiPuskesmas, PilihanDibatasi, puskesmas_admin
from .models import ApiToken, Loket, Petugas, Puskesmas

# Replaced below by scoped versions.
for _model in (User, Group, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def pengguna_dikelola(request: HttpRequest) -> QuerySet[User]:
    """The accounts this admin may manage: every one for a superuser; for a Puskesmas admin
    their own Puskesmas' accounts that are neither superuser nor staff, plus their own."""
    semua = User.objects.all()
    if request.user.is_superuser:
        return semua
    return semua.filter(
        Q(pk=request.user.pk)
        | Q(petugas__puskesmas_id=puskesmas_admin(request), is_superuser=False, is_staff=False)
    )


class LoketInline(PilihanDibatasi, admin.TabularInline):
    model = Loket
    extra = 0


@admin.register(Puskesmas)
class PuskesmasAdmin(DibatasiPuskesmas):
    jalur_puskesmas = "pk"

    list_display = ["nama", "kode_faskes"]
    readonly_fields = ["rm_terakhir"]
    inlines = [LoketInline]

    # A Puskesmas is set up (and never removed) by the district operator.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class PetugasInline(PilihanDibatasi, admin.StackedInline):
    """The account's Puskesmas and role, on the user form. A Puskesmas admin must give every
    new account one (in their own Puskesmas, set on save), so no account is left unowned."""

    model = Petugas
    can_delete = False
    max_num = 1
    fk_name = "user"

    def get_min_num(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 0 if request.user.is_superuser else 1

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # The admin's min_num is only a hint for its JavaScript; validate_min enforces it.
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if request.user.is_superuser:
            return ["puskesmas", "peran", "loket", "klaster"]
        return ["peran", "loket", "klaster"]


@admin.register(User)
class PenggunaAdmin(UserAdmin):
    inlines = [PetugasInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return pengguna_dikelola(request) & super().get_queryset(request)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if obj is None:
            return self.add_fieldsets
        # No is_staff, is_superuser, groups or permissions: fields not on the form cannot be
        # posted, whatever the request body says.
        return (
            (None, {"fields": ("username", "password")}),
            ("Data pribadi", {"fields": ("first_name", "last_name", "email")}),
            ("Status", {"fields": ("is_active",)}),
            ("Tanggal penting", {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser or obj is None:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def get_list_filter(self, request: HttpRequest) -> Any:
        return super().get_list_filter(request) if request.user.is_superuser else ("is_active",)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Petugas and not request.user.is_superuser:
            for f in formset.forms:
                if f.instance.puskesmas_id is None:
                    f.instance.puskesmas_id = puskesmas_admin(request)
        super().save_formset(request, form, formset, change)


@admin.register(Petugas)
class PetugasAdmin(DibatasiPuskesmas):
    list_display = ["user", "puskesmas", "peran", "loket", "klaster"]
    list_filter = ["puskesmas", "peran"]
    autocomplete_fields = ["user"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "user":
            kwargs["queryset"] = pengguna_dikelola(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # A Puskesmas admin gives new accounts their role on the user form (PetugasInline); here
    # they change only the accounts they manage, never a staff account's role.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def _dikelola(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or pengguna_dikelola(request).filter(pk=obj.user_id).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._dikelola(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._dikelola(request, obj) and super().has_delete_permission(request, obj)


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
        if obj is None:
            return []
        # A revoked token stays revoked: clearing the date here would revive it unaudited.
        return [*self.readonly_fields, "user", *(["dicabut_pada"] if obj.dicabut_pada else [])]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Only active staff of a Puskesmas get tokens; a Puskesmas admin, only for the
            # accounts they manage (a token acts with its account's rights).
            kwargs["queryset"] = pengguna_dikelola(request).filter(
                petugas__isnull=False, is_active=True
            )
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


@admin.register(Group)
class GrupAdmin(GroupAdmin):
    """Groups carry permissions: only the district operator sees or edits them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class LoginDibatasi:
    """django-axes' records of a Puskesmas admin's own staff only (by username): the admin
    unlocks their staff by deleting the lockout row, and sees no other Puskesmas' logins.
    Attempts for unknown usernames are the district operator's."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs
        nama = User.objects.filter(petugas__puskesmas_id=puskesmas_admin(request)).values(
            "username"
        )
        return qs.filter(username__in=nama)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # axes' "clean up expired attempts" works on every Puskesmas' rows at once.
        aksi = super().get_actions(request)  # type: ignore[misc]
        return aksi if request.user.is_superuser else {}


@admin.register(AccessAttempt)
class PercobaanMasukAdmin(LoginDibatasi, axes.admin.AccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class LogMasukAdmin(LoginDibatasi, axes.admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class LogGagalMasukAdmin(LoginDibatasi, axes.admin.AccessFailureLogAdmin):
    pass
