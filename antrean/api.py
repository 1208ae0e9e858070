"""JSON API endpoints of the antrean app, mounted under /api/v1/ by config/api.py.

Units and the day's queues for staff, and the poli's moves (call next, call, recall, skip,
start, finish, re-queue, cancel, transfer) for poli staff and admins — the same services as the
poli page's buttons, so an ERM or a calling machine can drive the queue. A queue row carries the
patient's name because staff call patients by name; it is never served without authentication
(the public ticket page and the TV display have their own views without personal data).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import parse_etags
from ninja import Query, Router, Schema
from ninja.errors import AuthorizationError
from ninja.responses import NinjaJSONEncoder

from pendaftaran.schemas import GalatOut, KlasterOut, TidakDitemukan
from puskesmas import rujukan
from puskesmas.access import PERAN_POLI
from puskesmas.api_auth import petugas_api
from puskesmas.models import Peran, Petugas

from . import live, services, urutan
from .models import Tiket, UnitLayanan
from .selectors import KueriSiap, unit_pendaftaran, unit_petugas, unit_petugas_rujukan

router = Router(tags=["antrean"])

GALAT_UMUM: dict[int | str, type[Schema]] = {401: GalatOut, 403: GalatOut, 422: GalatOut}


class UnitOut(Schema):
    id: int
    kode: str
    nama: str
    layanan: str
    prefix: str
    klaster: KlasterOut


class TiketAntreanOut(Schema):
    kode: str
    nomor: int
    status: str
    prioritas: bool
    alasan_prioritas: str
    waktu_masuk: datetime
    kunjungan_id: int
    pasien_nama: str = ""


class AntreanOut(Schema):
    unit: UnitOut
    tanggal: date
    tiket: list[TiketAntreanOut]


class TanggalIn(Schema):
    tanggal: date | None = None


def _unit_json(u: UnitLayanan) -> dict:
    return {
        "id": u.pk,
        "kode": u.kode,
        "nama": u.nama,
        "layanan": u.layanan,
        "prefix": u.prefix,
        "klaster": {"id": u.klaster.pk, "nomor": u.klaster.nomor, "nama": u.klaster.nama},
    }


@router.get("/unit", response={200: list[UnitOut], **GALAT_UMUM}, summary="Unit layanan aktif")
def unit_daftar(request: HttpRequest):
    """Unit layanan aktif Puskesmas petugas beserta klasternya, urut tampilan loket."""
    petugas = petugas_api(request)
    return [_unit_json(u) for u in unit_pendaftaran(puskesmas=petugas.puskesmas)]


def _unit_terbaca(petugas: Petugas, unit_id: int) -> UnitLayanan:
    """A unit whose queue this officer may read: any unit of their Puskesmas, poli staff only
    the active units of their own cluster (as on the poli page). From the reference cache."""
    u = rujukan.unit(petugas.puskesmas_id, unit_id)  # one unpickled unit, not the list
    if u is not None and (
        petugas.peran != Peran.POLI
        or (u.aktif and petugas.klaster_id and u.klaster_id == petugas.klaster_id)
    ):
        return u
    raise TidakDitemukan("Unit layanan tidak ditemukan di Puskesmas ini.")


# A queue list lives in the shared cache under the unit's queue version (antrean/live.py:
# bumped after every commit that changes one of its tickets or a queued patient's name), so the poli
# clients listing every few seconds cost one render per change, not one per request; a client
# that sends back the ETag it got is answered 304 with no body at all.
_TTL_ANTREAN = 600


_KOLOM_TIKET = ("kode", "nomor", "status", "prioritas", "alasan_prioritas", "waktu_masuk",
                "kunjungan_id", "pasien_nama")  # fmt: skip


# Compiled once per process (selectors.KueriSiap): most of a cache miss was building the query.
_baris_antrean = KueriSiap(
    lambda *, unit_id, tanggal: (
        Tiket.objects.filter(unit_id=unit_id, tanggal=tanggal)
        .annotate(pasien_nama=F("kunjungan__pasien__nama"))
        .order_by(*urutan.URUTAN_SQL)
        .values_list(*_KOLOM_TIKET)
    ),
    "unit_id",
    "tanggal",
)


def _antrean_json(unit: UnitLayanan, tanggal: date) -> bytes:
    """The list as TiketAntreanOut rows, straight from a values query: model instances and the
    schema's validation were most of a cache miss's cost (tests/api/test_antrean.py checks
    that the bytes are what the response schema itself writes)."""
    data = {
        "unit": _unit_json(unit),
        "tanggal": tanggal,
        "tiket": [
            dict(zip(_KOLOM_TIKET, b, strict=True))
            for b in _baris_antrean(unit_id=unit.pk, tanggal=tanggal)
        ],
    }
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


@router.get(
    "/antrean/{unit_id}",
    response={200: AntreanOut, 304: None, 404: GalatOut, **GALAT_UMUM},
    summary="Antrean satu unit per hari",
)
def antrean(request: HttpRequest, unit_id: int, filters: Query[TanggalIn]):
    """Tiket satu unit pada `tanggal` (YYYY-MM-DD, bawaan hari ini): prioritas dulu, lalu
    nomor. Termasuk tiket yang sudah selesai/batal; saring dengan `status` di klien.
    Jawaban membawa `ETag`; kirim kembali sebagai `If-None-Match` dan selama antrean tidak
    berubah jawabannya 304 tanpa isi."""
    petugas = petugas_api(request)
    unit = _unit_terbaca(petugas, unit_id)
    tanggal = filters.tanggal or timezone.localdate()
    # Read before the queue: a cached list is never older than its version. Version "0" is
    # "unknown" (cache down or flushed): no ETag and no caching then, or a change would hide.
    _, versi = live.versi_unit(petugas.puskesmas_id, unit.pk)
    etag = f'"{unit.pk}-{tanggal:%Y%m%d}-{versi}"' if versi != "0" else None
    if etag and etag in parse_etags(request.headers.get("If-None-Match", "")):
        resp: HttpResponse = HttpResponseNotModified()
    else:
        kunci = f"antrean:api:{unit.pk}:{tanggal:%Y%m%d}:{versi}"
        isi = cache.get(kunci) if etag else None
        if isi is None:
            isi = _antrean_json(unit, tanggal)
            if etag:
                cache.set(kunci, isi, _TTL_ANTREAN)
        resp = HttpResponse(isi, content_type="application/json; charset=utf-8")
    if etag:
        resp["ETag"] = etag
    return resp


# --- The poli's moves ------------------------------------------------------------------------


class TiketAksiOut(Schema):
    id: int
    kode: str
    nomor: int
    status: str
    unit_id: int
    kunjungan_id: int
    prioritas: bool
    alasan_prioritas: str
    waktu_masuk: datetime
    dipanggil_terakhir: datetime | None
    pasien_nama: str


class AksiIn(Schema):
    alasan: str = ""
    unit_tujuan: int | None = None  # for "rujuk": the unit the patient goes on to


_AKSI: dict[str, Callable[..., Tiket]] = {
    "panggil": services.panggil,
    "panggil-ulang": services.panggil_ulang,
    "lewati": services.lewati,
    "mulai": services.mulai_layani,
    "selesai": services.selesai,
    "antre-ulang": services.antre_ulang,
    "batal": services.batal,
    "rujuk": services.rujuk,
}
AKSI_TEKS = ", ".join(_AKSI)
GALAT_AKSI: dict[int | str, type[Schema]] = {404: GalatOut, 409: GalatOut, **GALAT_UMUM}


def _tiket_json(t: Tiket) -> dict[str, Any]:
    return {
        "id": t.pk,
        "kode": t.kode,
        "nomor": t.nomor,
        "status": t.status,
        "unit_id": t.unit_id,
        "kunjungan_id": t.kunjungan_id,
        "prioritas": t.prioritas,
        "alasan_prioritas": t.alasan_prioritas,
        "waktu_masuk": t.waktu_masuk,
        "dipanggil_terakhir": t.dipanggil_terakhir,
        "pasien_nama": t.kunjungan.pasien.nama,
    }


def _petugas_poli(request: HttpRequest) -> Petugas:
    petugas = petugas_api(request)
    if petugas.peran not in PERAN_POLI:
        raise AuthorizationError(403, "Hanya petugas poli atau admin yang menggerakkan antrean.")
    return petugas


def _unit_kerja(petugas: Petugas, unit_id: int) -> UnitLayanan:
    """A unit this officer works: poli staff their own cluster's units, admins any."""
    for unit in unit_petugas_rujukan(petugas):  # the reference cache: no query
        if unit.pk == unit_id:
            return unit
    raise TidakDitemukan("Unit layanan tidak ditemukan di klaster Anda.")


