from typing import Any

from django.contrib import admin
from django.db import transaction

from bpjs_bridge.pemetaan import FormUnitPcare, PemetaanPcareAdmin
from puskesmas.admin_lingkup import DibatasiPuskesmas, PilihanDibatasi

from . import live, suara
from .models import Klaster, Tiket, TiketRiwayat, UnitLayanan


def _render_suara_nanti(units) -> None:
    # The TV's clip for each saved unit name, once the save is committed (antrean/suara.py).
    daftar = list(units)
    transaction.on_commit(lambda: [suara.render_unit(u) for u in daftar])
    # The TV shows unit names (and the poli lists their units): the displays re-read at once.
    for pkm in {u.puskesmas_id for u in daftar}:
        live.tandai_berubah(pkm)


class UnitInline(PilihanDibatasi, admin.TabularInline):
    model = UnitLayanan
    form = FormUnitPcare  # the PCare poli code is checked against BPJS when saved
    extra = 0
    fields = ["kode", "nama", "layanan", "prefix", "kd_poli_pcare", "aktif", "urutan"]


@admin.register(Klaster)
class KlasterAdmin(DibatasiPuskesmas):
    list_display = ["nomor", "nama", "puskesmas"]
    list_filter = ["puskesmas"]
    inlines = [UnitInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        live.tandai_berubah(obj.puskesmas_id)  # a cluster's number picks a TV's units

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is UnitLayanan:
            _render_suara_nanti(formset.new_objects + [o for o, _ in formset.changed_objects])


class FormUnitLayanan(FormUnitPcare):
    """The cluster list of a unit's form. A saved unit is offered its own Puskesmas' clusters
    only; a new unit's list (a district operator sees every Puskesmas' "Klaster 3") names each
    cluster's Puskesmas. UnitLayanan.clean still refuses a mismatch that is posted anyway."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("klaster")
        if field is None:  # a form without the cluster (restricted fields)
            return
        qs = field.queryset.select_related("puskesmas").order_by("puskesmas__nama", "nomor")
        if self.instance.pk:
            field.queryset = qs.filter(puskesmas_id=self.instance.puskesmas_id)
        else:
            field.queryset = qs
            field.label_from_instance = lambda k: f"{k.puskesmas.nama} · {k}"


@admin.register(UnitLayanan)
class UnitLayananAdmin(PemetaanPcareAdmin, DibatasiPuskesmas):
    form = FormUnitLayanan

    class Media:
        css = {"all": ["css/admin_unit.css"]}

    list_display = [
        "nama", "kode", "klaster", "layanan", "prefix", "kd_poli_pcare", "nama_poli_pcare", "aktif",
    ]  # fmt: skip
    list_filter = ["puskesmas", "klaster", "aktif"]
    list_editable = ["kd_poli_pcare", "aktif"]

    def get_readonly_fields(self, request, obj=None):
        # A saved unit stays in its Puskesmas: its tickets, day counters and TV clips are
        # that Puskesmas' (a new unit is added where it belongs).
        tetap = list(super().get_readonly_fields(request, obj))
        return [*tetap, "puskesmas"] if obj is not None else tetap

    def get_fields(self, request, obj=None):
        # Read-only fields come last by default; the Puskesmas stays on top, as on a new unit.
        fields = list(super().get_fields(request, obj))
        return ["puskesmas", *(f for f in fields if f != "puskesmas")]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _render_suara_nanti([obj])


class RiwayatInline(admin.TabularInline):
    """The ticket's audit trail, read-only: who moved it, when and why."""

    model = TiketRiwayat
    extra = 0
    can_delete = False
    fields = ["pada", "aksi", "dari", "ke", "alasan", "unit_tujuan", "oleh"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Tiket)
class TiketAdmin(DibatasiPuskesmas):
    jalur_puskesmas = "unit__puskesmas"
    inlines = [RiwayatInline]
    list_display = ["kode", "unit", "tanggal", "status", "prioritas", "waktu_masuk"]
    list_filter = ["unit__puskesmas", "tanggal", "unit", "status"]
    readonly_fields = [f.name for f in Tiket._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
