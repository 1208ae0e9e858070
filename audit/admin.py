"""The audit log in the Django admin: read-only, filterable, exportable as CSV (the export is
itself audited), plus the page that exports one patient's data on request.

A Puskesmas admin who is staff but not superuser sees only their own Puskesmas' rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .ekspor import baris_csv, ekspor_pasien_json
from .models import Aksi, AuditLog
from .services import catat


def _puskesmas_id(request: HttpRequest) -> int | None:
    petugas = getattr(request.user, "petugas", None)
    return getattr(petugas, "puskesmas_id", None)


def boleh_ekspor_pasien(request: HttpRequest) -> bool:
    """Superusers, and officers in the admin role of a Puskesmas."""
    user = request.user
    if not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    return getattr(getattr(user, "petugas", None), "peran", None) == "admin"


class FormEksporPasien(forms.Form):
    no_rm = forms.CharField(label="No. RM", max_length=12)
    puskesmas = forms.ModelChoiceField(
        label="Puskesmas", queryset=None, required=False, help_text="Hanya untuk superuser."
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any):
        from puskesmas.models import Puskesmas

        super().__init__(*args, **kwargs)
        pid = _puskesmas_id(request)
        if request.user.is_superuser:
            self.fields["puskesmas"].queryset = Puskesmas.objects.all()
        else:
            self.fields["puskesmas"].queryset = Puskesmas.objects.filter(pk=pid)
            self.fields["puskesmas"].widget = forms.HiddenInput()
        self.puskesmas_id = pid

    def clean(self) -> dict[str, Any]:
        from pendaftaran.models import Pasien

        data = super().clean()
        pkm = data.get("puskesmas")
        pid = pkm.pk if pkm is not None else self.puskesmas_id
        if pid is None:
            raise forms.ValidationError("Pilih Puskesmas pasien.")
        pasien = Pasien.objects.filter(
            puskesmas_id=pid, no_rm=data.get("no_rm", "").strip()
        ).first()
        if pasien is None:
            self.add_error("no_rm", "No. RM tidak ditemukan di Puskesmas ini.")
        data["pasien"] = pasien
        return data


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = [
        "waktu",
        "username",
        "peran",
        "puskesmas",
        "aksi",
        "objek_tipe",
        "objek_id",
        "ip",
    ]
    list_filter = ["aksi", "peran", "puskesmas", "waktu"]
    search_fields = ["username", "objek_id", "ip"]
    date_hierarchy = "waktu"
    list_per_page = 100
    actions = None  # no "delete selected"
    change_list_template = "admin/audit/auditlog/change_list.html"
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditLog]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(puskesmas_id=_puskesmas_id(request))

    def get_list_filter(self, request: HttpRequest) -> list[str]:
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f != "puskesmas"]

    # Append-only: nobody adds, changes or deletes through the admin, superusers included.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        return [
            path("ekspor/", self.admin_site.admin_view(self.ekspor_csv), name="audit_ekspor"),
            path(
                "ekspor-pasien/",
                self.admin_site.admin_view(self.ekspor_pasien),
                name="audit_ekspor_pasien",
            ),
            *urls,
        ]

    def ekspor_csv(self, request: HttpRequest) -> HttpResponse:
        """The rows the change list shows with the same filters, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        cl = self.get_changelist_instance(request)
        qs = cl.get_queryset(request).order_by("waktu", "id")
        filter_teks = request.GET.urlencode()
        catat(request=request, aksi=Aksi.AUDIT_EKSPOR, keterangan=f"filter: {filter_teks}"[:200])
        nama = f"log-audit-{timezone.localdate():%Y%m%d}.csv"
        response = StreamingHttpResponse(
            baris_csv(qs.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{nama}"'
        return response

    def ekspor_pasien(self, request: HttpRequest) -> HttpResponse:
        """Export one patient's data as JSON, on the patient's request."""
        if not boleh_ekspor_pasien(request):
            raise PermissionDenied
        form = FormEksporPasien(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            pasien = form.cleaned_data["pasien"]
            teks = ekspor_pasien_json(pasien=pasien, request=request)
            response = HttpResponse(teks, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="pasien-{pasien.puskesmas_id}-{pasien.no_rm}.json"'
            )
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Ekspor data satu pasien",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/audit/ekspor_pasien.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {
            "url_ekspor": reverse("admin:audit_ekspor"),
            "boleh_ekspor_pasien": boleh_ekspor_pasien(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)