@router.post(
    "/antrean/{unit_id}/panggil-berikutnya",
    response={200: TiketAksiOut, **GALAT_AKSI},
    summary="Panggil pasien berikutnya",
)
def panggil_berikutnya(request: HttpRequest, unit_id: int):
    """Memanggil pasien berikutnya di unit menurut urutan antrean (prioritas, lalu nomor).
    Dua petugas yang menekan bersamaan mendapat dua pasien berbeda. 409 `antrean_kosong` bila
    tidak ada yang menunggu."""
    petugas = _petugas_poli(request)
    unit = _unit_kerja(petugas, unit_id)
    # The called ticket comes back with its visit and patient, as saved: no re-read.
    return _tiket_json(services.panggil_berikutnya(unit=unit, oleh=request.user))


@router.post(
    "/tiket/{tiket_id}/{aksi}",
    response={200: TiketAksiOut, **GALAT_AKSI},
    summary="Gerakkan satu tiket (panggil, lewati, mulai, selesai, rujuk, …)",
)
def tiket_aksi(request: HttpRequest, tiket_id: int, aksi: str, data: AksiIn | None = None):
    """Satu langkah tiket, sama dengan tombol di halaman poli, tercatat siapa dan kapan.
    `aksi`: panggil, panggil-ulang, lewati, mulai, selesai, antre-ulang, batal, rujuk.
    `batal` wajib `alasan`; `rujuk` wajib `unit_tujuan` dan menjawab tiket **baru** di unit
    tujuan. Langkah yang tidak mungkin dari keadaan tiket sekarang → 409 `transisi_ditolak`
    dengan pesan yang menyebut keadaannya."""
    petugas = _petugas_poli(request)  # the role first: a stranger learns nothing of the shape
    if aksi not in _AKSI:
        raise services.AntreanError(
            {"aksi": [f"Aksi tidak dikenal; pilih salah satu: {AKSI_TEKS}."]}
        )
    data = data or AksiIn()
    tiket = (
        Tiket.objects.filter(pk=tiket_id, unit__in=unit_petugas(petugas))
        .select_related("unit")
        .first()
    )
    if tiket is None:
        raise TidakDitemukan("Tiket tidak ditemukan di unit klaster Anda.")
    kwargs: dict[str, Any] = {"tiket": tiket, "oleh": request.user}
    if aksi in ("batal", "lewati"):
        kwargs["alasan"] = data.alasan
    elif aksi == "rujuk":
        tujuan = UnitLayanan.objects.filter(
            pk=data.unit_tujuan or 0, puskesmas_id=petugas.puskesmas_id, aktif=True
        ).first()
        if tujuan is None:
            raise services.AntreanError({"unit_tujuan": ["Pilih unit tujuan rujukan."]})
        kwargs.update(unit_tujuan=tujuan, alasan=data.alasan)
    hasil = _AKSI[aksi](**kwargs)
    return _tiket_json(Tiket.objects.select_related("kunjungan__pasien").get(pk=hasil.pk))
