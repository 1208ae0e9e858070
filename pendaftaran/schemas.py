"""Shapes of the JSON API for patients and visits (ninja/pydantic schemas).

Schemas check only the *shape* of a request — types, lengths, required keys — so garbage is
turned away with a 422 before it reaches the database. Whether a NIK is plausible, a patient a
duplicate or a visit a repeat is decided by `validasi.py` and `services.py`, as for the loket
forms. The `*_json` helpers turn models into the response bodies; they are the only place the
API's field names are spelled, so a replayed request gets byte-for-byte the same body.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator

from antrean.models import Layanan, Tiket, UnitLayanan

from .models import Kunjungan, Pasien


def _tanpa_karakter_kontrol(nilai: str) -> str:
    # PostgreSQL text cannot hold NUL, and no one types control characters at a counter:
    # refuse them here instead of failing deep in the database driver.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in nilai):
        raise ValueError("tidak boleh berisi karakter kontrol")
    return nilai


def _waktu_sadar_zona(nilai: datetime | None) -> datetime | None:
    # A client clock without an offset is read in the Puskesmas' own time zone (TIME_ZONE):
    # that is what the officer saw on the wall clock.
    if nilai is not None and timezone.is_naive(nilai):
        return timezone.make_aware(nilai)
    return nilai


def _layanan_dikenal(nilai: str) -> str:
    if nilai and nilai not in Layanan.values:
        raise ValueError("harus salah satu dari: " + ", ".join(Layanan.values))
    return nilai


Teks = Annotated[str, AfterValidator(_tanpa_karakter_kontrol)]
WaktuKlien = Annotated[datetime | None, AfterValidator(_waktu_sadar_zona)]


def _teks(maks: int, **kw: Any) -> Any:
    return Field(max_length=maks, **kw)


# --- Errors -------------------------------------------------------------------------------------


class GalatOut(Schema):
    """Every error the API returns has this shape (409s add the existing record)."""

    kode: str = Field(examples=["tidak_valid"])
    pesan: str = Field(examples=["Data belum benar. Periksa kolom yang ditandai."])
    galat: dict[str, list[str]] = Field(
        default_factory=dict, examples=[{"tanggal_lahir": ["Tanggal lahir wajib diisi."]}]
    )


class TidakDitemukan(Http404):
    """A 404 that may name the request field that pointed nowhere (rendered in config/api.py).
    Another Puskesmas' id gets exactly this answer too, so ids reveal nothing."""

    def __init__(self, pesan: str, field: str | None = None):
        super().__init__(pesan)
        self.pesan = pesan
        self.field = field


# --- Patients -----------------------------------------------------------------------------------


class PasienIn(Schema):
    nama: Teks = _teks(150, examples=["Siti Nur'aini"])
    tanggal_lahir: date = Field(examples=["1990-04-05"])
    jenis_kelamin: Teks = _teks(1, description="L atau P", examples=["P"])
    nik: Teks | None = _teks(32, default="", description="16 digit; boleh kosong (bayi, tanpa KTP)")
    nik_ibu: Teks | None = _teks(32, default="", description="NIK ibu untuk bayi tanpa NIK")
    no_bpjs: Teks | None = _teks(32, default="", description="13 digit, nol di depan dipertahankan")
    alamat: Teks | None = _teks(255, default="")
    no_hp: Teks | None = _teks(30, default="")
    konfirmasi_baru: bool = Field(
        default=False,
        description="true bila petugas sudah memeriksa kandidat duplikat dan pasien memang baru",
    )


class PasienOut(Schema):
    id: int
    no_rm: str
    nik: str | None
    nik_ibu: str
    no_bpjs: str | None
    nama: str
    tanggal_lahir: date
    jenis_kelamin: str
    alamat: str
    no_hp: str
    tanpa_nik: bool


class KandidatOut(Schema):
    pasien: PasienOut
    skor: float


class PasienSudahAdaOut(GalatOut):
    pasien: PasienOut


class KemungkinanDuplikatOut(GalatOut):
    kandidat: list[KandidatOut]


def pasien_json_samar(p: Pasien) -> dict[str, Any]:
    """For roles that call or report on patients but never register them (poli, kepala): enough
    to recognise the patient (No. RM, name, birth date, sex), identity numbers masked, no
    address or phone. docs/keamanan.md, "Data pasien per peran"."""
    from config.logging import mask_nik

    data = pasien_json(p)
    for kunci in ("nik", "nik_ibu", "no_bpjs"):
        if data[kunci]:
            data[kunci] = mask_nik(data[kunci])
    data["alamat"] = ""
    data["no_hp"] = f"****{p.no_hp[-3:]}" if p.no_hp else ""
    return data


def pasien_json(p: Pasien) -> dict[str, Any]:
    return {
        "id": p.pk,
        "no_rm": p.no_rm,
        "nik": p.nik,
        "nik_ibu": p.nik_ibu,
        "no_bpjs": p.no_bpjs,
        "nama": p.nama,
        "tanggal_lahir": p.tanggal_lahir,
        "jenis_kelamin": p.jenis_kelamin,
        "alamat": p.alamat,
        "no_hp": p.no_hp,
        "tanpa_nik": p.tanpa_nik,
    }


