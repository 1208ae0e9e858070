"""The admin's integration page: credentials per service with "Uji koneksi", and the unit
mapping for SATUSEHAT. Thin: role check, scoped load, one service call, render."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from antrean.models import UnitLayanan
from puskesmas.access import peran_wajib
from puskesmas.models import Peran
from satusehat import services as satusehat_services
from satusehat.models import PemetaanUnit

from . import selectors, services
from .forms import PemetaanForm, PengaturanForm
from .models import RAHASIA

LAYANAN = {"pcare": "PCare", "antrean": "Antrean FKTP", "satusehat": "SATUSEHAT"}


def _konteks(request: HttpRequest, form: PengaturanForm) -> dict:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    p = form.pengaturan
    units = list(UnitLayanan.objects.filter(puskesmas=pkm, aktif=True).order_by("urutan"))
    pemetaan = {m.unit_id: m for m in PemetaanUnit.objects.filter(unit__in=units)}
    return {
        "form": form,
        "pengaturan": p,
        "tersimpan": {n: bool(p and p.rahasia_terisi(n)) for n in RAHASIA},
        "layanan": LAYANAN,
        "units": [(u, pemetaan.get(u.pk)) for u in units],
        "satusehat_aktif": selectors.konfigurasi_satusehat(pkm) is not None,
    }


@require_http_methods(["GET", "POST"])
@peran_wajib(Peran.ADMIN)
def pengaturan(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    p = selectors.pengaturan(pkm)
    if request.method == "POST":
        form = PengaturanForm(request.POST, pengaturan=p)
        if form.is_valid():
            hapus = tuple(n for n in RAHASIA if request.POST.get(f"hapus_{n}"))
            try:
                services.pengaturan_simpan(
                    puskesmas=pkm, data=form.cleaned_data, oleh=request.user, hapus=hapus
                )
            except IntegrityError:
                form.add_error("jkn_username", "Username ini sudah dipakai Puskesmas lain.")
            else:
                messages.success(request, "Pengaturan integrasi disimpan.")
                return redirect("integrasi:pengaturan")
    else:
        awal = {n: getattr(p, n) for n in services.BIASA} if p else {}
        form = PengaturanForm(initial=awal, pengaturan=p)
    return TemplateResponse(request, "integrasi/pengaturan.html", _konteks(request, form))


@require_POST
@peran_wajib(Peran.ADMIN)
def uji(request: HttpRequest, layanan: str) -> HttpResponse:
    if layanan not in LAYANAN:
        return HttpResponse("Layanan tidak dikenal.", status=404)
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    hasil = services.uji_koneksi(puskesmas=pkm, layanan=layanan)
    konteks = {"hasil": hasil, "layanan": layanan, "nama": LAYANAN[layanan]}
    return TemplateResponse(request, "integrasi/pengaturan.html#hasil_uji", konteks)


@require_POST
@peran_wajib(Peran.ADMIN)
def pemetaan(request: HttpRequest, pk: int) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    unit = get_object_or_404(UnitLayanan, pk=pk, puskesmas=pkm)
    form = PemetaanForm(request.POST)
    if not form.is_valid():
        for pesan in form.errors.values():
            messages.error(request, f"{unit.nama}: {' '.join(pesan)}")
        return redirect("integrasi:pengaturan")
    try:
        m = satusehat_services.pemetaan_simpan(unit=unit, oleh=request.user, **form.cleaned_data)
    except satusehat_services.PemetaanError as e:
        for pesan in e.galat.values():
            messages.error(request, f"{unit.nama}: {' '.join(pesan)}")
    else:
        tujuan = m.location_nama or m.location_id
        messages.success(request, f"{unit.nama} dipetakan ke {tujuan} · {m.praktisi_nama}.")
    return redirect("integrasi:pengaturan")
