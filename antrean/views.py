"""Queue pages: the poli workflow, the head's overview, the hall TV, the patient's status page,
the daily report, and the live-update endpoints they listen to (antrean/stream.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET, require_POST

from audit.services import catat
from config.security import PERMISSIONS_POLICY_BAWAAN, penulis_csv
from pendaftaran.qr import svg_qr
from puskesmas import rujukan
from puskesmas.access import PERAN_LAPORAN, PERAN_POLI, peran_wajib
from puskesmas.models import Peran, Puskesmas

from . import laporan as laporan_ekspor
from . import live, selectors, services, stream, suara, urutan
from .forms import FormAksi, FormTanggal
from .models import StatusTiket, Tiket, UnitLayanan
from .templatetags import poli as poli_tags

# Who may watch live changes of their Puskesmas' queues.
PERAN_PANTAU = (Peran.POLI, Peran.ADMIN, Peran.KEPALA, Peran.LOKET)
PERAN_RINGKASAN = (*PERAN_LAPORAN, Peran.POLI)


def _hari_ini() -> date:
    return timezone.localdate()


# --- Poli page ------------------------------------------------------------------------------


def _unit_poli(request: HttpRequest, unit_id: int | None) -> tuple[UnitLayanan, list, list]:
    """The unit on screen, which must be one of the officer's own units (404 otherwise), the
    officer's units, and every unit of the Puskesmas (one copy from the reference cache per
    request: each copy is a few dozen unpickled instances)."""
    petugas = request.petugas  # type: ignore[attr-defined]
    semua = rujukan.unit_puskesmas(petugas.puskesmas_id)
    units = selectors.unit_petugas_rujukan(petugas, semua=semua)
    if unit_id is None:
        if not units:
            raise Http404("Akun Anda belum ditautkan ke klaster yang memiliki unit layanan.")
        return units[0], units, semua
    for u in units:
        if u.pk == unit_id:
            return u, units, semua
    raise Http404("Unit layanan tidak ditemukan.")


def _konteks_poli(request: HttpRequest, unit: UnitLayanan, units: list, semua: list) -> dict:
    tanggal = _hari_ini()
    return {
        "unit": unit,
        "units": units,
        "aksi": _alamat_aksi(unit),
        "panel": selectors.panel_poli(unit=unit, tanggal=tanggal, user_id=request.user.pk),
        "unit_tujuan": _unit_tujuan(unit, semua),
        "versi": live.versi(unit.puskesmas_id),
    }


# (script prefix, unit) -> the buttons' addresses: nine URL reversals per panel render, and
# neither the URL tree nor a unit's id changes while the process runs.
_ALAMAT_AKSI: dict[tuple[str, int], dict[str, str]] = {}


def _alamat_aksi(unit: UnitLayanan) -> dict[str, str]:
    # Each button's address once per unit, not a URL reversal per button per row.
    kunci = (get_script_prefix(), unit.pk)
    alamat = _ALAMAT_AKSI.get(kunci)
    if alamat is None:
        alamat = {n.replace("-", "_"): reverse("antrean:aksi", args=[unit.pk, n]) for n in AKSI}
        if len(_ALAMAT_AKSI) > 10_000:  # a district has a few thousand units at most
            _ALAMAT_AKSI.clear()
        _ALAMAT_AKSI[kunci] = alamat
    return dict(alamat)


def _unit_tujuan(unit: UnitLayanan, semua: list) -> list[UnitLayanan]:
    return [u for u in semua if u.aktif and u.pk != unit.pk]


# What differs between two requests for the same cached panel, as markers filled in per request
# (NUL never occurs in a rendered page: requests carrying it are refused, config/security.py).
_PENANDA_CSRF = "\x00csrf\x00"
_TTL_PANEL = 120  # a bound on a write that forgets to announce itself, as for the TV


def _panel_poli_html(request: HttpRequest, unit: UnitLayanan, semua: list) -> str:
    """The poli panel a refresh swaps in. Every poli screen asks every few seconds (and at once
    on every queue change anywhere in the Puskesmas), mostly to find it unchanged: the panel is
    rendered once per (unit, officer, day, the unit's queue version, the referral targets) and
    kept with markers where the CSRF token, the Puskesmas version and the waiting minutes go.
    The officer is in the key because their own patients come first among those called."""
    tanggal = _hari_ini()
    # Read before the queue: a cached panel is never older than its version.
    versi_pkm, versi_unit = live.versi_unit(unit.puskesmas_id, unit.pk)
    unit_tujuan = _unit_tujuan(unit, semua)
    # One entry per unit and officer, replaced on each change and checked against what it was
    # rendered for: kept under the version in its key, a busy morning would leave a copy
    # (about 30 kB) per version behind until it expired.
    kunci = f"antrean:poli:{unit.pk}:{request.user.pk}"
    tanda = None
    pola = None
    if versi_unit != "0":  # "0": the cache cannot tell what changed, so cache nothing
        jejak = hashlib.blake2b(
            repr([(u.pk, u.nama) for u in unit_tujuan]).encode(), digest_size=8
        ).hexdigest()
        tanda = f"{tanggal:%Y%m%d}:{versi_unit}:{jejak}"
        simpanan = cache.get(kunci)
        if simpanan is not None and simpanan[0] == tanda:
            pola = simpanan[1:]
    if pola is None:
        waktu: list[float] = []
        konteks = {
            "aksi": _alamat_aksi(unit),
            "panel": selectors.panel_poli(unit=unit, tanggal=tanggal, user_id=request.user.pk),
            "unit_tujuan": unit_tujuan,
            "versi": _PENANDA_VERSI,
            "csrf_token": _PENANDA_CSRF,
            "waktu_tunggu": waktu,  # the waiting list's tag puts markers and their times here
        }
        # No request: no context processors, so the markers above are what the tags read.
        html = render_to_string("antrean/poli.html#panel", konteks)
        pola = (html.split(poli_tags.PENANDA_TUNGGU), waktu)
        if tanda:
            cache.set(kunci, (tanda, *pola), _TTL_PANEL)
    bagian, waktu = pola
    sekarang = timezone.now().timestamp()
    isi = [bagian[0]]
    for masuk, sesudah in zip(waktu, bagian[1:], strict=True):
        isi += [poli_tags.teks_tunggu((sekarang - masuk) / 60), sesudah]
    html = "".join(isi)
    return html.replace(_PENANDA_CSRF, get_token(request)).replace(_PENANDA_VERSI, versi_pkm)


@require_GET
@peran_wajib(*PERAN_POLI)
def poli(request: HttpRequest, unit_id: int | None = None) -> HttpResponse:
    unit, units, semua = _unit_poli(request, unit_id)
    if request.htmx and not request.htmx.boosted:
        return HttpResponse(_panel_poli_html(request, unit, semua))
    konteks = _konteks_poli(request, unit, units, semua)
    return TemplateResponse(request, "antrean/poli.html", konteks)


def _aksi_tiket(
    fungsi: Callable[..., Tiket], pesan: str, **ekstra: str
) -> Callable[[FormAksi, UnitLayanan, object], tuple[Tiket, str]]:
    def jalankan(form: FormAksi, unit: UnitLayanan, oleh: object) -> tuple[Tiket, str]:
        tiket = form.cleaned_data["tiket"]
        if tiket is None:
            raise services.AntreanError({"tiket": ["Pilih tiket yang akan diproses."]})
        kw = {k: form.cleaned_data[v] for k, v in ekstra.items()}
        hasil = fungsi(tiket=tiket, oleh=oleh, **kw)
        return hasil, pesan.format(kode=tiket.kode, tujuan=getattr(hasil.unit, "nama", ""))

    return jalankan


def _panggil_berikutnya(form: FormAksi, unit: UnitLayanan, oleh: object) -> tuple[Tiket, str]:
    tiket = services.panggil_berikutnya(unit=unit, oleh=oleh)
    return tiket, f"{tiket.kode} dipanggil."


AKSI: dict[str, Callable[[FormAksi, UnitLayanan, object], tuple[Tiket, str]]] = {
    "panggil-berikutnya": _panggil_berikutnya,
    "panggil": _aksi_tiket(services.panggil, "{kode} dipanggil."),
    "panggil-ulang": _aksi_tiket(services.panggil_ulang, "{kode} dipanggil ulang."),
    "lewati": _aksi_tiket(services.lewati, "{kode} dilewati."),
    "mulai": _aksi_tiket(services.mulai_layani, "{kode} mulai dilayani."),
    "selesai": _aksi_tiket(services.selesai, "{kode} selesai."),
    "antre-ulang": _aksi_tiket(services.antre_ulang, "{kode} masuk antrean lagi di urutan akhir."),
    "batal": _aksi_tiket(services.batal, "{kode} dibatalkan.", alasan="alasan"),
    "rujuk": _aksi_tiket(
        services.rujuk, "{kode} dirujuk: nomor baru di {tujuan}.", unit_tujuan="unit_tujuan"
    ),
}


@require_POST
@peran_wajib(*PERAN_POLI)
def aksi(request: HttpRequest, unit_id: int, nama: str) -> HttpResponse:
    """Every button of the poli page: validate, call one service, show the refreshed panel with
    what happened (or why it could not)."""
    unit, units, semua = _unit_poli(request, unit_id)
    jalankan = AKSI.get(nama)
    if jalankan is None:
        raise Http404("Aksi tidak dikenal.")
    form = FormAksi(request.POST, unit=unit)
    hasil_pesan: tuple[str, str]
    if not form.is_valid():
        hasil_pesan = ("error", " ".join(m for ms in form.errors.values() for m in ms))
    elif nama == "rujuk" and form.cleaned_data["unit_tujuan"] is None:
        hasil_pesan = ("error", "Pilih unit tujuan rujukan.")
    else:
        try:
            _, teks = jalankan(form, unit, request.user)
            hasil_pesan = ("success", teks)
        except services.AntreanError as e:
            hasil_pesan = ("error", e.pesan)
    if not request.htmx:
        getattr(messages, hasil_pesan[0])(request, hasil_pesan[1])
        return redirect("antrean:poli_unit", unit_id=unit.pk)
    konteks = _konteks_poli(request, unit, units, semua)
    konteks["hasil"] = {"tingkat": hasil_pesan[0], "teks": hasil_pesan[1]}
    return TemplateResponse(request, "antrean/poli.html#panel", konteks)


# --- Overview for the head -------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_RINGKASAN)
def ringkasan(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    konteks = {
        "klaster": selectors.ringkasan(puskesmas=pkm, tanggal=_hari_ini()),
        "versi": live.versi(pkm.pk),
        "sekarang": timezone.localtime(),
    }
    template = "antrean/ringkasan.html"
    if request.htmx and not request.htmx.boosted:
        template += "#isi"
    return TemplateResponse(request, template, konteks)


# --- Daily report ----------------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_LAPORAN)
def laporan(request: HttpRequest) -> HttpResponse:
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    form = FormTanggal(request.GET or None)
    tanggal = _hari_ini()
    if form.is_valid() and form.cleaned_data["tanggal"]:
        tanggal = form.cleaned_data["tanggal"]
    baris = selectors.laporan_harian(puskesmas=pkm, tanggal=tanggal)
    fmt = request.GET.get("format")
    nama_berkas = f"antrean-{tanggal:%Y-%m-%d}"
    if fmt == "csv":
        resp = HttpResponse(content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{nama_berkas}.csv"'
        resp.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
        # CSV injection: every cell through config.security's writer.
        penulis_csv(resp).writerows(laporan_ekspor.baris_tabel(baris, hari=tanggal))
        catat(request=request, aksi="laporan_ekspor", keterangan=f"antrean {tanggal:%Y-%m-%d} csv")
        return resp
    if fmt == "pdf":
        isi = laporan_ekspor.pdf(baris, hari=tanggal, puskesmas=pkm, dibuat=timezone.now())
        resp = HttpResponse(isi, content_type="application/pdf")
        resp["Content-Disposition"] = f'attachment; filename="{nama_berkas}.pdf"'
        catat(request=request, aksi="laporan_ekspor", keterangan=f"antrean {tanggal:%Y-%m-%d} pdf")
        return resp
    return TemplateResponse(
        request, "antrean/laporan.html", {"form": form, "tanggal": tanggal, "baris": baris}
    )


# --- TV display (public, by display key) ------------------------------------------------------


# Where the version goes in a cached TV fragment; NUL never occurs in a rendered page (requests
# carrying it are refused, config/security.py).
_PENANDA_VERSI = "\x00versi\x00"


def _puskesmas_tv(kunci: str) -> Puskesmas:
    # Cached per process (puskesmas/rujukan.py): every display asks several times a minute.
    pkm = rujukan.puskesmas_layar(kunci)
    if pkm is None:
        raise Http404("Layar tidak ditemukan.")
    return pkm


def _klaster_param(request: HttpRequest) -> int | None:
    nilai = request.GET.get("klaster", "")
    return int(nilai) if nilai.isdigit() else None


@require_GET
def tv(request: HttpRequest, kunci: str) -> HttpResponse:
    """The hall display. No login: the unguessable display key in the URL is the credential, and
    the page shows queue numbers and unit names only — never a patient's name."""
    pkm = _puskesmas_tv(kunci)
    klaster = _klaster_param(request)
    tanggal = _hari_ini()
    # The TV's own version (antrean/live.py), read before the queue, so a fragment cached or
    # validated under it is never older than it.
    versi = live.versi_tv(pkm.pk)
    if request.htmx:
        return _tv_isi(request, pkm, kunci, klaster, tanggal, versi)
    batas: dict[int, tuple | None] = {}
    layar, dipanggil = selectors.layar_tv(
        puskesmas=pkm, tanggal=tanggal, klaster=klaster, batas=batas
    )
    live.catat_batas_tv(pkm.pk, versi, batas, tanggal)
    konteks = _konteks_tv(request, pkm, kunci, klaster, versi, layar, dipanggil)
    resp = _tanpa_jejak(TemplateResponse(request, "antrean/tv.html", konteks))
    # The display may play its calls without a tap in a kiosk browser that allows it.
    resp["Permissions-Policy"] = PERMISSIONS_POLICY_BAWAAN.replace("autoplay=()", "autoplay=(self)")
    return resp


def _konteks_tv(request, pkm, kunci, klaster, versi, layar, dipanggil) -> dict:
    return {
        "pkm": pkm,
        "layar": layar,
        "dipanggil": dipanggil,
        "terakhir": selectors.sorotan_tv(layar),
        "klaster": klaster,
        "versi": versi,
        "url_stream": reverse("antrean:tv_stream", args=[kunci]),
        "url_versi": reverse("antrean:tv_versi", args=[kunci]),
        "zona": settings.TIME_ZONE,
    }


# A fragment kept under its TV version: a bound on a write that forgets to announce itself.
_TTL_TV = 120


def _tv_isi(
    request: HttpRequest,
    pkm: Puskesmas,
    kunci: str,
    klaster: int | None,
    tanggal: date,
    versi: str,
) -> HttpResponse:
    """The fragment the display swaps in on each TV version and on its own 20 s refresh.

    Every display in the hall asks the moment a number is called, and every 20 s to find it
    unchanged: it is rendered once per TV version and served from the shared cache under
    (display filter, day, version) with its ETag, so a refresh whose If-None-Match matches is a
    304 after two cache reads and no SQL (Chromium revalidates htmx's GET by itself: the answer
    is `no-cache`, not `no-store`). Version "0" (the cache cannot tell) caches nothing: every
    request reads the queue, and a 304 then rests on the digest of what it shows."""
    diminta = parse_etags(request.headers.get("If-None-Match", ""))
    kunci_cache = None
    if versi != "0":
        # With the reference rows' generation: a unit renamed in any process (its save starts a
        # new one) is never served from a fragment rendered before, whatever the TV version.
        kunci_cache = (
            f"antrean:tv2:{pkm.pk}:{klaster or 0}:{tanggal:%Y%m%d}:{versi}:{rujukan.generasi()}"
        )
        simpanan = cache.get(kunci_cache)
        if isinstance(simpanan, tuple) and len(simpanan) == 2:
            return _jawab_isi_tv(*simpanan, diminta)
    batas: dict[int, tuple | None] = {}
    layar, dipanggil = selectors.layar_tv(
        puskesmas=pkm, tanggal=tanggal, klaster=klaster, batas=batas
    )
    live.catat_batas_tv(pkm.pk, versi, batas, tanggal)
    # Most new versions used to be registrations further down a queue than the TV shows; the
    # fragment is still kept under a digest of what it shows, the version filled in here.
    jejak = selectors.jejak_tv(layar, dipanggil, alamat=request.path)
    etag = f'"{versi}-{klaster or 0}-{jejak}"'
    kunci_isi = f"antrean:tv-isi:{pkm.pk}:{klaster or 0}:{jejak}"
    pola = cache.get(kunci_isi)
    if pola is None:
        konteks = _konteks_tv(request, pkm, kunci, klaster, _PENANDA_VERSI, layar, dipanggil)
        pola = render_to_string("antrean/tv.html#isi", konteks, request=request)
        cache.set(kunci_isi, pola, 600)
    html = pola.replace(_PENANDA_VERSI, versi)
    if kunci_cache:
        cache.set(kunci_cache, (etag, html), _TTL_TV)
    return _jawab_isi_tv(etag, html, diminta)


def _tanpa_jejak(resp: HttpResponse) -> HttpResponse:
    resp["Cache-Control"] = "no-store"
    resp["Referrer-Policy"] = "no-referrer"  # the display key must not leak through links
    return resp


def _jawab_isi_tv(etag: str, html: str, diminta: list[str]) -> HttpResponse:
    resp = HttpResponseNotModified() if etag in diminta or "*" in diminta else HttpResponse(html)
    resp["ETag"] = etag
    # Stored, but revalidated before every use: numbers and unit names only, no patient.
    resp["Cache-Control"] = "no-cache"
    # The page itself lives at the same URL (no-store): a navigation must never be answered
    # from, or validated against, the fragment.
    resp["Vary"] = "HX-Request"
    resp["Referrer-Policy"] = "no-referrer"  # the display key must not leak through links
    return resp


@require_GET
@peran_wajib(*PERAN_POLI)
def tv_info(request: HttpRequest) -> HttpResponse:
    """Where the hall TV's address lives for staff: the URL (the display key is its password)
    and a QR code to open it on the TV box or a phone, per cluster too."""
    pkm = request.petugas.puskesmas  # type: ignore[attr-defined]
    url = request.build_absolute_uri(reverse("antrean:tv", args=[pkm.kunci_display]))
    klaster = [
        {"klaster": k, "url": f"{url}?klaster={k.nomor}"}
        for k in pkm.klaster.filter(unit__aktif=True).distinct().order_by("nomor")
    ]
    return TemplateResponse(
        request,
        "antrean/tv_info.html",
        {
            "url_tv": url,
            "qr": svg_qr(url, judul="Alamat layar TV antrean"),
            "klaster": klaster,
            "ada_suara": suara.espeak() is not None,
        },
    )


@require_GET
def tv_suara(request: HttpRequest, kunci: str) -> HttpResponse:
    """The TV's clip list: key ("kata:dua", "unit:7") → URL. The TV caches every clip ahead,
    so calling keeps working through an outage; an empty list means "no espeak-ng here"."""
    pkm = _puskesmas_tv(kunci)
    klip = suara.daftar_klip(pkm)
    dasar = reverse("antrean:tv_klip", args=[kunci, "x"])[:-1]
    resp = JsonResponse({"klip": {k: dasar + nama for k, nama in klip.items()}})
    return _tanpa_jejak(resp)


@require_GET
def tv_klip(request: HttpRequest, kunci: str, nama: str) -> HttpResponse:
    _puskesmas_tv(kunci)
    berkas = suara.berkas_klip(nama)
    if berkas is None:
        raise Http404("Klip suara tidak ada.")
    resp = FileResponse(berkas.open("rb"), content_type="audio/wav")
    # Content-addressed: a clip never changes under its name.
    resp["Cache-Control"] = "public, max-age=31536000, immutable"
    resp["Referrer-Policy"] = "no-referrer"
    return resp


@require_GET
def tv_sw(request: HttpRequest) -> HttpResponse:
    """The TV's service worker, served under /antrean/tv/ so its scope covers every display
    and its clips (static files live elsewhere and could not)."""
    isi = (settings.BASE_DIR / "static" / "js" / "antrean" / "tv_sw.js").read_text()
    resp = HttpResponse(isi, content_type="text/javascript; charset=utf-8")
    resp["Cache-Control"] = "no-cache"
    return resp


@require_GET
def tv_stream(request: HttpRequest, kunci: str) -> HttpResponse:
    # The TV's own signal: calls and the like, not the registrations it does not show.
    return stream.respons_stream(_puskesmas_tv(kunci).pk, tv=True)


@require_GET
def tv_versi(request: HttpRequest, kunci: str) -> HttpResponse:
    return stream.respons_versi(_puskesmas_tv(kunci).pk, tv=True)


# --- Live endpoints for signed-in staff ------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_PANTAU)
def live_stream(request: HttpRequest) -> HttpResponse:
    return stream.respons_stream(request.petugas.puskesmas_id)  # type: ignore[attr-defined]


@require_GET
@peran_wajib(*PERAN_PANTAU)
def live_versi(request: HttpRequest) -> HttpResponse:
    return stream.respons_versi(request.petugas.puskesmas_id)  # type: ignore[attr-defined]


# --- Patient status page (public, by ticket token) --------------------------------------------


@require_GET
def status_tiket(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's own view of their place in the queue, opened from the ticket's QR code.
    Public by design and therefore free of personal data: number, unit, position, estimate."""
    tiket = get_object_or_404(Tiket.objects.select_related("unit__puskesmas"), token_publik=token)
    posisi = selectors.posisi_tiket(tiket)
    ruang = selectors.ruang_aktif(unit=tiket.unit, tanggal=tiket.tanggal)
    lanjutan = (
        Tiket.objects.filter(sebelumnya=tiket)
        .exclude(status=StatusTiket.BATAL)
        .select_related("unit")
        .first()
    )
    konteks = {
        "tiket": tiket,
        "posisi": posisi,
        "perkiraan_menit": urutan.perkiraan_menit(posisi, tiket.unit.menit_per_pasien, ruang),
        "lanjutan": lanjutan,
        "diperbarui": timezone.localtime(),
        "puskesmas": tiket.unit.puskesmas,  # the page header names it (no login here)
    }
    template = "antrean/status_tiket.html"
    if request.htmx:
        template += "#status"
    resp = TemplateResponse(request, template, konteks)
    resp["Cache-Control"] = "no-store"
    resp["Referrer-Policy"] = "no-referrer"
    return resp
