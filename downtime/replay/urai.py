"""Reading an offline entry: the payload parsed and validated against the Puskesmas, and its
client time checked against the server's own evidence (waktu.py). No writes.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from antrean.models import UnitLayanan
from config.security import JSON_UKURAN_ENTRI, periksa_json
from pendaftaran import nik as nik_rules
from pendaftaran.models import Pasien
from pendaftaran.validasi import PENJAMIN, DataKunjungan, DataPasien, Galat, validasi_pasien
from puskesmas import rujukan
from puskesmas.models import Loket, Puskesmas

from .. import waktu
from ..models import (
    EpisodeDowntime,
    JenisEpisode,
    KontakLoket,
)

logger = logging.getLogger(__name__)


BENDERA = ("hamil", "suspek_menular", "disabilitas", "darurat", "gagal_daftar_online")


# --- Reading an entry -----------------------------------------------------------------------


@dataclass
class Urai:
    """An entry's payload read against the Puskesmas: references resolved, values parsed,
    and `galat` collecting every field that could not be read."""

    galat: Galat = field(default_factory=dict)
    dibuat_klien: datetime | None = None
    loket: Loket | None = None
    petugas: object | None = None
    unit: UnitLayanan | None = None
    pasien: Pasien | None = None
    pasien_uuid: uuid.UUID | None = None
    data_pasien: DataPasien | None = None
    data_kunjungan: DataKunjungan | None = None
    nomor: int | None = None
    # Whether the offline number is this entry's to keep (see services.nomor_luring_catat);
    # None until the server has looked.
    nomor_milik: bool | None = None
    nomor_tanggal: date | None = None
    episode_id: int | None = None
    jam_pc: datetime | None = None
    selisih_jam_ms: int | None = None
    # The time the visit is registered at: the client's time when it is believed, else the
    # moment the server received the entry (see waktu.py); `masalah_waktu` says why.
    waktu_daftar: datetime | None = None
    masalah_waktu: str = ""
    # A paper back-entry of a patient already served on paper: no place in the waiting queue.
    sudah_dilayani: bool = False
    # Set when the NIK typed for this patient is a mother's (see _ibu_pemilik_nik).
    ibu: Pasien | None = None

    def tambah(self, nama: str, pesan: str) -> None:
        self.galat.setdefault(nama, []).append(pesan)


# Units and lokets from the per-process reference cache (puskesmas.rujukan): a save of either
# starts a new generation, so the next batch sees a renamed or closed one.


def _unit(puskesmas: Puskesmas, kode: str) -> UnitLayanan | None:
    units = rujukan.unit_puskesmas(puskesmas.pk)
    unit = next((u for u in units if u.kode == kode), None)
    if unit is None and kode.isdigit():
        unit = next((u for u in units if u.pk == int(kode)), None)
    return unit


def _loket(puskesmas: Puskesmas, kode: str) -> Loket | None:
    return next((lk for lk in rujukan.loket_puskesmas(puskesmas.pk) if lk.kode == kode), None)


def _uuid(nilai) -> uuid.UUID | None:
    if isinstance(nilai, str):
        return _uuid_teks(nilai)
    try:
        return uuid.UUID(str(nilai))
    except (ValueError, TypeError, AttributeError):
        return None


# A batch reads each entry's UUIDs and times several times (order, reads, decision); UUIDs and
# datetimes are immutable, so one parse per text serves them all.
@lru_cache(maxsize=4096)
def _uuid_teks(nilai: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(nilai)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _waktu_teks(nilai: str) -> datetime | None:
    try:
        return parse_datetime(nilai.strip())
    except ValueError:
        return None


def urai_waktu(nilai) -> datetime | None:
    """An ISO 8601 time from the browser; a time without zone is the Puskesmas' local time."""
    if isinstance(nilai, datetime):
        dt = nilai
    elif isinstance(nilai, str):
        dt = _waktu_teks(nilai)
    else:
        return None
    if dt is None:
        return None
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt, timezone.get_current_timezone())
    return dt


def _tanggal(nilai) -> date | None:
    if isinstance(nilai, date):
        return nilai
    if not isinstance(nilai, str):
        return None
    try:
        return parse_date(nilai.strip())
    except ValueError:
        return None


def _teks(d: dict, kunci: str) -> str:
    v = d.get(kunci)
    if v is None:
        return ""
    return v if isinstance(v, str) else str(v)


def _bool(nilai) -> bool:
    if isinstance(nilai, str):
        return nilai.strip().lower() in ("1", "true", "ya", "on")
    return bool(nilai)


def _dari_cache(cache: dict | None, kunci: tuple, ambil):
    """Per-batch memo of lookups that every entry of a batch repeats (loket, unit, officer)."""
    if cache is None:
        return ambil()
    if kunci not in cache:
        cache[kunci] = ambil()
    return cache[kunci]


