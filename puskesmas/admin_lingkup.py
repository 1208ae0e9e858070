"""Django admin scoped to the signed-in admin's Puskesmas.

One deployment can serve a whole district. A superuser (the district's operator) sees every
Puskesmas; a Puskesmas admin (staff, not superuser) sees and edits only the rows of their own
Puskesmas, and the foreign-key choices on forms (patients, units, lokets, clusters) are limited
the same way — the admin is a view like any other and obeys the same scoping.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

# Foreign keys whose choices are limited to the admin's Puskesmas, by the lookup that reaches
# the Puskesmas from the related model.
_PILIHAN = {
    "puskesmas": "pk",
    "pasien": "puskesmas",
    "kunjungan": "puskesmas",
    "loket": "puskesmas",
    "unit": "puskesmas",
    "unit_tujuan": "puskesmas",
    "klaster": "puskesmas",
    "episode": "puskesmas",
}


def puskesmas_admin(request: HttpRequest) -> int | None:
    """The Puskesmas a non-superuser admin belongs to (None: no Petugas → sees nothing)."""
    petugas = getattr(request.user, "petugas", None)
    return getattr(petugas, "puskesmas_id", None)


class DibatasiPuskesmas(admin.ModelAdmin):
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
        return [f for f in daftar if f != "puskesmas" and not str(f).endswith("__puskesmas")]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        jalur = _PILIHAN.get(db_field.name)
        if jalur and not request.user.is_superuser:
            kunci = "pk" if jalur == "pk" else f"{jalur}_id"
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{kunci: puskesmas_admin(request)}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
