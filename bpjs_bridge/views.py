"""Pages and partials of the BPJS bridge, and the Antrean FKTP web services for Mobile JKN.

Staff views are thin: role check, load scoped to the officer's Puskesmas, one service call,
render. The Mobile JKN views speak the protocol's envelope (`metadata` + `response`, codes
200/201/202, plain JSON) and never Django's error pages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import catat
from pendaftaran.models import Kunjungan, Pasien
from puskesmas.access import PERAN_LOKET, peran_wajib
from puskesmas.models import Peran, Puskesmas

from . import jkn, selectors, services
from .models import AksiWorklist, PermintaanBpjs

log = logging.getLogger(__name__)

PERAN_SEMUA_STAF = (Peran.LOKET, Peran.ADMIN, Peran.POLI, Peran.KEPALA)


# --- Partials the loket page polls ----------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_SEMUA_STAF)
def banner(request: HttpRequest) -> HttpResponse:
    """The "BPJS sedang gangguan" banner; empty (but still polling) while BPJS is fine."""
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    konteks = {"ringkasan": selectors.ringkasan(puskesmas=pkm)}
    return TemplateResponse(request, "bpjs_bridge/_banner.html", konteks)


@require_GET
@peran_wajib(*PERAN_SEMUA_STAF)
def badge(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit's BPJS status; it re-polls itself until the status is final."""
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    kunjungan = get_object_or_404(Kunjungan.objects.select_related("pasien"), pk=pk, puskesmas=pkm)
    konteks = {"kunjungan": kunjungan, "status": selectors.status_kunjungan(kunjungan)}
    return TemplateResponse(request, "bpjs_bridge/_badge.html", konteks)


