"""JSON API of the downtime app, mounted under /api/v1/ by config/api.py.

- `GET  /status`       heartbeat: server time, downtime in force, BPJS state, a change marker;
- `POST /offline/blok` the loket's reserved offline queue numbers per unit for today;
- `POST /replay`       a batch of entries made offline, processed exactly once each.

The contract is written out in downtime/README.md. Errors use the API's one shape,
`{"kode", "pesan", "galat": {field: [messages]}}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from antrean.models import UnitLayanan
from antrean.services import format_kode
from puskesmas.access import PERAN_LOKET, loket_aktif
from puskesmas.api_auth import SesiPetugas, TokenApi, petugas_api
from puskesmas.models import Loket, Petugas

from . import replay, selectors, services
from .models import EntriReplay, JenisEpisode

router = Router(tags=["downtime"], auth=[TokenApi(), SesiPetugas()])


def _galat(status: int, kode: str, pesan: str, galat: dict | None = None) -> JsonResponse:
    return JsonResponse({"kode": kode, "pesan": pesan, "galat": galat or {}}, status=status)


def _tidak_berhak() -> JsonResponse:
    return _galat(403, "tidak_berhak", "Peran Anda tidak berhak memakai layanan loket luring.")


def _loket(request: HttpRequest, petugas: Petugas, kode: str) -> Loket | JsonResponse | None:
    """The loket named in the request, else the browser's own (session) or the officer's."""
    kode = (kode or "").strip()
    if not kode:
        return loket_aktif(request, petugas)
    loket = Loket.objects.filter(puskesmas_id=petugas.puskesmas_id, kode=kode).first()
    if loket is None:
        pesan = f"Loket {kode} tidak ditemukan di Puskesmas ini."
        return _galat(422, "tidak_valid", pesan, {"loket": [pesan]})
    return loket


def _sadar(t: datetime | None) -> datetime | None:
    if t is not None and timezone.is_naive(t):
        return timezone.make_aware(t)
    return t


# --- Status ---------------------------------------------------------------------------------


class StatusQuery(Schema):
    loket: str = Field("", max_length=10)


@router.get("/status", summary="Status server dan downtime (heartbeat loket)")
def status(request: HttpRequest, q: Query[StatusQuery]):
    """Murah dan cepat: dipanggil browser loket setiap beberapa detik. `versi` berubah setiap
    kali ada episode downtime yang dibuka, ditutup atau diubah; `downtime` null bila normal."""
    petugas = petugas_api(request)
    loket = _loket(request, petugas, q.loket)
    if isinstance(loket, JsonResponse):
        return loket
    if loket is not None and petugas.peran in PERAN_LOKET:
        # The server's own record of when this loket was online (see downtime/waktu.py).
        services.kontak_loket_catat(loket=loket)
    resp = JsonResponse(selectors.status_untuk(puskesmas=petugas.puskesmas, loket=loket))
    resp["Cache-Control"] = "no-store"
    return resp


# --- Offline number blocks ------------------------------------------------------------------


class BlokIn(Schema):
    loket: str = Field("", max_length=10)
    unit: list[str] = Field(default_factory=list, max_length=50)
    jumlah: int = Field(50, ge=1, le=services.JUMLAH_BLOK_MAKS)
    baru: bool = False


def _blok_json(info: services.InfoBlok) -> dict[str, Any]:
    b = info.blok
    return {
        "blok_id": b.pk,
        "unit": b.unit.kode,
        "unit_nama": b.unit.nama,
        "prefix": b.unit.prefix,
        "tanggal": b.tanggal.isoformat(),
        "pertama": b.pertama,
        "terakhir": b.terakhir,
        "terpakai": info.terpakai,
        "sisa": info.sisa,
    }


@router.post("/offline/blok", summary="Ambil blok nomor antrean untuk mode luring")
def blok_ambil(request: HttpRequest, data: BlokIn):
    """Nomor antrean hari ini yang disisihkan untuk loket ini, per unit layanan. Selama masih
    ada ≥ 25% nomor yang belum terpakai, blok yang sama dikembalikan (memuat ulang halaman tidak
    membuang nomor); `baru: true` selalu menyisihkan blok baru."""
    petugas = petugas_api(request)
    if petugas.peran not in PERAN_LOKET:
        return _tidak_berhak()
    loket = _loket(request, petugas, data.loket)
    if isinstance(loket, JsonResponse):
        return loket
    if loket is None:
        pesan = "Pilih loket dulu: akun ini belum terhubung ke loket."
        return _galat(422, "tidak_valid", pesan, {"loket": [pesan]})
    units = UnitLayanan.objects.filter(puskesmas_id=petugas.puskesmas_id, aktif=True)
    if data.unit:
        units = units.filter(kode__in=data.unit)
        tidak_ada = sorted(set(data.unit) - {u.kode for u in units})
        if tidak_ada:
            pesan = f"Unit layanan tidak ditemukan: {', '.join(tidak_ada)}."
            return _galat(422, "tidak_valid", pesan, {"unit": [pesan]})
    tanggal = timezone.localdate()
    blok = []
    for unit in units.order_by("urutan", "kode"):
        info = services.blok_ambil(
            loket=loket,
            unit=unit,
            tanggal=tanggal,
            jumlah=data.jumlah,
            oleh=request.user,
            baru=data.baru,
        )
        blok.append(_blok_json(info))
    return {"loket": loket.kode, "tanggal": tanggal.isoformat(), "blok": blok}


# --- Replay ---------------------------------------------------------------------------------


class ReplayIn(Schema):
    loket: str = Field("", max_length=10)
    offline_sejak: datetime | None = None
    online_kembali: datetime | None = None
    jenis: Literal["jaringan_loket", "server"] = JenisEpisode.JARINGAN_LOKET
    jumlah_offline: int | None = Field(None, ge=0, le=1_000_000)
    mode: Literal["offline", "susulan"] = "offline"
    entri: list[Any] = Field(..., max_length=replay.BATAS_BATCH)


@router.post("/replay", summary="Kirim ulang entri luring (batch, idempoten)")
def replay_kirim(request: HttpRequest, data: ReplayIn):
    """Setiap entri diproses tepat sekali (kunci: `client_uuid`), berurutan menurut waktu asli
    (`dibuat_klien`). Hasil per entri: `dibuat`, `dilampirkan`, `duplikat`, `ditinjau`,
    `ditolak` — semuanya final, hapus dari outbox — atau `gagal_sementara` (kirim lagi nanti).
    Mengirim batch yang sama dua kali tidak membuat apa pun yang baru."""
    petugas = petugas_api(request)
    if petugas.peran not in PERAN_LOKET:
        return _tidak_berhak()
    loket = _loket(request, petugas, data.loket)
    if isinstance(loket, JsonResponse):
        return loket
    meta = replay.MetaBatch(
        loket=loket,
        offline_sejak=_sadar(data.offline_sejak),
        online_kembali=_sadar(data.online_kembali),
        jenis=data.jenis,
        jumlah_offline=data.jumlah_offline,
    )
    hasil, selesai = replay.replay_batch(
        data.entri, puskesmas=petugas.puskesmas, pengirim=request.user, meta=meta, sumber=data.mode
    )
    jumlah: dict[str, int] = {}
    for h in hasil:
        jumlah[h["status"]] = jumlah.get(h["status"], 0) + 1
    return {
        "selesai": selesai,
        "jumlah": jumlah,
        "hasil": hasil,
        "waktu_server": timezone.now().isoformat(),
    }


# --- What the loket must tell its patients --------------------------------------------------


def _pemberitahuan_json(e: EntriReplay) -> dict[str, Any]:
    kunjungan = e.payload.get("kunjungan") if isinstance(e.payload, dict) else None
    kode_unit = str((kunjungan or {}).get("unit") or "") if isinstance(kunjungan, dict) else ""
    unit = e.kunjungan.unit if e.kunjungan_id else None
    if unit is None and kode_unit:
        unit = UnitLayanan.objects.filter(puskesmas_id=e.puskesmas_id, kode=kode_unit).first()
    tiket = e.kunjungan.tiket_pertama if e.kunjungan_id else None
    dup = e.kunjungan_dipertahankan.tiket_pertama if e.kunjungan_dipertahankan_id else None
    pasien = e.data_pasien
    return {
        "client_uuid": str(e.client_uuid),
        "status": e.status,
        "alasan": e.alasan_tinjau,
        "pesan": e.pesan,
        "nama": e.pasien.nama if e.pasien_id else str(pasien.get("nama") or ""),
        "unit": unit.nama if unit else kode_unit,
        "nomor_cetak": format_kode(unit, e.nomor_diminta) if unit and e.nomor_diminta else None,
        "tiket": {"id": tiket.pk, "kode": tiket.kode, "token": tiket.token_publik}
        if tiket
        else None,
        "kunjungan_id": e.kunjungan_id,
        "duplikat_dari": dup.kode if dup else None,
        "dibuat_klien": e.dibuat_klien.isoformat(timespec="milliseconds")
        if e.dibuat_klien
        else None,
        "diputuskan": e.keputusan.exists(),
    }


def _loket_wajib(request: HttpRequest, petugas: Petugas, kode: str) -> Loket | JsonResponse:
    loket = _loket(request, petugas, kode)
    if loket is None:
        pesan = "Pilih loket dulu: akun ini belum terhubung ke loket."
        return _galat(422, "tidak_valid", pesan, {"loket": [pesan]})
    return loket


@router.get("/offline/pemberitahuan", summary="Hasil entri luring yang harus disampaikan ke pasien")
def pemberitahuan(request: HttpRequest, q: Query[StatusQuery]):
    """Entri loket ini yang nomornya berubah atau baru diberikan ("menyusul"), duplikat,
    ditinjau, ditolak, atau yang jamnya tidak dipercaya — juga setelah admin memutuskan —
    sampai petugas menandainya sudah disampaikan."""
    petugas = petugas_api(request)
    if petugas.peran not in PERAN_LOKET:
        return _tidak_berhak()
    loket = _loket_wajib(request, petugas, q.loket)
    if isinstance(loket, JsonResponse):
        return loket
    entri = selectors.pemberitahuan_loket(loket=loket).select_related("kunjungan_dipertahankan")[
        :500
    ]
    resp = JsonResponse({"loket": loket.kode, "entri": [_pemberitahuan_json(e) for e in entri]})
    resp["Cache-Control"] = "no-store"
    return resp


class DibacaIn(Schema):
    loket: str = Field("", max_length=10)
    client_uuid: list[UUID] = Field(default_factory=list, max_length=500)


@router.post("/offline/pemberitahuan/dibaca", summary="Tandai hasil entri luring sudah disampaikan")
def pemberitahuan_dibaca(request: HttpRequest, data: DibacaIn):
    petugas = petugas_api(request)
    if petugas.peran not in PERAN_LOKET:
        return _tidak_berhak()
    loket = _loket_wajib(request, petugas, data.loket)
    if isinstance(loket, JsonResponse):
        return loket
    if not data.client_uuid:
        pesan = "Sebutkan UUID entri yang sudah disampaikan ke pasien."
        return _galat(422, "tidak_valid", pesan, {"client_uuid": [pesan]})
    n = services.pemberitahuan_dibaca(loket=loket, client_uuid=data.client_uuid)
    return {"ditandai": n}