def urai_entri(
    payload: dict,
    *,
    puskesmas: Puskesmas,
    loket_batch: Loket | None,
    pengirim,
    cache: dict | None = None,
) -> Urai:
    u = Urai()
    u.dibuat_klien = urai_waktu(payload.get("dibuat_klien"))
    if u.dibuat_klien is None:
        u.tambah(
            "dibuat_klien", "Waktu pendaftaran di loket (dibuat_klien) wajib, format ISO 8601."
        )

    kode_loket = _teks(payload, "loket").strip()
    if kode_loket:
        u.loket = _dari_cache(
            cache,
            ("loket", kode_loket),
            lambda: _loket(puskesmas, kode_loket),
        )
        if u.loket is None:
            u.tambah("loket", f"Loket {kode_loket} tidak ditemukan di Puskesmas ini.")
    else:
        u.loket = loket_batch
    # The officer is whoever is signed in and sends the entry: a name in the payload is a claim
    # anyone with a loket token could make, so it is kept in the stored payload only.
    u.petugas = pengirim
    u.jam_pc = urai_waktu(payload.get("jam_pc"))
    selisih = payload.get("selisih_jam_ms")
    if isinstance(selisih, int) and not isinstance(selisih, bool) and abs(selisih) < 10**12:
        u.selisih_jam_ms = selisih

    kunjungan = payload.get("kunjungan")
    if not isinstance(kunjungan, dict):
        kunjungan = {}
        u.tambah("kunjungan", "Data kunjungan (unit, penjamin) wajib diisi.")
    kode_unit = _teks(kunjungan, "unit").strip()
    if not kode_unit:
        u.tambah("unit", "Unit layanan wajib dipilih.")
    else:
        u.unit = _dari_cache(cache, ("unit", kode_unit), lambda: _unit(puskesmas, kode_unit))
        if u.unit is None:
            u.tambah("unit", f"Unit layanan {kode_unit} tidak ditemukan di Puskesmas ini.")
    penjamin = _teks(kunjungan, "penjamin").strip().lower()
    if penjamin and penjamin not in PENJAMIN:
        u.tambah("penjamin", "Penjamin harus 'bpjs' atau 'umum'.")
    keluhan = _teks(kunjungan, "keluhan")
    u.sudah_dilayani = _bool(kunjungan.get("sudah_dilayani"))
    u.data_kunjungan = DataKunjungan(
        penjamin=penjamin,
        keluhan=keluhan,
        layanan_diminta=_teks(kunjungan, "layanan_diminta"),
        **{b: _bool(kunjungan.get(b)) for b in BENDERA},
    )

    nomor = payload.get("nomor_antrean")
    if nomor not in (None, ""):
        try:
            u.nomor = int(nomor)
            if u.nomor < 1:
                raise ValueError
        except (TypeError, ValueError):
            u.tambah("nomor_antrean", "Nomor antrean harus bilangan bulat positif.")
            u.nomor = None
    ep = payload.get("episode_id")
    if isinstance(ep, int) and not isinstance(ep, bool):
        u.episode_id = ep

    pasien = payload.get("pasien")
    if not isinstance(pasien, dict) or not pasien:
        u.tambah(
            "pasien", "Data pasien wajib diisi (id/No. RM pasien lama, atau data pasien baru)."
        )
        return u
    if pasien.get("id") not in (None, "") or pasien.get("no_rm") not in (None, ""):
        pid, rm = pasien.get("id"), _teks(pasien, "no_rm").strip()
        # Keyed as serentak.py pre-reads them for the whole batch in one query (so the query
        # is built only on a miss).
        if pid not in (None, ""):
            try:
                pk = int(pid)
                u.pasien = _dari_cache(
                    cache,
                    ("pasien", pk),
                    lambda: Pasien.objects.filter(puskesmas=puskesmas, pk=pk).first(),
                )
            except (TypeError, ValueError):
                u.pasien = None
        elif rm.isdigit():
            u.pasien = _dari_cache(
                cache,
                ("no_rm", rm.zfill(6)),
                lambda: Pasien.objects.filter(puskesmas=puskesmas, no_rm=rm.zfill(6)).first(),
            )
        if u.pasien is None:
            u.tambah("pasien", "Pasien lama tidak ditemukan di Puskesmas ini (periksa No. RM).")
        return u
    u.pasien_uuid = _uuid(pasien.get("client_uuid"))
    tgl_mentah = pasien.get("tanggal_lahir")
    tgl = _tanggal(tgl_mentah)
    if tgl_mentah not in (None, "") and tgl is None:
        u.tambah("tanggal_lahir", "Tanggal lahir harus berformat TTTT-BB-HH.")
    data = DataPasien(
        nama=_teks(pasien, "nama"),
        tanggal_lahir=tgl,
        jenis_kelamin=_teks(pasien, "jenis_kelamin"),
        nik=_teks(pasien, "nik"),
        nik_ibu=_teks(pasien, "nik_ibu"),
        no_bpjs=_teks(pasien, "no_bpjs"),
        alamat=_teks(pasien, "alamat"),
        no_hp=_teks(pasien, "no_hp"),
    ).rapikan()
    if tgl_mentah in (None, "") or tgl is not None:
        hari_ini = _dari_cache(cache, ("hari_ini",), timezone.localdate)
        galat = validasi_pasien(data, hari_ini=hari_ini)
        u.ibu = _ibu_pemilik_nik(data, galat, puskesmas)
        if u.ibu is not None:
            del galat["nik"]  # not a typing error: reviewed as a conflict instead
        for nama, pesan in galat.items():
            u.galat.setdefault(nama, []).extend(pesan)
    u.data_pasien = data
    return u


