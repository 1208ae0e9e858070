"""The loket pages: what a registration officer works in all day.

One page (`loket.html`) with named partials: htmx requests get the fragment they asked for,
a plain request (reload, no JavaScript, a bookmarked URL) gets the whole page with the same
fragment in place — so every panel has a real URL and F5 never loses the patient at hand.

Views stay thin: role check, load through a helper scoped to the officer's Puskesmas (another
Puskesmas' id is a 404, never a 403 that would confirm it exists), a form, one service call.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url, trigger_client_event

from antrean import selectors as antrean_selectors
from antrean.models import StatusTiket, Tiket
from antrean.selectors import unit_pendaftaran, unit_untuk_saran
from antrean.urutan import perkiraan_menit
from audit.models import AuditLog
from audit.services import catat
from puskesmas.access import PERAN_LOKET, SESSION_LOKET, loket_aktif, peran_wajib
from puskesmas.models import Loket

from . import salinan, selectors, services
from .forms import (
    FormBatal,
    FormCari,
    FormKunjungan,
    FormPasien,
    FormPilihLoket,
    data_kunjungan_longgar,
)
from .models import Kunjungan, Pasien, Penjamin
from .qr import svg_qr
from .validasi import DataKunjungan

TEMPLATE = "pendaftaran/loket.html"
TEMPLATE_CETAK = "pendaftaran/cetak.html"
# The officer's printer width is a property of the counter PC; remembered per session.
SESSION_LEBAR = "lebar_cetak"
LEBAR_CETAK = (58, 80)
# Tells the "Hari ini di loket ini" list to reload itself (hx-trigger="... from:body").
EVENT_BERUBAH = "kunjungan-berubah"


# --- helpers --------------------------------------------------------------------------------


def _pasien_atau_404(request: HttpRequest, pk: int) -> Pasien:
    return get_object_or_404(Pasien, pk=pk, puskesmas=request.petugas.puskesmas)  # type: ignore[attr-defined]


def _kunjungan_atau_404(request: HttpRequest, pk: int) -> Kunjungan:
    return get_object_or_404(
        Kunjungan.objects.select_related("pasien", "unit", "klaster", "loket"),
        pk=pk,
        puskesmas=request.petugas.puskesmas,  # type: ignore[attr-defined]
    )


def _render(
    request: HttpRequest, partial: str, konteks: dict[str, Any], *, panel: str = ""
) -> TemplateResponse:
    """The fragment for htmx, else the full loket page with that fragment in its place."""
    if request.htmx:
        return TemplateResponse(request, f"{TEMPLATE}#{partial}", konteks)
    return TemplateResponse(
        request, TEMPLATE, {**_konteks_halaman(request), **konteks, "panel": panel}
    )


def _konteks_halaman(request: HttpRequest) -> dict[str, Any]:
    petugas = request.petugas  # type: ignore[attr-defined]
    loket = loket_aktif(request, petugas)
    return {
        "loket": loket,
        "daftar_loket": Loket.objects.filter(puskesmas=petugas.puskesmas, aktif=True),
        "q": "",
        "hasil": None,
        **_konteks_hari_ini(loket),
    }


def _konteks_hari_ini(loket: Loket | None) -> dict[str, Any]:
    if loket is None:
        return {"kunjungan_hari_ini": []}
    return {
        "kunjungan_hari_ini": list(
            selectors.kunjungan_loket(loket=loket, tanggal=timezone.localdate())
        )
    }


def _isian_dari_cari(q: str, puskesmas) -> dict[str, Any]:
    """Pre-fill a new-patient form with what the officer already typed in the search box."""
    angka = "".join(ch for ch in q if ch.isdigit())
    if angka and len(angka) == len(q.replace(" ", "").replace("-", "").replace(".", "")):
        if len(angka) == 16:
            # A NIK we know (a mother, or the NIK her babies are under): the new patient is
            # her baby, so it is the mother's NIK field.
            if selectors.nik_dikenal(puskesmas=puskesmas, nik=angka):
                return {"nik_ibu": angka}
            return {"nik": angka}
        if len(angka) == 13:
            return {"no_bpjs": angka}
        return {}
    tanggal, nama = selectors._ambil_tanggal(q)
    isian: dict[str, Any] = {"nama": nama.title()} if nama else {}
    if tanggal:
        isian["tanggal_lahir"] = tanggal
    return isian


def _pilihan_unit(
    request: HttpRequest, pasien: Pasien, data: DataKunjungan, unit_id: int | None
) -> dict[str, Any]:
    """The unit chooser: every active unit grouped by cluster, the suggested one marked with
    the rule's reason, and which one is selected (the suggestion unless the officer chose)."""
    puskesmas = request.petugas.puskesmas  # type: ignore[attr-defined]
    saran = services.saran_untuk(pasien=pasien, data=data, pada=timezone.localdate())
    unit_saran = unit_untuk_saran(puskesmas=puskesmas, saran=saran)
    units = list(unit_pendaftaran(puskesmas=puskesmas))
    if unit_id is None or not any(u.pk == unit_id for u in units):
        unit_id = unit_saran.pk if unit_saran else None
    terpilih = next((u for u in units if u.pk == unit_id), None)
    kelompok = [
        {"klaster": klaster, "unit": list(isi)}
        for klaster, isi in groupby(units, key=lambda u: u.klaster)
    ]
    return {
        "saran": saran,
        "unit_saran": unit_saran,
        "kelompok_unit": kelompok,
        "unit_terpilih": terpilih,
        "saran_diubah": bool(terpilih and unit_saran and terpilih.pk != unit_saran.pk),
    }


