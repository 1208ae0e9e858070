"""JSON API for patients and visits, mounted under /api/v1/ by config/api.py.

Thin like the loket views: check the shape (schemas), load through the officer's Puskesmas,
call one service, shape the answer. Domain errors (PendaftaranError and its kin) are turned
into JSON by the handlers in config/api.py, so no endpoint here formats an error itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder, Status

from antrean.models import UnitLayanan
from audit.services import catat
from puskesmas import rujukan
from puskesmas.api_auth import petugas_api, petugas_penulis
from puskesmas.models import Loket, Peran, Petugas

from . import selectors, services
from .models import Kunjungan, Pasien, Sumber
from .schemas import (
    BatalIn,
    GalatOut,
    KemungkinanDuplikatOut,
    KunjunganGandaOut,
    KunjunganIn,
    KunjunganOut,
    PasienIn,
    PasienOut,
    PasienSudahAdaOut,
    Teks,
    TidakDitemukan,
    kunjungan_json,
    pasien_json,
    pasien_json_samar,
)
from .validasi import DataKunjungan, DataPasien

router = Router(tags=["pendaftaran"])

HEADER_REPLAY = "Idempotent-Replayed"
GALAT_UMUM: dict[int | str, type[Schema]] = {
    401: GalatOut,
    403: GalatOut,
    422: GalatOut,
}


class CariIn(Schema):
    q: Teks = ""


def _pasien_atau_404(petugas: Petugas, pasien_id: int, field: str | None = None) -> Pasien:
    # Another Puskesmas' id answers exactly like an id that does not exist: no existence oracle.
    pasien = Pasien.objects.filter(pk=pasien_id, puskesmas_id=petugas.puskesmas_id).first()
    if pasien is None:
        raise TidakDitemukan("Pasien tidak ditemukan di Puskesmas ini.", field)
    return pasien


def _pasien_dan_kunjungan(
    petugas: Petugas, data: KunjunganIn, unit: UnitLayanan
) -> tuple[Pasien, services.SudahDibaca]:
    """The patient (404 as _pasien_atau_404), and in the same statement what the service would
    read next: the visit with this client UUID and the patient's open visit in the unit today."""
    pasien, dibaca = services.pasien_dan_dibaca(
        puskesmas_id=petugas.puskesmas_id,
        pasien_id=data.pasien_id,
        client_uuid=data.client_uuid,
        unit_id=unit.pk,
        dibuat_klien=data.dibuat_klien,
    )
    if pasien is None:
        raise TidakDitemukan("Pasien tidak ditemukan di Puskesmas ini.", "pasien_id")
    return pasien, dibaca


def _tampilan_pasien(petugas: Petugas):
    # Poli staff and the head read patients but never register them: masked identity numbers.
    return pasien_json_samar if petugas.peran in (Peran.POLI, Peran.KEPALA) else pasien_json