@require_http_methods(["GET", "POST"])
@peran_wajib(*PERAN_LOKET)
def kepesertaan(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient panel's live eligibility: POST (when the panel opens) starts the background
    check, GET polls it. Never waits for BPJS."""
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    pasien = get_object_or_404(Pasien.objects.select_related("puskesmas"), pk=pk, puskesmas=pkm)
    if request.method == "POST":
        services.kepesertaan_mulai(pasien=pasien)
    konteks = {"pasien": pasien, "hasil": selectors.kepesertaan_hasil(pasien=pasien)}
    return TemplateResponse(request, "bpjs_bridge/_kepesertaan.html", konteks)


# --- Worklist ---------------------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_LOKET)
def worklist(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    konteks = {
        "baris": selectors.worklist(puskesmas=pkm),
        "ditangani": selectors.worklist_ditangani(puskesmas=pkm),
        "ringkasan": selectors.ringkasan(puskesmas=pkm),
        "aksi": AksiWorklist,
    }
    return TemplateResponse(request, "bpjs_bridge/worklist.html", konteks)


AKSI = {
    AksiWorklist.COBA_LAGI: (services.worklist_coba_lagi, "Dikirim ulang ke BPJS."),
    AksiWorklist.UBAH_UMUM: (services.worklist_ubah_umum, "Penjamin diubah ke umum."),
    AksiWorklist.TANDAI_SELESAI: (services.worklist_tandai_selesai, "Ditandai selesai."),
    AksiWorklist.PILIH_PCARE: (services.worklist_pilih_pcare, "Pendaftaran PCare dipilih."),
}


@require_POST
@peran_wajib(*PERAN_LOKET)
def worklist_aksi(request: HttpRequest, pk: int, aksi: str) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    row = get_object_or_404(PermintaanBpjs, pk=pk, puskesmas=pkm)
    if aksi not in AKSI:
        return HttpResponse("Aksi tidak dikenal.", status=400)
    fungsi, pesan = AKSI[aksi]
    tambahan = (
        {"no_urut": request.POST.get("no_urut", "")} if aksi == AksiWorklist.PILIH_PCARE else {}
    )
    try:
        fungsi(
            permintaan=row, oleh=request.user, catatan=request.POST.get("catatan", ""), **tambahan
        )
    except services.WorklistError as e:
        messages.error(request, e.pesan)
    else:
        catat(request=request, aksi="bpjs_worklist", objek=row, keterangan=aksi)
        if request.POST.get("balasan") == "badge":
            # Done from the ticket's badge: answer with the badge, as it stands now.
            kunjungan = Kunjungan.objects.select_related("pasien").get(pk=row.kunjungan_id)
            konteks = {"kunjungan": kunjungan, "status": selectors.status_kunjungan(kunjungan)}
            return TemplateResponse(request, "bpjs_bridge/_badge.html", konteks)
        messages.success(request, f"#{row.pk} {row.kunjungan.pasien.nama}: {pesan}")
    return redirect("bpjs_bridge:worklist")


# --- Mobile JKN (Antrean FKTP, FKTP side) ------------------------------------------------------


def _jkn(jawaban: jkn.Jawaban) -> JsonResponse:
    return JsonResponse(jawaban.json(), status=200, json_dumps_params={"ensure_ascii": False})


def _tolak(e: jkn.Ditolak) -> JsonResponse:
    return _jkn(jkn.Jawaban(e.code, e.message))


def _badan(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise jkn.Ditolak("Badan permintaan bukan JSON yang valid.") from None
    if not isinstance(data, dict):
        raise jkn.Ditolak("Badan permintaan harus berupa objek JSON.")
    return data


def _layani(request: HttpRequest, fungsi: Callable[[Puskesmas], jkn.Jawaban]) -> JsonResponse:
    """Check the token, run one Mobile JKN service, answer in the protocol's envelope."""
    try:
        pkm = jkn.token_periksa(
            token=request.headers.get("x-token", ""),
            username=request.headers.get("x-username", ""),
        )
        return _jkn(fungsi(pkm))
    except jkn.Ditolak as e:
        return _tolak(e)
    except Exception:  # Mobile JKN must always get the envelope, never an HTML 500
        log.exception("Galat di layanan Mobile JKN %s", request.path)
        return _jkn(jkn.Jawaban(201, "Terjadi galat di server Puskesmas. Coba lagi."))


@csrf_exempt
@require_GET
def jkn_auth(request: HttpRequest) -> JsonResponse:
    try:
        token = jkn.token_buat(
            username=request.headers.get("x-username", ""),
            password=request.headers.get("x-password", ""),
        )
    except jkn.Ditolak as e:
        return _tolak(e)
    return _jkn(jkn.Jawaban(200, "Ok", {"token": token}))


def _metode_jkn(*metode: str):
    """Like require_http_methods, but a wrong method gets the protocol's JSON envelope (code
    201, saying which method to use) instead of Django's HTML 405 page."""

    def hias(view):
        @wraps(view)
        def bungkus(request: HttpRequest, *args, **kwargs):
            if request.method not in metode:
                jawaban = jkn.Jawaban(
                    201, f"Metode {request.method} tidak didukung; gunakan {' / '.join(metode)}."
                )
                r = JsonResponse(jawaban.json(), status=405)
                r["Allow"] = ", ".join(metode)
                return r
            return view(request, *args, **kwargs)

        return bungkus

    return hias


@csrf_exempt
@_metode_jkn("GET")
def jkn_status(request: HttpRequest, kodepoli: str, tanggal: str) -> JsonResponse:
    return _layani(
        request, lambda pkm: jkn.status_antrean(puskesmas=pkm, kodepoli=kodepoli, tanggal=tanggal)
    )


@csrf_exempt
@_metode_jkn("GET")
def jkn_sisa(request: HttpRequest, nomorkartu: str, kodepoli: str, tanggal: str) -> JsonResponse:
    return _layani(
        request,
        lambda pkm: jkn.sisa_antrean(
            puskesmas=pkm, nomorkartu=nomorkartu, kodepoli=kodepoli, tanggal=tanggal
        ),
    )


@csrf_exempt
@require_POST
def jkn_antrean(request: HttpRequest) -> JsonResponse:
    return _layani(request, lambda pkm: jkn.ambil_antrean(puskesmas=pkm, body=_badan(request)))


@csrf_exempt
@require_http_methods(["PUT"])
def jkn_batal(request: HttpRequest) -> JsonResponse:
    return _layani(request, lambda pkm: jkn.batal_antrean(puskesmas=pkm, body=_badan(request)))


@csrf_exempt
@require_POST
def jkn_peserta(request: HttpRequest) -> JsonResponse:
    return _layani(request, lambda pkm: jkn.pasien_baru(puskesmas=pkm, body=_badan(request)))