def _konteks_kunjungan(
    request: HttpRequest, pasien: Pasien, form: FormKunjungan | None = None, **extra: Any
) -> dict[str, Any]:
    if form is None:
        penjamin = Penjamin.BPJS if pasien.no_bpjs else Penjamin.UMUM
        data = DataKunjungan(penjamin=penjamin)
        pilihan = _pilihan_unit(request, pasien, data, None)
        form = FormKunjungan(
            puskesmas=request.petugas.puskesmas,  # type: ignore[attr-defined]
            initial={"penjamin": penjamin, "unit": pilihan["unit_terpilih"]},
        )
    else:
        pilihan = _pilihan_unit(
            request, pasien, data_kunjungan_longgar(form.data), _int(form.data.get("unit"))
        )
    return {
        "pasien": pasien,
        "form": form,
        "kunjungan_mendatang": selectors.kunjungan_mendatang(
            pasien=pasien, sejak=timezone.localdate()
        ),
        "tanggal_hari_ini": timezone.localdate(),
        **pilihan,
        **extra,
    }


def _int(nilai: Any) -> int | None:
    try:
        return int(nilai)
    except (TypeError, ValueError):
        return None


def _konteks_tiket(
    request: HttpRequest, kunjungan: Kunjungan, *, tiket: Tiket | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "tanggal_hari_ini": timezone.localdate(),
        "kunjungan": kunjungan,
        "tiket": tiket or kunjungan.tiket_pertama,
        "pasien": kunjungan.pasien,
        "lebar": request.session.get(SESSION_LEBAR, 80),
        **extra,
    }


