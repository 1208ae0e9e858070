"""Which PCare poli each of our units reports to, checked against BPJS's own references.

A unit's `kd_poli_pcare` used to be typed by hand and never checked, so a wrong code surfaced
only later as worklist rows. Here a code is checked when an admin saves it (unreachable BPJS:
the save goes through with a warning) and on demand ("Periksa pemetaan"), against PCare
`poli/fktp` (the code must exist) and Antrean FKTP `ref/poli` for today (a code missing there
has no doctor schedule, so Mobile JKN cannot queue for it: a warning). The names BPJS gives
are shown beside the codes.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.utils import timezone

from antrean.models import UnitLayanan
from integrasi.selectors import konfigurasi_bpjs

from .client import BpjsClient, BpjsError

log = logging.getLogger(__name__)

KUNCI = "bpjs:pemetaan:ref_poli"


@dataclass(frozen=True)
class ReferensiPoli:
    pcare: dict[str, str]  # kdPoli -> nmPoli
    antrean: dict[str, str] | None  # kodepoli -> namapoli (None: Antrean FKTP did not answer)


def _kunci(puskesmas_id: int) -> str:
    return f"{KUNCI}:{puskesmas_id}"


def referensi_poli(*, puskesmas_id: int, segarkan: bool = False) -> ReferensiPoli:
    """BPJS's poli references as this Puskesmas' own credentials see them (each faskes has its
    own poli list; cached 10 minutes per Puskesmas). Raises BpjsError when PCare is out of
    reach or refuses us."""
    if not segarkan and (ada := cache.get(_kunci(puskesmas_id))) is not None:
        return ReferensiPoli(**ada)
    dasar = konfigurasi_bpjs(puskesmas_id)
    batas = min(dasar.timeout, float(getattr(settings, "BPJS_KEPESERTAAN_TIMEOUT", 5.0)))
    config = dataclasses.replace(
        dasar, timeout=batas, connect_timeout=min(dasar.connect_timeout, batas)
    )
    with BpjsClient(config) as client:
        pcare: dict[str, str] = {}
        start = 0
        while True:
            halaman = client.poli_fktp(start, 100)
            pcare.update((p.kd_poli, p.nm_poli) for p in halaman)
            if len(halaman) < 100:
                break
            start += 100
        try:
            antrean: dict[str, str] | None = {
                p.kodepoli: p.namapoli for p in client.ref_poli(timezone.localdate())
            }
        except BpjsError:
            antrean = None
    ref = ReferensiPoli(pcare=pcare, antrean=antrean)
    cache.set(_kunci(puskesmas_id), dataclasses.asdict(ref), 600)
    return ref


def referensi_tersimpan(puskesmas_id: int) -> ReferensiPoli | None:
    """The cached references only: for list columns, which must never wait on BPJS."""
    ada = cache.get(_kunci(puskesmas_id))
    return ReferensiPoli(**ada) if ada is not None else None


def _daftar_kode(ref: ReferensiPoli) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(ref.pcare.items()))


def periksa_kode(kode: str, ref: ReferensiPoli) -> tuple[str | None, str | None]:
    """(error, warning) for one code against the references."""
    if kode not in ref.pcare:
        return (
            f"Kode poli PCare {kode} tidak ada di referensi BPJS (poli/fktp). "
            f"Kode yang ada: {_daftar_kode(ref)}.",
            None,
        )
    if ref.antrean is not None and kode not in ref.antrean:
        return None, (
            f"Kode {kode} ({ref.pcare[kode]}) tidak ada di referensi poli Antrean FKTP hari ini "
            "(belum ada jadwal dokter): Mobile JKN tidak bisa mengantre ke poli ini."
        )
    return None, None


class FormUnitPcare(forms.ModelForm):
    """The unit admin form: the PCare poli code is checked against BPJS when saved."""

    peringatan: str = ""

    class Meta:
        model = UnitLayanan
        # Every editable field, as the admin shows by default; inlines pass their own list.
        fields = [f.name for f in UnitLayanan._meta.fields if f.editable and not f.auto_created]

    def clean_kd_poli_pcare(self) -> str:
        kode = (self.cleaned_data.get("kd_poli_pcare") or "").strip()
        if not kode:
            return kode
        puskesmas = self.cleaned_data.get("puskesmas")
        puskesmas_id = puskesmas.pk if puskesmas is not None else self.instance.puskesmas_id
        try:
            ref = referensi_poli(puskesmas_id=puskesmas_id)
        except BpjsError as exc:
            self.peringatan = (
                f"BPJS tidak dapat dihubungi ({exc.message}); kode poli PCare {kode} disimpan "
                "tanpa diperiksa. Jalankan 'Periksa pemetaan poli PCare' nanti."
            )
            return kode
        galat, self.peringatan = periksa_kode(kode, ref)
        self.peringatan = self.peringatan or ""
        if galat:
            raise forms.ValidationError(galat)
        return kode


@admin.action(description="Periksa pemetaan poli PCare")
def periksa_pemetaan(modeladmin, request, queryset) -> None:
    """Check the selected units' codes against BPJS now, the names beside the codes; each
    Puskesmas' units against its own references."""
    refs: dict[int, ReferensiPoli | None] = {}
    for unit in queryset.order_by("puskesmas_id", "urutan", "nama"):
        if unit.puskesmas_id not in refs:
            try:
                refs[unit.puskesmas_id] = referensi_poli(
                    puskesmas_id=unit.puskesmas_id, segarkan=True
                )
            except BpjsError as exc:
                refs[unit.puskesmas_id] = None
                messages.error(request, f"BPJS tidak dapat dihubungi: {exc.message}")
        ref = refs[unit.puskesmas_id]
        if ref is None:
            continue
        kode = unit.kd_poli_pcare
        if not kode:
            messages.info(request, f"{unit.nama}: tanpa kode poli PCare (tidak dilaporkan).")
            continue
        galat, peringatan = periksa_kode(kode, ref)
        if galat:
            messages.error(request, f"{unit.nama}: {galat}")
        elif peringatan:
            messages.warning(request, f"{unit.nama}: {peringatan}")
        else:
            messages.success(request, f"{unit.nama}: {kode} = {ref.pcare[kode]} ✓")


class PemetaanPcareAdmin(admin.ModelAdmin):
    """Mixin for the unit admin: checked code on the form and in list_editable, the check
    action, and BPJS's name beside the code (from the cache, never a call per page)."""

    form = FormUnitPcare
    actions = [periksa_pemetaan]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=FormUnitPcare, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if getattr(form, "peringatan", ""):
            messages.warning(request, f"{obj.nama}: {form.peringatan}")

    @admin.display(description="poli PCare menurut BPJS")
    def nama_poli_pcare(self, obj) -> str:
        if not obj.kd_poli_pcare:
            return "—"
        ref = referensi_tersimpan(obj.puskesmas_id)
        if ref is None:
            return "(belum diperiksa)"
        return ref.pcare.get(obj.kd_poli_pcare, "TIDAK ADA DI BPJS")
