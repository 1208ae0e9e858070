"""Pages of the downtime app: declare/end downtime, the ledger, conflict review, back entry
(entri susulan) and the monthly incident report. Thin: role check, scoped load, one service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import catat
from config.security import penulis_csv
from pendaftaran.models import Pasien
from pendaftaran.services import PendaftaranError
from puskesmas.access import PERAN_LAPORAN, PERAN_LOKET, loket_aktif, peran_wajib
from puskesmas.models import Peran
from puskesmas.tampilan import bulan_tahun, jam

from . import laporan as laporan_ekspor
from . import replay, selectors, services
from .forms import FormCatatan, FormDeklarasi, FormEntri, FormEpisode, FormGabung, FormSusulan
from .models import EntriReplay, EpisodeDowntime, SumberEntri

ADMIN = (Peran.ADMIN,)
SEMUA_PETUGAS = tuple(Peran.values)


def _episode(request: HttpRequest, pk: int) -> EpisodeDowntime:
    return get_object_or_404(
        EpisodeDowntime.objects.select_related("loket"),
        pk=pk,
        puskesmas=request.petugas.puskesmas,
    )


def _entri(request: HttpRequest, pk: int) -> EntriReplay:
    return get_object_or_404(
        EntriReplay.objects.select_related("loket", "pasien", "petugas", "episode"),
        pk=pk,
        puskesmas=request.petugas.puskesmas,
    )


# --- Banner (included by the loket page, polled every few seconds) --------------------------


@require_GET
@peran_wajib(*SEMUA_PETUGAS)
def banner(request: HttpRequest) -> HttpResponse:
    petugas = request.petugas
    loket = loket_aktif(request, petugas)
    return render(
        request,
        "downtime/_banner.html",
        {"downtime": selectors.downtime_aktif(puskesmas=petugas.puskesmas, loket=loket)},
    )


# --- Declared downtime ----------------------------------------------------------------------


def _cakupan(ep: EpisodeDowntime) -> str:
    return f"Loket {ep.loket.kode}" if ep.loket_id else "seluruh Puskesmas"


@require_GET
@peran_wajib(*ADMIN)
def beranda(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas
    aktif = EpisodeDowntime.objects.filter(puskesmas=pkm, selesai__isnull=True).select_related(
        "loket"
    )
    return render(
        request,
        "downtime/beranda.html",
        {
            "form": FormDeklarasi(puskesmas=pkm),
            "aktif": aktif,
            "hitung": selectors.hitung_tinjauan(puskesmas=pkm),
            "episode": selectors.episode_dengan_hitungan(puskesmas=pkm)[:10],
        },
    )


@require_POST
@peran_wajib(*ADMIN)
def mulai(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas
    form = FormDeklarasi(request.POST, puskesmas=pkm)
    if form.is_valid() and form.perlu_konfirmasi:
        return render(
            request, "downtime/beranda.html#deklarasi", {"form": form, "konfirmasi": True}
        )
    if form.is_valid():
        try:
            ep = services.downtime_mulai(
                puskesmas=pkm,
                loket=form.cleaned_data["loket"],
                alasan=form.cleaned_data["alasan"],
                keterangan=form.cleaned_data["keterangan"],
                oleh=request.user,
            )
        except services.DowntimeError as e:
            for f, pesan in e.galat.items():
                for p in pesan:
                    form.add_error(f if f in form.fields else None, p)
        else:
            catat(request=request, aksi="downtime_ubah", objek=ep, keterangan="mulai")
            messages.success(
                request, f"Mode gangguan dimulai untuk {_cakupan(ep)} pukul {jam(ep.mulai)}."
            )
            # The whole page changes (active list, banner): htmx reloads it, never nests it.
            if request.htmx:
                return HttpResponseClientRedirect(reverse("downtime:beranda"))
            return redirect("downtime:beranda")
    return render(request, "downtime/beranda.html#deklarasi", {"form": form}, status=422)


@require_POST
@peran_wajib(*ADMIN)
def selesai(request: HttpRequest, pk: int) -> HttpResponse:
    ep = services.downtime_selesai(episode=_episode(request, pk), oleh=request.user)
    catat(request=request, aksi="downtime_ubah", objek=ep, keterangan="selesai")
    messages.success(request, f"Mode gangguan {_cakupan(ep)} diakhiri pukul {jam(ep.selesai)}.")
    return redirect("downtime:beranda")


# --- Ledger ---------------------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def episode_daftar(request: HttpRequest) -> HttpResponse:
    qs = selectors.episode_dengan_hitungan(puskesmas=request.petugas.puskesmas)
    return render(request, "downtime/episode_daftar.html", {"episode": qs[:200]})


@require_http_methods(["GET", "POST"])
@peran_wajib(*PERAN_LAPORAN)
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _episode(request, pk)
    boleh_ubah = request.petugas.peran == Peran.ADMIN
    form = FormEpisode(instance=ep)
    status = 200
    if request.method == "POST":
        if not boleh_ubah:
            raise Http404
        form = FormEpisode(request.POST, instance=ep)
        if form.is_valid():
            try:
                services.episode_ubah(
                    episode=ep,
                    penyebab=form.cleaned_data["penyebab"],
                    perbaikan=form.cleaned_data["perbaikan"],
                    direspons_pada=form.cleaned_data["direspons_pada"],
                    oleh=request.user,
                )
            except services.DowntimeError as e:
                for f, pesan in e.galat.items():
                    for p in pesan:
                        form.add_error(f, p)
                status = 422
            else:
                messages.success(request, "Penyebab dan perbaikan disimpan.")
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("downtime:episode", args=[ep.pk]))
                return redirect("downtime:episode", pk=ep.pk)
        else:
            status = 422
    hitung = selectors.episode_dengan_hitungan(puskesmas=ep.puskesmas).get(pk=ep.pk)
    konteks = {
        "ep": hitung,
        "form": form,
        "boleh_ubah": boleh_ubah,
        "entri": ep.entri.select_related("pasien", "loket").order_by("dibuat_klien")[:300],
    }
    template = "downtime/episode_detail.html"
    if request.htmx and request.method == "POST":
        template += "#form-episode"
    return render(request, template, konteks, status=status)


# --- Review ---------------------------------------------------------------------------------


@require_GET
@peran_wajib(*ADMIN)
def tinjau_daftar(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas
    status = request.GET.get("status", "")
    return render(
        request,
        "downtime/tinjau_daftar.html",
        {
            "entri": selectors.entri_tinjauan(puskesmas=pkm, status=status)[:300],
            "hitung": selectors.hitung_tinjauan(puskesmas=pkm),
            "status": status,
        },
    )


def _konteks_tinjau(request: HttpRequest, entri: EntriReplay, **lain) -> dict:
    pkm = request.petugas.puskesmas
    kandidat = list(Pasien.objects.filter(puskesmas=pkm, pk__in=entri.kandidat or []))
    kandidat.sort(key=lambda p: (entri.kandidat or []).index(p.pk))
    konteks = {
        "e": entri,
        "kandidat": kandidat,
        "pasien_entri": entri.data_pasien,
        "kunjungan_entri": entri.payload.get("kunjungan", {})
        if isinstance(entri.payload, dict)
        else {},
        "form_gabung": FormGabung(),
        "form_pisah": FormCatatan(),
        "form_koreksi": FormEntri(
            initial=FormEntri.awal_dari_payload(entri.payload, puskesmas=pkm), puskesmas=pkm
        ),
        "keputusan": entri.keputusan.select_related("oleh"),
    }
    konteks.update(lain)
    return konteks


@require_GET
@peran_wajib(*ADMIN)
def tinjau_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entri = _entri(request, pk)
    return render(request, "downtime/tinjau_detail.html", _konteks_tinjau(request, entri))


def _selesai_tinjau(request: HttpRequest, entri: EntriReplay) -> HttpResponse:
    catat(request=request, aksi="konflik_selesai", objek=entri, keterangan=entri.status)
    messages.success(request, f"Entri diputuskan: {entri.get_status_display()}. {entri.pesan}")
    tujuan = reverse("downtime:tinjau_detail", args=[entri.pk])
    if request.htmx:
        return HttpResponseClientRedirect(tujuan)
    return redirect(tujuan)


def _gagal_tinjau(request: HttpRequest, entri: EntriReplay, galat, **lain) -> HttpResponse:
    pesan = [m for daftar in galat.values() for m in daftar] if isinstance(galat, dict) else []
    konteks = _konteks_tinjau(request, entri, galat_keputusan=pesan or [str(galat)], **lain)
    return render(request, "downtime/tinjau_detail.html", konteks, status=422)


@require_POST
@peran_wajib(*ADMIN)
def tinjau_gabung(request: HttpRequest, pk: int) -> HttpResponse:
    entri = _entri(request, pk)
    form = FormGabung(request.POST)
    if not form.is_valid():
        return _gagal_tinjau(request, entri, form.errors, form_gabung=form)
    pkm = request.petugas.puskesmas
    d = form.cleaned_data
    pasien = (
        Pasien.objects.filter(puskesmas=pkm, pk=d["pasien_id"]).first()
        if d.get("pasien_id")
        else Pasien.objects.filter(puskesmas=pkm, no_rm=d["no_rm"].strip().zfill(6)).first()
    )
    if pasien is None:
        return _gagal_tinjau(request, entri, {"pasien": ["Pasien tidak ditemukan."]})
    try:
        entri = replay.tinjau_gabung(
            entri=entri,
            pasien=pasien,
            oleh=request.user,
            perbarui_data=d["perbarui_data"],
            catatan=d["catatan"],
        )
    except PendaftaranError as e:
        return _gagal_tinjau(request, entri, e.galat)
    return _selesai_tinjau(request, entri)


@require_POST
@peran_wajib(*ADMIN)
def tinjau_pisah(request: HttpRequest, pk: int) -> HttpResponse:
    entri = _entri(request, pk)
    form = FormCatatan(request.POST)
    form.is_valid()
    try:
        entri = replay.tinjau_pisah(
            entri=entri, oleh=request.user, catatan=form.cleaned_data.get("catatan", "")
        )
    except PendaftaranError as e:
        return _gagal_tinjau(request, entri, e.galat)
    return _selesai_tinjau(request, entri)


@require_POST
@peran_wajib(*ADMIN)
def tinjau_koreksi(request: HttpRequest, pk: int) -> HttpResponse:
    entri = _entri(request, pk)
    pkm = request.petugas.puskesmas
    form = FormEntri(request.POST, puskesmas=pkm)
    if not form.is_valid():
        return _gagal_tinjau(request, entri, form.errors, form_koreksi=form)
    payload = form.ke_payload(
        client_uuid=str(entri.client_uuid),
        petugas=(entri.petugas.username if entri.petugas else request.user.username),
    )
    if isinstance(entri.payload, dict) and entri.payload.get("mode"):
        payload["mode"] = entri.payload["mode"]
    try:
        entri = replay.tinjau_koreksi(
            entri=entri, payload_baru=payload, oleh=request.user, catatan="koreksi admin"
        )
    except PendaftaranError as e:
        return _gagal_tinjau(request, entri, e.galat)
    return _selesai_tinjau(request, entri)


# --- Back entry (entri susulan) -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@peran_wajib(*PERAN_LOKET)
def susulan(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas
    hasil = None
    if request.method == "POST":
        form = FormSusulan(request.POST, puskesmas=pkm)
        if form.is_valid():
            payload = form.ke_payload(
                client_uuid=str(form.cleaned_data["client_uuid"]),
                petugas=request.user.username,
            )
            hasil = replay.replay_entri(
                payload,
                puskesmas=pkm,
                pengirim=request.user,
                sumber=SumberEntri.SUSULAN,
                loket_batch=form.cleaned_data["loket"],
                episode_untuk=_episode_susulan(pkm),
            )
            # A fresh form (and UUID) for the next paper sheet.
            form = FormSusulan(puskesmas=pkm, initial={"loket": form.cleaned_data["loket"]})
    else:
        form = FormSusulan(puskesmas=pkm, initial={"loket": loket_aktif(request, request.petugas)})
    status = 422 if request.method == "POST" and hasil is None else 200
    konteks = {"form": form, "hasil": hasil}
    template = "downtime/susulan.html"
    if request.htmx:
        template += "#isi"
    return render(request, template, konteks, status=status)


def _episode_susulan(pkm):
    """Paper entries join the episode the admin picked, or the declared one covering them."""

    def pilih(entri: EntriReplay, u: replay.Urai) -> EpisodeDowntime | None:
        if u.episode_id is not None:
            ep = EpisodeDowntime.objects.filter(pk=u.episode_id, puskesmas=pkm).first()
            if ep is not None:
                return ep
        if u.dibuat_klien is None:
            return None
        return selectors.episode_deklarasi_pada(puskesmas=pkm, loket=u.loket, pada=u.dibuat_klien)

    return pilih


# --- Monthly report -------------------------------------------------------------------------


def _bulan(request: HttpRequest) -> tuple[int, int]:
    teks = request.GET.get("bulan", "")
    try:
        tahun, bulan = (int(x) for x in teks.split("-"))
        date(tahun, bulan, 1)
    except ValueError:
        hari_ini = timezone.localdate()
        return hari_ini.year, hari_ini.month
    return tahun, bulan


def _pilihan_bulan(tahun: int, bulan: int) -> list[tuple[str, str]]:
    """The last 24 months (and the one asked for), labelled "Desember 2026" in any browser."""
    hari_ini = timezone.localdate()
    y, m = hari_ini.year, hari_ini.month
    daftar = []
    for _ in range(24):
        daftar.append((f"{y:04d}-{m:02d}", bulan_tahun(y, m)))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    diminta = (f"{tahun:04d}-{bulan:02d}", bulan_tahun(tahun, bulan))
    if diminta not in daftar:
        daftar.append(diminta)
    return daftar


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def laporan(request: HttpRequest) -> HttpResponse:
    tahun, bulan = _bulan(request)
    lap = selectors.laporan_bulanan(puskesmas=request.petugas.puskesmas, tahun=tahun, bulan=bulan)
    return render(
        request,
        "downtime/laporan.html",
        {
            "lap": lap,
            "bulan_iso": f"{tahun:04d}-{bulan:02d}",
            "bulan_label": bulan_tahun(tahun, bulan),
            "pilihan_bulan": _pilihan_bulan(tahun, bulan),
            "target_menit": int(selectors.target_respons().total_seconds() // 60),
            "grafik": laporan_ekspor.batang(lap),
        },
    )


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def laporan_csv(request: HttpRequest) -> HttpResponse:
    tahun, bulan = _bulan(request)
    lap = selectors.laporan_bulanan(puskesmas=request.petugas.puskesmas, tahun=tahun, bulan=bulan)
    resp = HttpResponse(content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="downtime-{tahun:04d}-{bulan:02d}.csv"'
    catat(request=request, aksi="laporan_ekspor", keterangan=f"downtime {tahun}-{bulan:02d} csv")
    resp.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    w = penulis_csv(resp)  # CSV injection: config.security
    for baris in laporan_ekspor.baris_tabel(lap, dengan_total=True):
        w.writerow(baris)
    return resp


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def laporan_pdf(request: HttpRequest) -> HttpResponse:
    tahun, bulan = _bulan(request)
    pkm = request.petugas.puskesmas
    lap = selectors.laporan_bulanan(puskesmas=pkm, tahun=tahun, bulan=bulan)
    resp = HttpResponse(laporan_ekspor.pdf(lap, puskesmas=pkm), content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="downtime-{tahun:04d}-{bulan:02d}.pdf"'
    catat(request=request, aksi="laporan_ekspor", keterangan=f"downtime {tahun}-{bulan:02d} pdf")
    return resp