def _ibu_pemilik_nik(data: DataPasien, galat: Galat, puskesmas: Puskesmas) -> Pasien | None:
    """A baby registered offline under the mother's NIK typed into the NIK field: the NIK is
    well-formed, disagrees with the baby's birth date, and belongs to a woman at least ten years
    older. Such an entry goes to review (keep separate → the NIK becomes `nik_ibu`), not to the
    rejected pile."""
    if "nik" not in galat or data.nik_ibu or not data.nik or data.tanggal_lahir is None:
        return None
    try:
        nik_rules.urai(data.nik)
    except nik_rules.NikTidakValid:
        return None
    ibu = Pasien.objects.filter(puskesmas=puskesmas, nik=data.nik, jenis_kelamin="P").first()
    if ibu is None or (data.tanggal_lahir - ibu.tanggal_lahir).days < 3652:
        return None
    return ibu


def entri_bersih(payload: dict) -> dict:
    """`periksa_json(payload)` then `_tanpa_nul(payload)`, with the one encoding the size check
    needs: JSON always escapes NUL as \\u0000, so the copying walk runs only for an entry that
    holds one and a plain entry is used as it came. Raises JsonTerlaluRumit."""
    periksa_json(payload, ukuran_maks=None)  # the depth first: the encoder below recurses
    teks = json.dumps(payload, ensure_ascii=False)  # as periksa_json measures it
    if len(teks.encode()) > JSON_UKURAN_ENTRI:
        periksa_json(payload)  # raises, with its message
    return _tanpa_nul(payload) if "\\u0000" in teks else payload


def _tanpa_nul(nilai):
    """PostgreSQL cannot store NUL in text or jsonb; nobody types one at a counter."""
    if isinstance(nilai, str):
        return nilai.replace("\x00", "")
    if isinstance(nilai, dict):
        return {_tanpa_nul(k): _tanpa_nul(v) for k, v in nilai.items()}
    if isinstance(nilai, list):
        return [_tanpa_nul(v) for v in nilai]
    return nilai


# In a batch's cache: (since when, [declared episodes of the Puskesmas since then]).
KUNCI_DEKLARASI = ("deklarasi-batch",)


def _jendela() -> timedelta:
    return timedelta(hours=getattr(settings, "REPLAY_JENDELA_JAM", 24))


def _periksa_waktu(u: Urai, *, puskesmas: Puskesmas, cache: dict | None) -> None:
    """Believe the entry's time only within the window (waktu.py); otherwise register it at
    the moment the server received it, and say why."""
    if u.dibuat_klien is None:
        return
    sekarang = timezone.now()
    jendela = _jendela()
    kontak: list[waktu.Rentang] = []
    if u.loket is not None:
        kontak = _dari_cache(
            cache,
            ("kontak", u.loket.pk),
            lambda: [
                waktu.Rentang(k.mulai, k.selesai)
                for k in KontakLoket.objects.filter(
                    loket=u.loket, selesai__gte=sekarang - jendela
                ).order_by("mulai")
            ],
        )
    loket_id = u.loket.pk if u.loket else None

    def muat_deklarasi() -> list[waktu.Rentang]:
        # The batch's own read of the declared episodes (batch.py), when it reaches back far
        # enough: the same rows without a query per loket.
        dibaca = cache.get(KUNCI_DEKLARASI) if cache is not None else None
        if dibaca is not None and dibaca[0] <= sekarang - jendela:
            episode = [
                e
                for e in dibaca[1]
                if e.mulai >= sekarang - jendela and e.loket_id in (None, loket_id)
            ]
        else:
            episode = EpisodeDowntime.objects.filter(
                puskesmas=puskesmas, jenis=JenisEpisode.DEKLARASI, mulai__gte=sekarang - jendela
            ).filter(Q(loket__isnull=True) | Q(loket=u.loket))
        return [waktu.Rentang(e.mulai, e.selesai) for e in episode]

    deklarasi = _dari_cache(cache, ("deklarasi", loket_id), muat_deklarasi)
    u.masalah_waktu = waktu.masalah_waktu(
        t=u.dibuat_klien,
        sekarang=sekarang,
        jendela=jendela,
        kontak=kontak,
        deklarasi=deklarasi,
        zona=_dari_cache(cache, ("zona",), timezone.get_current_timezone),
    )
    if u.masalah_waktu:
        u.waktu_daftar = sekarang