# --- Visits -------------------------------------------------------------------------------------


class KunjunganIn(Schema):
    client_uuid: uuid.UUID = Field(
        description="Dibuat klien (crypto.randomUUID()) saat petugas mulai mengetik. "
        "Kirim ulang dengan UUID yang sama setelah galat jaringan: hasilnya sama, tanpa ganda."
    )
    pasien_id: int = Field(ge=1)
    unit_id: int | None = Field(default=None, ge=1, description="ID unit layanan, atau…")
    unit: Teks | None = _teks(20, default=None, description="…kode unit, mis. UMUM")
    penjamin: Teks = _teks(4, description="bpjs atau umum", examples=["bpjs"])
    keluhan: Teks | None = _teks(500, default="")
    hamil: bool = False
    suspek_menular: bool = False
    disabilitas: bool = False
    darurat: bool = False
    gagal_daftar_online: bool = False
    layanan_diminta: Annotated[Teks, AfterValidator(_layanan_dikenal)] | None = _teks(
        12, default="", description="Layanan yang diminta pasien, mis. gigi, lab, kia"
    )
    loket: Teks | None = _teks(
        10, default=None, description="Kode loket, mis. L2; bawaan: loket petugas"
    )
    dibuat_klien: WaktuKlien = Field(
        default=None,
        description="Waktu pendaftaran menurut layar petugas (ISO 8601). Tanpa zona waktu "
        "dibaca dalam zona waktu Puskesmas. Bawaan: waktu server.",
    )


class BatalIn(Schema):
    alasan: Teks = _teks(200, examples=["Pasien pulang sebelum dipanggil"])


class UnitRingkasOut(Schema):
    id: int
    kode: str
    nama: str


class KlasterOut(Schema):
    id: int
    nomor: int
    nama: str


class TiketOut(Schema):
    kode: str = Field(examples=["A-012"])
    nomor: int
    unit: UnitRingkasOut
    status: str
    prioritas: bool
    alasan_prioritas: str
    waktu_masuk: datetime
    token_publik: str
    url_status: str = Field(description="Halaman status tiket (kode QR), tanpa data pribadi")


class PasienRingkasOut(Schema):
    id: int
    no_rm: str
    nama: str


class KunjunganOut(Schema):
    id: int
    client_uuid: uuid.UUID
    pasien: PasienRingkasOut
    tanggal: date
    unit: UnitRingkasOut
    klaster: KlasterOut
    penjamin: str
    keluhan: str
    hamil: bool
    suspek_menular: bool
    disabilitas: bool
    darurat: bool
    gagal_daftar_online: bool
    layanan_saran: str
    alasan_saran: str
    saran_diubah: bool
    sumber: str
    status: str
    loket: str | None
    dibuat_klien: datetime
    diterima_server: datetime
    tiket: TiketOut | None


class KunjunganGandaOut(GalatOut):
    kunjungan: KunjunganOut


def unit_ringkas_json(u: UnitLayanan) -> dict[str, Any]:
    return {"id": u.pk, "kode": u.kode, "nama": u.nama}


def tiket_json(t: Tiket, request: HttpRequest) -> dict[str, Any]:
    return {
        "kode": t.kode,
        "nomor": t.nomor,
        "unit": unit_ringkas_json(t.unit),
        "status": t.status,
        "prioritas": t.prioritas,
        "alasan_prioritas": t.alasan_prioritas,
        "waktu_masuk": t.waktu_masuk,
        "token_publik": t.token_publik,
        "url_status": request.build_absolute_uri(
            reverse("antrean:status_tiket", args=[t.token_publik])
        ),
    }


def kunjungan_json(k: Kunjungan, request: HttpRequest) -> dict[str, Any]:
    # The first ticket of the chain, from the prefetch when the caller made one.
    tiket = min(k.tiket.all(), key=lambda t: (t.dibuat_pada, t.pk), default=None)
    return {
        "id": k.pk,
        "client_uuid": k.client_uuid,
        "pasien": {"id": k.pasien.pk, "no_rm": k.pasien.no_rm, "nama": k.pasien.nama},
        "tanggal": k.tanggal,
        "unit": unit_ringkas_json(k.unit),
        "klaster": {"id": k.klaster.pk, "nomor": k.klaster.nomor, "nama": k.klaster.nama},
        "penjamin": k.penjamin,
        "keluhan": k.keluhan,
        "hamil": k.hamil,
        "suspek_menular": k.suspek_menular,
        "disabilitas": k.disabilitas,
        "darurat": k.darurat,
        "gagal_daftar_online": k.gagal_daftar_online,
        "layanan_saran": k.layanan_saran,
        "alasan_saran": k.alasan_saran,
        "saran_diubah": k.saran_diubah,
        "sumber": k.sumber,
        "status": k.status,
        "loket": k.loket.kode if k.loket else None,
        "dibuat_klien": k.dibuat_klien,
        "diterima_server": k.diterima_server,
        "tiket": tiket_json(tiket, request) if tiket else None,
    }
