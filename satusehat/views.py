"""The head's compliance view (page, CSV, PDF) and the worklist action "Coba lagi"."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit.services import catat
from puskesmas.access import PERAN_LAPORAN, PERAN_LOKET, peran_wajib

from . import laporan, selectors, services
from .models import KirimanSatusehat


def _bulan(request: HttpRequest) -> tuple[int, int]:
    try:
        tahun, bulan = (int(x) for x in request.GET.get("bulan", "").split("-"))
        date(tahun, bulan, 1)
    except ValueError:
        hari = timezone.localdate()
        return hari.year, hari.month
    return tahun, bulan


def _laporan(request: HttpRequest):
    tahun, bulan = _bulan(request)
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    return pkm, selectors.kepatuhan_bulanan(puskesmas=pkm, tahun=tahun, bulan=bulan)


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def kepatuhan(request: HttpRequest) -> HttpResponse:
    _, lap = _laporan(request)
    konteks = {
        "lap": lap,
        "bulan_iso": f"{lap.tahun:04d}-{lap.bulan:02d}",
        "ringkasan": laporan.ringkasan(lap),
        "semua": laporan.baris_tabel(lap)[1:],
        "kolom": laporan.KOLOM,
    }
    # Held SATUSEHAT rows get a "Coba lagi" once the person has fixed the data.
    tertahan = dict(
        KirimanSatusehat.objects.filter(
            kunjungan__in=[b.kunjungan for b in lap.belum_terkirim], status="gagal_final"
        ).values_list("kunjungan_id", "pk")
    )
    konteks["belum"] = [
        (baris, tertahan.get(b.kunjungan.pk))
        for baris, b in zip(
            laporan.baris_tabel(lap, hanya_belum=True)[1:], lap.belum_terkirim, strict=True
        )
    ]
    return TemplateResponse(request, "satusehat/kepatuhan.html", konteks)


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def kepatuhan_csv(request: HttpRequest) -> HttpResponse:
    _, lap = _laporan(request)
    nama = f"kepatuhan-{lap.tahun:04d}-{lap.bulan:02d}.csv"
    resp = HttpResponse(content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{nama}"'
    catat(request=request, aksi="laporan_ekspor", keterangan=nama)
    w = csv.writer(resp)
    w.writerows(laporan.baris_tabel(lap))
    w.writerow([])
    w.writerows(laporan.ringkasan(lap))
    return resp


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def kepatuhan_pdf(request: HttpRequest) -> HttpResponse:
    pkm, lap = _laporan(request)
    resp = HttpResponse(laporan.pdf(lap, puskesmas=pkm), content_type="application/pdf")
    nama = f"kepatuhan-{lap.tahun:04d}-{lap.bulan:02d}.pdf"
    resp["Content-Disposition"] = f'attachment; filename="{nama}"'
    catat(request=request, aksi="laporan_ekspor", keterangan=nama)
    return resp


@require_POST
@peran_wajib(*PERAN_LOKET)
def coba_lagi(request: HttpRequest, pk: int) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    row = get_object_or_404(KirimanSatusehat, pk=pk, puskesmas=pkm)
    try:
        services.kiriman_coba_lagi(kiriman=row, oleh=request.user)
    except services.PemetaanError as e:
        messages.error(request, " ".join(m for ms in e.galat.values() for m in ms))
    else:
        messages.success(request, f"Kunjungan {row.kunjungan.pasien.nama} dikirim ulang.")
    return redirect(request.POST.get("kembali") or "satusehat:kepatuhan")