# --- the page -------------------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_LOKET)
def loket(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        # "Pasien berikutnya": an empty panel, ready for the next search.
        return TemplateResponse(request, f"{TEMPLATE}#panel_kosong", {})
    return TemplateResponse(request, TEMPLATE, {**_konteks_halaman(request), "panel": ""})


@require_POST
@peran_wajib(*PERAN_LOKET)
def pilih_loket(request: HttpRequest) -> HttpResponse:
    form = FormPilihLoket(request.POST, puskesmas=request.petugas.puskesmas)  # type: ignore[attr-defined]
    if form.is_valid():
        request.session[SESSION_LOKET] = form.cleaned_data["loket"].pk
        messages.success(request, f"Anda bekerja di {form.cleaned_data['loket'].nama}.")
    else:
        messages.error(request, " ".join(form.errors.get("loket", ["Loket tidak valid."])))
    return redirect("pendaftaran:loket")


@require_GET
@peran_wajib(*PERAN_LOKET)
def cari(request: HttpRequest) -> HttpResponse:
    form = FormCari(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    hasil = (
        selectors.pasien_cari(puskesmas=request.petugas.puskesmas, q=q)  # type: ignore[attr-defined]
        if q
        else None
    )
    digit = "".join(ch for ch in q if ch.isdigit())
    konteks = {
        "q": q,
        "hasil": hasil,
        "q_angka": digit if digit and len(digit) >= len(q.replace(" ", "")) - 2 else "",
        "q_pendek": bool(q) and not digit and len(q.strip()) < 2,
    }
    return _render(request, "hasil_cari", konteks)


# --- patients -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@peran_wajib(*PERAN_LOKET)
def pasien_baru(request: HttpRequest) -> HttpResponse:
    petugas = request.petugas  # type: ignore[attr-defined]
    konteks: dict[str, Any] = {}
    if request.method == "GET":
        q = request.GET.get("q", "").strip()
        form = FormPasien(initial=_isian_dari_cari(q, petugas.puskesmas))
        return _render(request, "panel_pasien_baru", {"form": form}, panel="pasien_baru")

    form = FormPasien(request.POST)
    if form.is_valid():
        try:
            pasien = services.pasien_buat(
                puskesmas=petugas.puskesmas,
                data=form.data_pasien(),
                oleh=request.user,
                konfirmasi_baru=form.cleaned_data["konfirmasi_baru"],
            )
        except services.PasienSudahAda as e:
            form.tambah_galat(e.galat)
            konteks["pasien_ada"] = e.pasien
        except services.KemungkinanDuplikat as e:
            form.tambah_galat(e.galat)
            konteks["kandidat"] = e.kandidat
        except services.PendaftaranError as e:
            form.tambah_galat(e.galat)
        else:
            pesan = f"Pasien baru tersimpan: {pasien.nama}, No. RM {pasien.no_rm}."
            return _ke_pasien(request, pasien, pesan)
    return _render(request, "panel_pasien_baru", {"form": form, **konteks}, panel="pasien_baru")


def _ke_pasien(request: HttpRequest, pasien: Pasien, pesan: str) -> HttpResponse:
    """After a patient is saved: straight on to the visit form (htmx), or PRG without JS."""
    url = reverse("pendaftaran:pasien", args=[pasien.pk])
    if request.htmx:
        resp = TemplateResponse(
            request,
            f"{TEMPLATE}#panel_kunjungan",
            _konteks_kunjungan(request, pasien, pesan_ok=pesan),
        )
        return push_url(resp, url)
    messages.success(request, pesan)
    return redirect(url)


@require_GET
@peran_wajib(*PERAN_LOKET)
def pasien(request: HttpRequest, pk: int) -> HttpResponse:
    p = _pasien_atau_404(request, pk)
    catat(request=request, aksi="pasien_lihat", objek=p)  # a search result opened
    return _render(request, "panel_kunjungan", _konteks_kunjungan(request, p), panel="kunjungan")


@require_http_methods(["GET", "POST"])
@peran_wajib(*PERAN_LOKET)
def pasien_ubah(request: HttpRequest, pk: int) -> HttpResponse:
    p = _pasien_atau_404(request, pk)
    konteks: dict[str, Any] = {"pasien": p}
    if request.method == "GET":
        # Adding a card number is the usual reason to come here.
        form = FormPasien.dari_pasien(p, fokus="no_bpjs")
    else:
        form = FormPasien(request.POST, fokus="no_bpjs")
        if form.is_valid():
            try:
                services.pasien_ubah(pasien=p, data=form.data_pasien())
            except services.PasienSudahAda as e:
                form.tambah_galat(e.galat)
                konteks["pasien_ada"] = e.pasien
            except services.PendaftaranError as e:
                form.tambah_galat(e.galat)
            else:
                return _ke_pasien(request, p, "Data pasien diperbarui.")
        # Re-read so the panel header shows what is saved, not what was typed.
        p.refresh_from_db()
    konteks["form"] = form
    return _render(request, "panel_pasien_ubah", konteks, panel="pasien_ubah")


# --- visits ---------------------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_LOKET)
def saran(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute the suggested unit while the officer ticks boxes. The officer's own pick is
    kept when they had moved away from the old suggestion; otherwise the new one is selected."""
    p = _pasien_atau_404(request, pk)
    unit_id = _int(request.GET.get("unit"))
    if unit_id is not None and unit_id == _int(request.GET.get("unit_saran_lama")):
        unit_id = None  # was on the suggestion: follow it
    konteks = {
        "pasien": p,
        **_pilihan_unit(request, p, data_kunjungan_longgar(request.GET), unit_id),
    }
    return _render(request, "pilihan_unit", konteks, panel="kunjungan")


@require_POST
@peran_wajib(*PERAN_LOKET)
def daftar(request: HttpRequest, pk: int) -> HttpResponse:
    petugas = request.petugas  # type: ignore[attr-defined]
    loket_ini = loket_aktif(request, petugas)
    form = FormKunjungan(request.POST, puskesmas=petugas.puskesmas)
    extra: dict[str, Any] = {}
    if loket_ini is not None and form.is_valid():
        # The patient with the service's "UUID seen? open visit there today?" in one statement.
        p, dibaca = services.pasien_dan_dibaca(
            puskesmas_id=petugas.puskesmas_id,
            pasien_id=pk,
            client_uuid=form.cleaned_data["client_uuid"],
            unit_id=form.cleaned_data["unit"].pk,
        )
        if p is None:
            raise Http404("Pasien tidak ditemukan.")
    else:
        p, dibaca = _pasien_atau_404(request, pk), None
    if loket_ini is None:
        form.add_error(None, "Pilih loket Anda dulu (di bagian atas halaman).")
    elif dibaca is not None:
        try:
            hasil = services.kunjungan_daftar(
                puskesmas=petugas.puskesmas,
                pasien=p,
                unit=form.cleaned_data["unit"],
                data=form.data_kunjungan(),
                client_uuid=form.cleaned_data["client_uuid"],
                oleh=request.user,
                loket=loket_ini,
                dibaca=dibaca,
            )
        except services.KunjunganGanda as e:
            form.tambah_galat(e.galat)
            extra["kunjungan_ganda"] = e.kunjungan
        except services.PendaftaranError as e:
            form.tambah_galat(e.galat)
        else:
            return _ke_tiket(request, hasil)
    return _render(
        request, "panel_kunjungan", _konteks_kunjungan(request, p, form, **extra), panel="kunjungan"
    )


def _ke_tiket(request: HttpRequest, hasil: services.HasilPendaftaran) -> HttpResponse:
    k = hasil.kunjungan
    url = reverse("pendaftaran:tiket", args=[k.pk])
    if not request.htmx:
        if not hasil.baru:
            messages.info(
                request, "Pendaftaran ini sudah tersimpan sebelumnya; tidak dibuat dua kali."
            )
        return redirect(url)
    if hasil.baru and hasil.tiket is not None:
        # Just saved in this request, with its patient, unit (and klaster) and loket in hand:
        # the panel needs no reload of what was written a moment ago.
        k.klaster = k.unit.klaster
        konteks = _konteks_tiket(request, k, tiket=hasil.tiket)
    else:
        k = _kunjungan_atau_404(request, k.pk)
        konteks = _konteks_tiket(request, k, ulang=not hasil.baru)
    resp = TemplateResponse(request, f"{TEMPLATE}#panel_tiket", konteks)
    return trigger_client_event(push_url(resp, url), EVENT_BERUBAH)


@require_GET
@peran_wajib(*PERAN_LOKET)
def tiket(request: HttpRequest, pk: int) -> HttpResponse:
    k = _kunjungan_atau_404(request, pk)
    return _render(request, "panel_tiket", _konteks_tiket(request, k), panel="tiket")


@require_POST
@peran_wajib(*PERAN_LOKET)
def hadir(request: HttpRequest, pk: int) -> HttpResponse:
    """A Mobile JKN patient reported at the counter: their waiting time starts now."""
    from antrean import services as antrean

    k = _kunjungan_atau_404(request, pk)
    tiket = k.tiket_pertama
    if tiket is None:
        raise Http404("Kunjungan ini belum punya tiket.")
    konteks: dict[str, Any] = {}
    try:
        antrean.hadir(tiket=tiket, oleh=request.user)
    except antrean.AntreanError as e:
        konteks["pesan_galat"] = e.pesan
    else:
        konteks["pesan_ok"] = "Kehadiran dicatat: pasien menunggu dipanggil dengan nomor ini."
    k = _kunjungan_atau_404(request, pk)
    return _render(request, "panel_tiket", _konteks_tiket(request, k, **konteks), panel="tiket")


@require_GET
@peran_wajib(*PERAN_LOKET)
def cetak(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable ticket. `?lebar=58|80` picks the paper; the choice is remembered for this
    counter's session, so the next "Cetak" uses the same printer width."""
    k = _kunjungan_atau_404(request, pk)
    t = k.tiket_pertama
    if t is None:
        raise Http404("Kunjungan ini belum punya tiket.")
    lebar = _int(request.GET.get("lebar"))
    if lebar in LEBAR_CETAK:
        request.session[SESSION_LEBAR] = lebar
    else:
        lebar = request.session.get(SESSION_LEBAR, 80)
    url_status = request.build_absolute_uri(reverse("antrean:status_tiket", args=[t.token_publik]))
    dibatalkan = k.status == "batal" or t.status == StatusTiket.BATAL
    otomatis = request.GET.get("otomatis") == "1" and not dibatalkan
    # Each print the loket asks for (Cetak / F9) is an audited look at the patient's data; the
    # earlier ones tell this print apart as a reprint, so two papers never look like originals.
    sebelumnya = _cetakan_sebelumnya(k)
    if otomatis:
        catat(request=request, aksi="pasien_lihat", objek=k, keterangan=KETERANGAN_CETAK)
    posisi = antrean_selectors.posisi_tiket(t)
    konteks = {
        "kunjungan": k,
        "tiket": t,
        "pasien": k.pasien,
        "lebar": lebar,
        "lebar_lain": 58 if lebar == 80 else 80,
        "url_status": url_status,
        "qr": svg_qr(url_status, judul=f"Status antrean {t.kode}"),
        "otomatis": otomatis,
        "dibatalkan": dibatalkan,
        "cetak_ulang": sebelumnya > 0,
        "menunggu": t.status == StatusTiket.MENUNGGU,
        "di_depan": posisi,
        "perkiraan_menit": perkiraan_menit(
            posisi,
            t.unit.menit_per_pasien,
            antrean_selectors.ruang_aktif(unit=t.unit, tanggal=t.tanggal),
        ),
        "dicetak_pada": timezone.localtime(),
    }
    return TemplateResponse(request, TEMPLATE_CETAK, konteks)


KETERANGAN_CETAK = "cetak tiket"


def _cetakan_sebelumnya(k: Kunjungan) -> int:
    return AuditLog.objects.filter(
        aksi="pasien_lihat",
        objek_tipe=k._meta.label_lower,
        objek_id=str(k.pk),
        ringkasan__endswith=KETERANGAN_CETAK,
    ).count()


# --- today at this counter ------------------------------------------------------------------


@require_GET
@peran_wajib(*PERAN_LOKET)
def hari_ini(request: HttpRequest) -> HttpResponse:
    loket_ini = loket_aktif(request, request.petugas)  # type: ignore[attr-defined]
    return _render(request, "hari_ini", {"loket": loket_ini, **_konteks_hari_ini(loket_ini)})


@require_http_methods(["GET", "POST"])
@peran_wajib(*PERAN_LOKET)
def batal(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a registration with a reason. The row stays (struck through): a cancelled
    number must still be explainable at the end of the day."""
    k = _kunjungan_atau_404(request, pk)
    form = FormBatal(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            k = services.kunjungan_batal(
                kunjungan=k, oleh=request.user, alasan=form.cleaned_data["alasan"]
            )
        except services.PendaftaranError as e:
            form.tambah_galat(e.galat)
        else:
            if not request.htmx:
                messages.success(request, f"Pendaftaran {k.pasien.nama} dibatalkan.")
                return redirect("pendaftaran:loket")
            k = _kunjungan_atau_404(request, k.pk)
            return TemplateResponse(request, f"{TEMPLATE}#baris_kunjungan", {"k": k})
    konteks = {"k": k, "form_batal": form, "batal_id": k.pk}
    return _render(request, "baris_kunjungan", konteks)


@require_GET
@peran_wajib(*PERAN_LOKET)
def salinan_luring(request: HttpRequest) -> JsonResponse:
    """A page of the loket's offline copy of returning patients (pendaftaran/salinan.py).
    ?setelah=<id> pages on; ?sejak=<ISO time> asks only for what changed since that time."""
    petugas = request.petugas  # type: ignore[attr-defined]
    try:
        setelah = int(request.GET.get("setelah") or 0)
    except ValueError:
        return JsonResponse({"galat": {"setelah": ["Harus angka."]}}, status=400)
    sejak = None
    if request.GET.get("sejak"):
        sejak = parse_datetime(request.GET["sejak"])
        if sejak is None:
            return JsonResponse({"galat": {"sejak": ["Waktu tidak dapat dibaca."]}}, status=400)
    waktu = timezone.now()
    pasien, lanjut = salinan.halaman_salinan(
        puskesmas=petugas.puskesmas, setelah=setelah, sejak=sejak
    )
    if setelah == 0:  # once per refresh, not once per page
        catat(request=request, aksi="pasien_lihat", keterangan="salinan luring pasien lama")
    resp = JsonResponse(
        {
            "garam": salinan.garam(petugas.puskesmas),
            "pasien": pasien,
            "setelah": lanjut,
            "waktu": waktu.isoformat(),
        }
    )
    resp["Cache-Control"] = "no-store"
    return resp
