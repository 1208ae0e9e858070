"""JSON API endpoints of the antrean app, mounted under /api/v1/ by config/api.py.

Read-only views of units and the day's queues for staff. A queue row carries the patient's
name because staff call patients by name; it is never served without authentication (the
public ticket page and the TV display have their own views without personal data).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from pendaftaran.schemas import GalatOut, KlasterOut, TidakDitemukan
from puskesmas.api_auth import petugas_api

from .models import UnitLayanan
from .selectors import antrean_unit, unit_pendaftaran

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


@router.get(
    "/antrean/{unit_id}",
    response={200: AntreanOut, 404: GalatOut, **GALAT_UMUM},
    summary="Antrean satu unit per hari",
)
def antrean(request: HttpRequest, unit_id: int, filters: Query[TanggalIn]):
    """Tiket satu unit pada `tanggal` (YYYY-MM-DD, bawaan hari ini): prioritas dulu, lalu
    nomor. Termasuk tiket yang sudah selesai/batal; saring dengan `status` di klien."""
    petugas = petugas_api(request)
    unit = (
        UnitLayanan.objects.filter(pk=unit_id, puskesmas_id=petugas.puskesmas_id)
        .select_related("klaster")
        .first()
    )
    if unit is None:
        raise TidakDitemukan("Unit layanan tidak ditemukan di Puskesmas ini.")
    tanggal = filters.tanggal or timezone.localdate()
    return {
        "unit": _unit_json(unit),
        "tanggal": tanggal,
        "tiket": [
            {
                "kode": t.kode,
                "nomor": t.nomor,
                "status": t.status,
                "prioritas": t.prioritas,
                "alasan_prioritas": t.alasan_prioritas,
                "waktu_masuk": t.waktu_masuk,
                "kunjungan_id": t.kunjungan_id,
                "pasien_nama": t.kunjungan.pasien.nama,
            }
            for t in antrean_unit(unit=unit, tanggal=tanggal)
        ],
    }
