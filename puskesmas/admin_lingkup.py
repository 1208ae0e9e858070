"""Django admin scoped to the signed-in admin's Puskesmas.

One deployment can serve a whole district. A superuser (the district's operator) sees every
Puskesmas; a Puskesmas admin (staff, not superuser) sees and edits only the rows of their own
Puskesmas, and every foreign-key choice on forms and every related list filter is limited the
same way — the admin is a view like any other and obeys the same scoping.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import ForeignKey, Model, QuerySet
from django.http import HttpRequest


def puskesmas_admin(request: HttpRequest) -> int | None:
    """The Puskesmas a non-superuser admin belongs to (None: no Petugas → sees nothing)."""
    petugas = getattr(request.user, "petugas", None)
    return getattr(petugas, "puskesmas_id", None)


def pilihan_lingkup(model: type[Model], request: HttpRequest) -> QuerySet[Any] | None:
    """The rows of `model` a non-superuser admin may pick in a form or filter by; None when
    the model is not tied to a Puskesmas (or the admin is a superuser: everything)."""
    if request.user.is_superuser:
        return None
    pid = puskesmas_admin(request)
    semua = model._default_manager.all()
    if model is get_user_model():
        return semua.filter(petugas__puskesmas_id=pid)
    ma = admin.site._registry.get(model)
    if isinstance(ma, DibatasiPuskesmas):
        return semua.filter(**{ma._jalur_id(): pid})
    nama = {f.name for f in model._meta.get_fields()}
    if "puskesmas" in nama:
        return semua.filter(puskesmas_id=pid)
    from .models import Puskesmas

    if model is Puskesmas:
        return semua.filter(pk=pid)
    return None


class PilihanDibatasi:
    """Foreign-key choices (selects, raw-id and autocomplete values) limited to the admin's
    Puskesmas: a posted foreign id fails the form's validation. For ModelAdmin and inlines."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        qs = pilihan_lingkup(db_field.related_model, request)
        if qs is not None and "queryset" not in kwargs:
            kwargs["queryset"] = qs
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        qs = pilihan_lingkup(db_field.related_model, request)
        if qs is not None and "queryset" not in kwargs:
            kwargs["queryset"] = qs
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


def filter_lingkup(model: type[Model], daftar: list[Any]) -> list[Any]:
    """List filters for a non-superuser: none on the Puskesmas itself, and related filters
    offer only values present in the admin's own rows (the stock filter lists every row of the
    related table: every Puskesmas' lokets, units and staff)."""
    hasil: list[Any] = []
    for f in daftar:
        if not isinstance(f, str):
            hasil.append(f)
            continue
        if f == "puskesmas" or f.endswith("__puskesmas"):
            continue
        field = _field_di_ujung(model, f)
        if isinstance(field, ForeignKey) or getattr(field, "many_to_many", False):
            hasil.append((f, admin.RelatedOnlyFieldListFilter))
        else:
            hasil.append(f)
    return hasil


def _field_di_ujung(model: type[Model], jalur: str) -> Any:
    field = None
    for bagian in jalur.split("__"):
        field = model._meta.get_field(bagian)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


class DibatasiPuskesmas(PilihanDibatasi, admin.ModelAdmin):
    """`jalur_puskesmas` is the lookup from this model to its Puskesmas' id."""

    jalur_puskesmas = "puskesmas"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self._jalur_id(): puskesmas_admin(request)})

    def _jalur_id(self) -> str:
        return "pk" if self.jalur_puskesmas == "pk" else f"{self.jalur_puskesmas}_id"

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        daftar = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return daftar
        return filter_lingkup(self.model, daftar)


class HanyaBaca:
    """Rows that change only through the app's services (which check the rules and write the
    audit log): the admin shows them and never adds, edits or deletes them, superusers
    included. For ModelAdmin and inlines."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