@router.get("/pasien", response={200: list[PasienOut], **GALAT_UMUM}, summary="Cari pasien")
def pasien_cari(request: HttpRequest, filters: Query[CariIn]):
    """Satu kotak cari: NIK (16 digit, juga NIK ibu), No. kartu BPJS (13), No. RM, atau nama
    (awal kata) dengan/tanpa tanggal lahir (`Siti 12-03-1980`). Paling banyak 20 hasil."""
    petugas = petugas_api(request)
    q = filters.q[:200]  # a name plus a date never needs more; protects the fuzzy scorer
    tampil = _tampilan_pasien(petugas)
    # Written straight as PasienOut rows: re-validating up to 20 dicts against the schema cost
    # a sixth of a search's CPU, and a search is the loket's most frequent request
    # (tests/api/test_pasien.py checks the bytes are what the response schema writes).
    hasil = [tampil(p) for p in selectors.pasien_cari(puskesmas=petugas.puskesmas, q=q)]
    return HttpResponse(
        json.dumps(hasil, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )


@router.post(
    "/pasien",
    response={201: PasienOut, 409: PasienSudahAdaOut | KemungkinanDuplikatOut, **GALAT_UMUM},
    summary="Daftarkan pasien baru",
)
def pasien_buat(request: HttpRequest, data: PasienIn):
    """Membuat pasien dan memberi No. RM berikutnya.

    - 409 `pasien_sudah_ada`: NIK atau No. kartu BPJS sudah terdaftar; badan berisi `pasien`.
    - 409 `kemungkinan_duplikat`: pasien tanpa NIK mirip pasien lain (nama + tanggal lahir);
      badan berisi `kandidat`. Kirim ulang dengan `"konfirmasi_baru": true` bila memang baru.
    - 422: galat per kolom.
    """
    petugas = petugas_penulis(request)
    pasien = services.pasien_buat(
        puskesmas=petugas.puskesmas,
        data=DataPasien(
            nama=data.nama,
            tanggal_lahir=data.tanggal_lahir,
            jenis_kelamin=data.jenis_kelamin,
            nik=data.nik or "",
            nik_ibu=data.nik_ibu or "",
            no_bpjs=data.no_bpjs or "",
            alamat=data.alamat or "",
            no_hp=data.no_hp or "",
        ),
        oleh=request.user,
        konfirmasi_baru=data.konfirmasi_baru,
    )
    return Status(201, pasien_json(pasien))


@router.get(
    "/pasien/{pasien_id}",
    response={200: PasienOut, 404: GalatOut, **GALAT_UMUM},
    summary="Data satu pasien",
)
def pasien_detail(request: HttpRequest, pasien_id: int):
    petugas = petugas_api(request)
    pasien = _pasien_atau_404(petugas, pasien_id)
    catat(request=request, aksi="pasien_lihat", objek=pasien)
    return _tampilan_pasien(petugas)(pasien)


def _unit(petugas: Petugas, data: KunjunganIn) -> UnitLayanan:
    # Inactive units are loaded too: the service refuses them for a new visit with a field
    # message, while a replay of an already-saved visit must still succeed. From the
    # per-process reference cache, which holds only this Puskesmas' units.
    if data.unit_id is not None:
        unit, field = rujukan.unit(petugas.puskesmas_id, data.unit_id), "unit_id"
    elif data.unit:
        kode = data.unit.strip().lower()
        units = rujukan.unit_puskesmas(petugas.puskesmas_id)
        unit, field = next((u for u in units if u.kode.lower() == kode), None), "unit"
    else:
        raise services.PendaftaranError(
            {"unit_id": ["Unit layanan wajib diisi (unit_id, atau kode unit di kolom unit)."]}
        )
    if unit is None:
        raise TidakDitemukan("Unit layanan tidak ditemukan di Puskesmas ini.", field)
    return unit


def _loket(petugas: Petugas, kode: str | None) -> Loket | None:
    if not kode:
        return petugas.loket
    loket = Loket.objects.filter(
        puskesmas_id=petugas.puskesmas_id, kode__iexact=kode.strip(), aktif=True
    ).first()
    if loket is None:
        raise services.PendaftaranError(
            {"loket": [f"Loket {kode.strip()} tidak ditemukan atau tidak aktif."]}
        )
    return loket


def _muat_kunjungan(kunjungan_id: int) -> Kunjungan:
    # Always re-read from the database, so a first answer and its replay serialise the very
    # same stored values (time zones, rounding) and are byte-for-byte equal.
    return (
        Kunjungan.objects.select_related("pasien", "unit", "klaster", "loket")
        .prefetch_related("tiket__unit")
        .get(pk=kunjungan_id)
    )


def _seperti_tersimpan(hasil: services.HasilPendaftaran, unit: UnitLayanan) -> Kunjungan:
    """The visit just saved, as a reload would give it, without the reload: times in UTC as the
    database returns them, so the first answer and a replay's (which does reload) are
    byte-for-byte equal (tests/api/test_kunjungan.py pins that)."""
    k, t = hasil.kunjungan, hasil.tiket
    for obj in (k, t):
        for f in obj._meta.concrete_fields:
            nilai = getattr(obj, f.attname)
            if isinstance(nilai, datetime) and nilai.tzinfo is not None:
                setattr(obj, f.attname, nilai.astimezone(UTC))
    k.klaster = unit.klaster
    t.unit = unit
    k._prefetched_objects_cache = {"tiket": [t]}  # what kunjungan_json reads
    return k


@router.post(
    "/kunjungan",
    response={
        201: KunjunganOut,
        200: KunjunganOut,
        404: GalatOut,
        409: KunjunganGandaOut | GalatOut,
        **GALAT_UMUM,
    },
    summary="Daftarkan kunjungan (idempoten pada client_uuid)",
)
def kunjungan_daftar(request: HttpRequest, data: KunjunganIn, response: HttpResponse):
    """Mendaftarkan kunjungan dan menerbitkan nomor antrean di unit tujuan.

    **Idempoten**: panggilan pertama → 201 berisi kunjungan dan tiket. Panggilan ulang dengan
    `client_uuid` yang sama (setelah timeout, galat jaringan, atau kiriman ulang luring) → 200
    dengan badan yang sama dan header `Idempotent-Replayed: true`; tidak pernah ada kunjungan
    kedua. `client_uuid` yang sama untuk pasien lain → 409 `uuid_bentrok`.

    Galat 4xx bersifat permanen: jangan kirim ulang otomatis, tampilkan ke petugas.
    409 `kunjungan_ganda`: pasien sudah punya kunjungan terbuka hari ini di unit itu.
    """
    petugas = petugas_penulis(request)
    unit = _unit(petugas, data)
    pasien, dibaca = _pasien_dan_kunjungan(petugas, data, unit)
    loket = _loket(petugas, data.loket)
    hasil = services.kunjungan_daftar(
        puskesmas=petugas.puskesmas,
        pasien=pasien,
        unit=unit,
        data=DataKunjungan(
            penjamin=data.penjamin.strip().lower(),
            keluhan=data.keluhan or "",
            hamil=data.hamil,
            suspek_menular=data.suspek_menular,
            disabilitas=data.disabilitas,
            darurat=data.darurat,
            gagal_daftar_online=data.gagal_daftar_online,
            layanan_diminta=data.layanan_diminta or "",
        ),
        client_uuid=data.client_uuid,
        oleh=request.user,
        loket=loket,
        dibuat_klien=data.dibuat_klien,
        # An integrator's token marks its visits; the browser's session is the loket itself.
        sumber=Sumber.API if getattr(request, "api_token", None) else Sumber.LOKET,
        dibaca=dibaca,
    )
    if not hasil.baru and hasil.kunjungan.pasien_id != pasien.pk:
        raise _UuidBentrok()
    if hasil.baru and hasil.tiket is not None:
        return Status(201, kunjungan_json(_seperti_tersimpan(hasil, unit), request))
    kunjungan = _muat_kunjungan(hasil.kunjungan.pk)
    response[HEADER_REPLAY] = "true"
    return Status(200, kunjungan_json(kunjungan, request))


class _UuidBentrok(services.PendaftaranError):
    """The same client UUID arrived for another patient: a client bug, never a replay."""

    kode = "uuid_bentrok"

    def __init__(self) -> None:
        super().__init__(
            {"client_uuid": ["UUID klien ini sudah dipakai untuk kunjungan pasien lain."]}
        )


@router.post(
    "/kunjungan/{kunjungan_id}/batal",
    response={200: KunjunganOut, 404: GalatOut, **GALAT_UMUM},
    summary="Batalkan kunjungan",
)
def kunjungan_batal(request: HttpRequest, kunjungan_id: int, data: BatalIn):
    """Membatalkan kunjungan dan tiketnya yang masih terbuka. Dicatat, tidak dihapus.
    Membatalkan yang sudah batal tidak mengubah apa pun (aman dikirim ulang)."""
    petugas = petugas_penulis(request)
    kunjungan = Kunjungan.objects.filter(pk=kunjungan_id, puskesmas_id=petugas.puskesmas_id).first()
    if kunjungan is None:
        raise TidakDitemukan("Kunjungan tidak ditemukan di Puskesmas ini.")
    services.kunjungan_batal(kunjungan=kunjungan, oleh=request.user, alasan=data.alasan)
    return _muat_kunjungan_json(kunjungan.pk, request)


def _muat_kunjungan_json(kunjungan_id: int, request: HttpRequest) -> dict:
    return kunjungan_json(_muat_kunjungan(kunjungan_id), request)
