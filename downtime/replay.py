"""Replay of registrations made offline or on paper, and the admin's review decisions.

Every entry is stored (keyed by its client UUID) in the same transaction that processes it, so:
- a batch sent twice is answered from the stored rows and creates nothing new;
- a batch interrupted half-way leaves the entries before the break committed, and the re-sent
  batch picks up where it stopped;
- no entry is ever dropped: each ends created, attached, duplicate (pointing at the visit that
  was kept), in review, or rejected with field messages for an admin to correct.

Registration itself is not re-implemented here: patients and visits go through
`pendaftaran.services`, so the same validation, numbering and idempotency apply as at the loket.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from antrean import services as antrean_services
from antrean.models import Tiket, UnitLayanan
from antrean.services import format_kode
from audit.services import catat
from config.security import JsonTerlaluRumit, periksa_json
from pendaftaran import nik as nik_rules
from pendaftaran.models import Kunjungan, Pasien, Penjamin
from pendaftaran.nama import sama as nama_sama
from pendaftaran.services import (
    KemungkinanDuplikat,
    KunjunganGanda,
    PasienSudahAda,
    PendaftaranError,
    kunjungan_daftar,
    pasien_buat,
    pasien_ubah,
)
from pendaftaran.validasi import DataKunjungan, DataPasien, Galat, validasi_pasien
from puskesmas.models import Loket, Puskesmas

from . import services, waktu
from .models import (
    AlasanTinjau,
    BlokNomorOffline,
    EntriReplay,
    EpisodeDowntime,
    JenisEpisode,
    Keputusan,
    KeputusanTinjau,
    KontakLoket,
    StatusEntri,
    SumberEntri,
)

logger = logging.getLogger(__name__)

BATAS_BATCH = 200
# Not an outcome: the server could not process the entry now (database trouble). The browser
# keeps it in its outbox and sends it again; nothing was stored.
GAGAL_SEMENTARA = "gagal_sementara"

BENDERA = ("hamil", "suspek_menular", "disabilitas", "darurat", "gagal_daftar_online")


class _Tinjau(Exception):
    """The entry needs a person: a conflicting identity or look-alike patients."""

    def __init__(self, alasan: str, pesan: str, kandidat: list[int]):
        super().__init__(pesan)
        self.alasan, self.pesan, self.kandidat = alasan, pesan, kandidat


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


def _unit(puskesmas: Puskesmas, kode: str) -> UnitLayanan | None:
    unit = UnitLayanan.objects.filter(puskesmas=puskesmas, kode=kode).first()
    if unit is None and kode.isdigit():
        unit = UnitLayanan.objects.filter(puskesmas=puskesmas, pk=int(kode)).first()
    return unit


def _uuid(nilai) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(nilai))
    except (ValueError, TypeError, AttributeError):
        return None


def urai_waktu(nilai) -> datetime | None:
    """An ISO 8601 time from the browser; a time without zone is the Puskesmas' local time."""
    if isinstance(nilai, datetime):
        dt = nilai
    elif isinstance(nilai, str):
        try:
            dt = parse_datetime(nilai.strip())
        except ValueError:
            return None
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
            lambda: Loket.objects.filter(puskesmas=puskesmas, kode=kode_loket).first(),
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
    if penjamin and penjamin not in Penjamin.values:
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
        qs = Pasien.objects.filter(puskesmas=puskesmas)
        pid, rm = pasien.get("id"), _teks(pasien, "no_rm").strip()
        if pid not in (None, ""):
            try:
                u.pasien = qs.filter(pk=int(pid)).first()
            except (TypeError, ValueError):
                u.pasien = None
        elif rm.isdigit():
            u.pasien = qs.filter(no_rm=rm.zfill(6)).first()
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
        galat = validasi_pasien(data, hari_ini=timezone.localdate())
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


# --- Processing one entry -------------------------------------------------------------------


def _pasien_untuk(entri: EntriReplay, u: Urai, oleh) -> tuple[Pasien, str]:
    """Which patient this entry is about, and whether that makes it 'dibuat' or 'dilampirkan'.
    Raises _Tinjau when a person has to decide."""
    if u.pasien is not None:
        return u.pasien, StatusEntri.DIBUAT
    if u.pasien_uuid is not None:
        # An earlier offline visit of this same new patient already created the record.
        sebelumnya = (
            EntriReplay.objects.filter(
                puskesmas=entri.puskesmas, pasien_uuid=u.pasien_uuid, pasien__isnull=False
            )
            .exclude(pk=entri.pk)
            .select_related("pasien")
            .first()
        )
        if sebelumnya is not None:
            return sebelumnya.pasien, StatusEntri.DIBUAT
    data = u.data_pasien
    assert data is not None and data.tanggal_lahir is not None
    pkm = entri.puskesmas
    if u.ibu is not None:
        raise _Tinjau(
            AlasanTinjau.KONFLIK_NIK,
            f"NIK ini milik {u.ibu.nama} (RM {u.ibu.no_rm}), lahir {u.ibu.tanggal_lahir:%d-%m-%Y}: "
            f"kemungkinan {data.nama} adalah bayi/anaknya yang didaftarkan dengan NIK ibu. "
            "Pilih 'Pisahkan' untuk mencatatnya dengan NIK ibu.",
            [u.ibu.pk],
        )
    oleh_nik = Pasien.objects.filter(puskesmas=pkm, nik=data.nik).first() if data.nik else None
    oleh_kartu = (
        Pasien.objects.filter(puskesmas=pkm, no_bpjs=data.no_bpjs).first() if data.no_bpjs else None
    )
    if oleh_nik and oleh_kartu and oleh_nik.pk != oleh_kartu.pk:
        raise _Tinjau(
            AlasanTinjau.KONFLIK_NIK,
            f"NIK milik {oleh_nik.nama} (RM {oleh_nik.no_rm}), tetapi No. kartu BPJS milik "
            f"{oleh_kartu.nama} (RM {oleh_kartu.no_rm}).",
            [oleh_nik.pk, oleh_kartu.pk],
        )
    ada = oleh_nik or oleh_kartu
    if ada is not None:
        if ada.tanggal_lahir == data.tanggal_lahir and nama_sama(data.nama, ada.nama):
            return ada, StatusEntri.DILAMPIRKAN
        label = "NIK" if ada is oleh_nik else "No. kartu BPJS"
        raise _Tinjau(
            AlasanTinjau.KONFLIK_NIK,
            f"{label} ini sudah terdaftar atas nama {ada.nama} (RM {ada.no_rm}), lahir "
            f"{ada.tanggal_lahir:%d-%m-%Y}; entri luring: {data.nama}, lahir "
            f"{data.tanggal_lahir:%d-%m-%Y}.",
            [ada.pk],
        )
    try:
        # The look-alike check runs inside pasien_buat, under its identity lock: a second loket
        # replaying the same new person at the same moment waits and lands here, in review.
        return pasien_buat(puskesmas=pkm, data=data, oleh=oleh), StatusEntri.DIBUAT
    except KemungkinanDuplikat as e:
        raise _Tinjau(
            AlasanTinjau.MIRIP_TANPA_NIK,
            f"Pasien tanpa NIK; {len(e.kandidat)} pasien terdaftar bernama dan berlahir mirip.",
            [p.pk for p, _ in e.kandidat],
        ) from e
    except PasienSudahAda as e:
        # Registered a moment ago by another loket or replay: judge against that patient.
        ada = e.pasien
        if ada.tanggal_lahir == data.tanggal_lahir and nama_sama(data.nama, ada.nama):
            return ada, StatusEntri.DILAMPIRKAN
        pesan = " ".join(m for daftar in e.galat.values() for m in daftar)
        raise _Tinjau(AlasanTinjau.KONFLIK_NIK, pesan, [ada.pk]) from e


def _nomor(entri: EntriReplay, u: Urai, tanggal: date) -> tuple[int | None, bool]:
    """The offline number if it really is this loket's, for this unit and day, and free.
    Otherwise None (a fresh number is taken) and True (the change is reported)."""
    if u.nomor is None or u.unit is None:
        return None, False
    if not u.nomor_milik or u.nomor_tanggal != tanggal:
        return None, True
    if Tiket.objects.filter(unit=u.unit, tanggal=tanggal, nomor=u.nomor).exists():
        return None, True
    return u.nomor, False


def _daftar(entri: EntriReplay, u: Urai, pasien: Pasien, oleh) -> Kunjungan:
    assert u.unit is not None and u.data_kunjungan is not None and u.dibuat_klien is not None
    waktu_daftar = u.waktu_daftar or u.dibuat_klien
    tanggal = timezone.localdate(waktu_daftar)
    nomor, entri.nomor_baru = _nomor(entri, u, tanggal)
    kwargs = dict(
        puskesmas=entri.puskesmas,
        pasien=pasien,
        unit=u.unit,
        data=u.data_kunjungan,
        client_uuid=entri.client_uuid,
        oleh=oleh,
        loket=u.loket,
        dibuat_klien=waktu_daftar,
        percaya_waktu_klien=True,  # checked against the server's evidence in replay_entri
        sumber=entri.sumber,
        # Everything that reaches the server by replay was made while it could not be reached
        # (or on paper during an outage).
        mode_downtime=True,
    )
    try:
        with transaction.atomic():
            hasil = kunjungan_daftar(**kwargs, nomor_antrean=nomor)
    except IntegrityError:
        if nomor is None:
            raise
        # The number was taken between the check and the insert: take a fresh one.
        entri.nomor_baru = True
        hasil = kunjungan_daftar(**kwargs, nomor_antrean=None)
    if nomor is not None and not entri.nomor_baru:
        blok = services.blok_untuk_nomor(loket=u.loket, unit=u.unit, tanggal=tanggal, nomor=nomor)
        if blok is not None:
            services.blok_tandai_jika_habis(blok=blok)
    tiket = hasil.kunjungan.tiket_pertama
    if tiket is not None and entri.nomor_baru and u.nomor is not None and hasil.baru:
        # The patient holds a slip with the old number: poli and TV show it beside the new one.
        tiket.kode_cetak = format_kode(u.unit, u.nomor)
        Tiket.objects.filter(pk=tiket.pk).update(kode_cetak=tiket.kode_cetak)
    if tiket is not None and u.sudah_dilayani and hasil.baru:
        antrean_services.tiket_selesai_di_kertas(tiket=tiket, oleh=oleh)
    return hasil.kunjungan


def _set_hasil(entri: EntriReplay, status: str, **kolom) -> None:
    entri.status = status
    if not entri.status_awal:
        entri.status_awal = status
    entri.alasan_tinjau = kolom.get("alasan", "")
    entri.pesan = kolom.get("pesan", "")[:300]
    entri.galat = kolom.get("galat", {})
    entri.kandidat = kolom.get("kandidat", [])
    entri.pasien = kolom.get("pasien")
    entri.kunjungan = kolom.get("kunjungan")
    entri.kunjungan_dipertahankan = kolom.get("dipertahankan")
    sekarang = timezone.now()
    entri.diproses_pada = sekarang
    entri.diselesaikan_pada = (
        None if status in (StatusEntri.DITINJAU, StatusEntri.DITOLAK) else (sekarang)
    )


def _jalankan(entri: EntriReplay, u: Urai, oleh, *, paksa_pasien: Pasien | None = None) -> None:
    """Take the entry to exactly one outcome. Patient and visit are created together or not at
    all (a savepoint), so a rejected visit never leaves an orphan patient behind."""
    if u.galat:
        _set_hasil(
            entri,
            StatusEntri.DITOLAK,
            alasan=AlasanTinjau.GALAT_DATA,
            pesan="Data entri tidak valid; perbaiki lalu proses ulang.",
            galat=u.galat,
        )
        return
    # The online POST reached the server but its answer was lost, so the browser queued it.
    sudah = Kunjungan.objects.filter(client_uuid=entri.client_uuid).first()
    if sudah is not None:
        if sudah.puskesmas_id != entri.puskesmas_id:
            _set_hasil(
                entri,
                StatusEntri.DITOLAK,
                alasan=AlasanTinjau.GALAT_DATA,
                galat={"client_uuid": ["UUID klien sudah dipakai."]},
                pesan="UUID klien sudah dipakai.",
            )
            return
        pesan = "Sudah diterima sebelumnya melalui loket daring."
        tiket = sudah.tiket_pertama
        if u.nomor is not None and u.unit is not None and tiket and tiket.nomor != u.nomor:
            # The online save got through but its answer was lost, so the loket printed an
            # offline slip too: the patient holds that number, the queue has this one.
            entri.nomor_baru = True
            kode = format_kode(u.unit, u.nomor)
            if not tiket.kode_cetak:
                Tiket.objects.filter(pk=tiket.pk).update(kode_cetak=kode)
            pesan += f" Nomor antrean {tiket.kode}, bukan {kode} di tiket luring."
        _set_hasil(entri, StatusEntri.DIBUAT, pasien=sudah.pasien, kunjungan=sudah, pesan=pesan)
        return
    status = StatusEntri.DIBUAT
    pasien: Pasien | None = paksa_pasien
    try:
        with transaction.atomic():
            if pasien is None:
                pasien, status = _pasien_untuk(entri, u, oleh)
            else:
                status = StatusEntri.DILAMPIRKAN
            kunjungan = _daftar(entri, u, pasien, oleh)
    except _Tinjau as t:
        _set_hasil(entri, StatusEntri.DITINJAU, alasan=t.alasan, pesan=t.pesan, kandidat=t.kandidat)
        return
    except KunjunganGanda as e:
        tetap = e.kunjungan
        tiket = tetap.tiket_pertama
        _set_hasil(
            entri,
            StatusEntri.DUPLIKAT,
            pasien=tetap.pasien,
            dipertahankan=tetap,
            pesan=(
                f"{tetap.pasien.nama} sudah terdaftar hari ini di {tetap.unit.nama}"
                + (f" dengan nomor {tiket.kode}" if tiket else "")
                + (f" (loket {tetap.loket.kode})." if tetap.loket_id else ".")
            ),
        )
        return
    except PendaftaranError as e:
        _set_hasil(
            entri,
            StatusEntri.DITOLAK,
            alasan=AlasanTinjau.GALAT_DATA,
            pesan="Data entri tidak valid; perbaiki lalu proses ulang.",
            galat=e.galat,
        )
        return
    pesan = []
    if u.masalah_waktu:
        pesan.append(f"{u.masalah_waktu} Diantrekan menurut jam diterima server.")
    if entri.nomor_baru:
        tiket = kunjungan.tiket_pertama
        if u.unit and entri.nomor_diminta:
            pesan.append(
                f"Nomor luring {format_kode(u.unit, entri.nomor_diminta)} bukan milik blok loket "
                f"ini atau sudah dipegang pasien lain; diberi nomor {tiket.kode if tiket else '-'}."
            )
    elif status == StatusEntri.DILAMPIRKAN:
        pesan.append(f"Dilampirkan ke pasien lama {pasien.nama} (RM {pasien.no_rm}).")
    _set_hasil(
        entri,
        status,
        pasien=pasien,
        kunjungan=kunjungan,
        pesan=" ".join(pesan),
        alasan=AlasanTinjau.WAKTU if u.masalah_waktu else "",
    )


# --- The batch ------------------------------------------------------------------------------


@dataclass
class MetaBatch:
    loket: Loket | None = None
    offline_sejak: datetime | None = None
    online_kembali: datetime | None = None
    jenis: str = JenisEpisode.JARINGAN_LOKET
    jumlah_offline: int | None = None


def hasil_json(entri: EntriReplay, *, ulang: bool) -> dict:
    """The per-entry answer. Built from the stored row, so a repeat answers the same."""
    tiket = None
    if entri.kunjungan_id:
        t = entri.kunjungan.tiket_pertama
        if t is not None:
            tiket = {
                "id": t.pk,
                "kode": t.kode,
                "nomor": t.nomor,
                "unit": entri.kunjungan.unit.kode,
                "token": t.token_publik,
            }
    dup = None
    if entri.kunjungan_dipertahankan_id:
        k = entri.kunjungan_dipertahankan
        t = k.tiket_pertama
        dup = {
            "kunjungan_id": k.pk,
            "tiket": t.kode if t else None,
            "loket": k.loket.kode if k.loket_id else None,
        }
    return {
        "client_uuid": str(entri.client_uuid),
        "status": entri.status,
        "ulang": ulang,
        "alasan": entri.alasan_tinjau,
        "pesan": entri.pesan,
        "galat": entri.galat,
        "pasien": (
            {"id": entri.pasien.pk, "no_rm": entri.pasien.no_rm, "nama": entri.pasien.nama}
            if entri.pasien_id
            else None
        ),
        "kunjungan_id": entri.kunjungan_id,
        "tiket": tiket,
        "nomor_diminta": entri.nomor_diminta,
        "nomor_baru": entri.nomor_baru,
        "duplikat_dari": dup,
        "episode_id": entri.episode_id,
        "perlu_diberitahu": perlu_diberitahu(entri),
    }


def perlu_diberitahu(entri: EntriReplay) -> bool:
    """The officer must tell the patient something: their number changed or was assigned
    ("menyusul"), they are a duplicate, in review, rejected, or their time was not believed."""
    if entri.status != StatusEntri.DIBUAT and entri.status != StatusEntri.DILAMPIRKAN:
        return True
    return bool(entri.nomor_baru or entri.nomor_diminta is None or entri.alasan_tinjau)


def _tanpa_nul(nilai):
    """PostgreSQL cannot store NUL in text or jsonb; nobody types one at a counter."""
    if isinstance(nilai, str):
        return nilai.replace("\x00", "")
    if isinstance(nilai, dict):
        return {_tanpa_nul(k): _tanpa_nul(v) for k, v in nilai.items()}
    if isinstance(nilai, list):
        return [_tanpa_nul(v) for v in nilai]
    return nilai


def _tolak_tanpa_simpan(client_uuid, pesan: str, *, bidang: str = "client_uuid") -> dict:
    return {
        "client_uuid": None if client_uuid is None else str(client_uuid)[:64],
        "status": StatusEntri.DITOLAK,
        "ulang": False,
        "alasan": AlasanTinjau.GALAT_DATA,
        "pesan": pesan,
        "galat": {bidang: [pesan]},
        "disimpan": False,
    }


EpisodeUntuk = Callable[[EntriReplay, Urai], EpisodeDowntime | None]


def _nomor_milik(u: Urai, client_uuid: uuid.UUID) -> None:
    """Record the offline number as shown to this entry's patient (services.nomor_luring_catat)
    on the day of the block it came from: the entry's own day, else today's."""
    if u.nomor is None or u.unit is None or u.loket is None:
        return
    hari = {timezone.localdate()}
    if u.dibuat_klien is not None:
        hari.add(timezone.localdate(u.dibuat_klien))
    blok = (
        BlokNomorOffline.objects.filter(
            loket=u.loket,
            unit=u.unit,
            tanggal__in=hari,
            pertama__lte=u.nomor,
            terakhir__gte=u.nomor,
        )
        .order_by("-tanggal")
        .first()
    )
    if blok is None:
        u.nomor_milik = False
        return
    u.nomor_tanggal = blok.tanggal
    u.nomor_milik = services.nomor_luring_catat(
        loket=u.loket, unit=u.unit, tanggal=blok.tanggal, nomor=u.nomor, client_uuid=client_uuid
    )


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
    deklarasi = _dari_cache(
        cache,
        ("deklarasi", u.loket.pk if u.loket else None),
        lambda: [
            waktu.Rentang(e.mulai, e.selesai)
            for e in EpisodeDowntime.objects.filter(
                puskesmas=puskesmas, jenis=JenisEpisode.DEKLARASI, mulai__gte=sekarang - jendela
            ).filter(Q(loket__isnull=True) | Q(loket=u.loket))
        ],
    )
    u.masalah_waktu = waktu.masalah_waktu(
        t=u.dibuat_klien, sekarang=sekarang, jendela=jendela, kontak=kontak, deklarasi=deklarasi
    )
    if u.masalah_waktu:
        u.waktu_daftar = sekarang


def replay_entri(
    payload,
    *,
    puskesmas: Puskesmas,
    pengirim,
    sumber: str = SumberEntri.OFFLINE,
    loket_batch: Loket | None = None,
    episode_untuk: EpisodeUntuk | None = None,
    cache: dict | None = None,
    percaya_waktu: bool = False,
) -> dict:
    """Process one entry exactly once and return its outcome.

    Raises DatabaseError for trouble worth retrying (nothing of this entry is stored then);
    any other failure stores the entry for review so it is not lost.
    """
    if not isinstance(payload, dict):
        return _tolak_tanpa_simpan(None, "Entri harus berupa objek JSON.")
    try:
        # Before anything recursive touches it: one absurd entry is refused on its own, never a
        # 500 for the batch (which the browser would retry for ever).
        periksa_json(payload)
    except JsonTerlaluRumit as e:
        cu = payload.get("client_uuid")
        return _tolak_tanpa_simpan(cu if isinstance(cu, str) else None, str(e), bidang="entri")
    payload = _tanpa_nul(payload)
    cu = _uuid(payload.get("client_uuid"))
    if cu is None:
        return _tolak_tanpa_simpan(
            payload.get("client_uuid"), "UUID klien (client_uuid) wajib dan harus UUID yang sah."
        )
    ada = EntriReplay.objects.filter(client_uuid=cu).first()
    if ada is not None:
        if ada.puskesmas_id != puskesmas.pk:
            return _tolak_tanpa_simpan(cu, "UUID klien sudah dipakai.")
        return hasil_json(ada, ulang=True)
    if payload.get("mode") in SumberEntri.values:
        sumber = payload["mode"]
    if sumber not in SumberEntri.values:
        sumber = SumberEntri.OFFLINE
    try:
        with transaction.atomic():
            u = urai_entri(
                payload,
                puskesmas=puskesmas,
                loket_batch=loket_batch,
                pengirim=pengirim,
                cache=cache,
            )
            entri = EntriReplay(
                client_uuid=cu,
                puskesmas=puskesmas,
                loket=u.loket,
                petugas=u.petugas,
                dikirim_oleh=pengirim,
                sumber=sumber,
                dibuat_klien=u.dibuat_klien,
                jam_pc=u.jam_pc,
                selisih_jam_ms=u.selisih_jam_ms,
                pasien_uuid=u.pasien_uuid,
                payload=payload,
                nomor_diminta=u.nomor,
                status=StatusEntri.DITINJAU,
            )
            try:
                with transaction.atomic():
                    entri.save()
            except IntegrityError:
                # The same UUID is being replayed by a concurrent request that won the race.
                ada = EntriReplay.objects.filter(client_uuid=cu).first()
                if ada is None:
                    raise
                return hasil_json(ada, ulang=True)
            # Before any outcome is decided: the number was shown to this patient, so it is
            # theirs whatever happens next (duplicate, review, rejected alike).
            _nomor_milik(u, cu)
            if not percaya_waktu:
                _periksa_waktu(u, puskesmas=puskesmas, cache=cache)
            entri.episode = episode_untuk(entri, u) if episode_untuk else None
            _jalankan(entri, u, u.petugas)
            entri.save()
    except DatabaseError:
        raise
    except Exception:
        logger.exception("replay entri %s gagal", cu)
        with transaction.atomic():
            entri = EntriReplay.objects.create(
                client_uuid=cu,
                puskesmas=puskesmas,
                loket=loket_batch,
                dikirim_oleh=pengirim,
                sumber=sumber,
                dibuat_klien=urai_waktu(payload.get("dibuat_klien")),
                payload=payload,
                status=StatusEntri.DITINJAU,
                status_awal=StatusEntri.DITINJAU,
                alasan_tinjau=AlasanTinjau.GALAT_SISTEM,
                pesan="Galat sistem saat memproses entri ini; disimpan untuk ditinjau admin.",
                diproses_pada=timezone.now(),
            )
    return hasil_json(entri, ulang=False)


def _kunci_urut(item: tuple[int, object]):
    i, raw = item
    t = urai_waktu(raw.get("dibuat_klien")) if isinstance(raw, dict) else None
    # Unreadable times go last, in their original order; they will be rejected anyway.
    return (t is None, t or timezone.now(), i)


def replay_batch(
    entri: list,
    *,
    puskesmas: Puskesmas,
    pengirim,
    meta: MetaBatch | None = None,
    sumber: str = SumberEntri.OFFLINE,
) -> tuple[list[dict], bool]:
    """Replay a batch in order of the entries' original time. Returns the outcomes in the
    order sent, and whether every entry was processed (False after a database failure: the
    rest are `gagal_sementara` and should be sent again)."""
    meta = meta or MetaBatch()
    hasil: dict[int, dict] = {}
    episode_luring: list[EpisodeDowntime] = []
    tersentuh: dict[int, EpisodeDowntime] = {}

    def episode_untuk(entri: EntriReplay, u: Urai) -> EpisodeDowntime | None:
        ep = None
        if u.episode_id is not None:
            ep = EpisodeDowntime.objects.filter(pk=u.episode_id, puskesmas=puskesmas).first()
        if ep is None and u.dibuat_klien is not None:
            ep = _deklarasi_pada(u.loket, u.dibuat_klien)
        if ep is None and entri.sumber == SumberEntri.OFFLINE and u.loket is not None:
            if not episode_luring:
                waktu = [
                    t
                    for t in (
                        urai_waktu(r.get("dibuat_klien")) for r in entri_list if isinstance(r, dict)
                    )
                    if t is not None
                ]
                mulai = meta.offline_sejak or (min(waktu) if waktu else timezone.now())
                selesai = meta.online_kembali or timezone.now()
                episode_luring.append(
                    services.episode_luring_catat(
                        puskesmas=puskesmas,
                        loket=u.loket,
                        mulai=min([mulai, *waktu]),
                        selesai=max([selesai, *waktu]),
                        jenis=meta.jenis,
                        jumlah_offline=meta.jumlah_offline,
                        oleh=pengirim,
                    )
                )
            ep = episode_luring[0] if episode_luring[0].loket_id == u.loket.pk else None
        if ep is not None:
            tersentuh[ep.pk] = ep
        return ep

    # Declared episodes of this Puskesmas, read once per batch: entries made under one join it.
    deklarasi = list(
        EpisodeDowntime.objects.filter(puskesmas=puskesmas, jenis=JenisEpisode.DEKLARASI)
        .filter(mulai__gte=timezone.now() - timedelta(days=32))
        .order_by("-mulai")
    )

    def _deklarasi_pada(loket: Loket | None, pada: datetime) -> EpisodeDowntime | None:
        for ep in deklarasi:
            if ep.loket_id not in (None, loket.pk if loket else None):
                continue
            if ep.mulai <= pada and (ep.selesai is None or ep.selesai >= pada):
                return ep
        return None

    cache: dict = {}
    entri_list = list(entri)
    selesai_semua = True
    urutan = sorted(enumerate(entri_list), key=_kunci_urut)
    for posisi, (i, raw) in enumerate(urutan):
        try:
            hasil[i] = replay_entri(
                raw,
                puskesmas=puskesmas,
                pengirim=pengirim,
                sumber=sumber,
                loket_batch=meta.loket,
                episode_untuk=episode_untuk,
                cache=cache,
            )
        except DatabaseError:
            logger.exception("replay batch berhenti pada entri ke-%s", posisi + 1)
            selesai_semua = False
            for j, sisa in urutan[posisi:]:
                hasil[j] = {
                    "client_uuid": str(sisa.get("client_uuid")) if isinstance(sisa, dict) else None,
                    "status": GAGAL_SEMENTARA,
                    "ulang": False,
                    "pesan": "Server sedang bermasalah; entri ini akan dikirim ulang.",
                    "galat": {},
                }
            break
    for ep in tersentuh.values():
        try:
            services.rekonsiliasi_perbarui(episode=ep)
        except DatabaseError:
            logger.exception("rekonsiliasi episode %s gagal", ep.pk)
    return [hasil[i] for i in range(len(entri_list))], selesai_semua


# --- Review decisions -----------------------------------------------------------------------


def _catat(entri: EntriReplay, keputusan: str, oleh, sebelum: str, catatan: str, data: dict):
    # The decision changes what the patient at the loket holds: tell the loket again.
    EntriReplay.objects.filter(pk=entri.pk).update(diberitahu_pada=None)
    entri.diberitahu_pada = None
    KeputusanTinjau.objects.create(
        entri=entri,
        keputusan=keputusan,
        oleh=oleh,
        catatan=(catatan or "")[:300],
        status_sebelum=sebelum,
        status_sesudah=entri.status,
        data=data,
    )
    if entri.episode_id:
        services.rekonsiliasi_perbarui(episode=entri.episode)


def _kunci(entri: EntriReplay) -> EntriReplay:
    entri = EntriReplay.objects.select_for_update().get(pk=entri.pk)
    if not entri.terbuka:
        raise PendaftaranError({"entri": ["Entri ini sudah diselesaikan."]})
    return entri


def _urai_ulang(entri: EntriReplay, oleh) -> Urai:
    """The entry read again for an admin's decision. The officer stays whoever sent it; the
    admin saw both times on the review page, so the stored time is taken as decided."""
    u = urai_entri(
        entri.payload,
        puskesmas=entri.puskesmas,
        loket_batch=entri.loket,
        pengirim=entri.petugas or oleh,
    )
    if u.nomor is not None and u.unit is not None:
        u.nomor_tanggal = services.nomor_luring_milik(
            unit=u.unit, nomor=u.nomor, client_uuid=entri.client_uuid
        )
        u.nomor_milik = u.nomor_tanggal is not None
    return u


@transaction.atomic
def tinjau_gabung(
    *,
    entri: EntriReplay,
    pasien: Pasien,
    oleh,
    perbarui_data: bool = False,
    catatan: str = "",
) -> EntriReplay:
    """Merge: the offline visit belongs to an existing patient. Optionally the patient's record
    takes the entry's name, birth date and contact data (not its NIK/card when they clash)."""
    entri = _kunci(entri)
    if pasien.puskesmas_id != entri.puskesmas_id:
        raise PendaftaranError({"pasien": ["Pasien tidak ditemukan di Puskesmas ini."]})
    sebelum = entri.status
    u = _urai_ulang(entri, oleh)
    # The patient is chosen by the admin, so the entry's own patient fields cannot block it.
    for f in (
        "pasien",
        "nama",
        "nik",
        "nik_ibu",
        "no_bpjs",
        "tanggal_lahir",
        "jenis_kelamin",
        "alamat",
        "no_hp",
    ):
        u.galat.pop(f, None)
    if u.galat:
        raise PendaftaranError(u.galat)
    if perbarui_data and u.data_pasien is not None:
        d = u.data_pasien
        pasien_ubah(
            pasien=pasien,
            data=DataPasien(
                nama=d.nama or pasien.nama,
                tanggal_lahir=d.tanggal_lahir or pasien.tanggal_lahir,
                jenis_kelamin=d.jenis_kelamin or pasien.jenis_kelamin,
                nik=pasien.nik or d.nik,
                nik_ibu=d.nik_ibu or pasien.nik_ibu,
                no_bpjs=pasien.no_bpjs or d.no_bpjs,
                alamat=d.alamat or pasien.alamat,
                no_hp=d.no_hp or pasien.no_hp,
            ),
        )
    _jalankan(entri, u, oleh, paksa_pasien=pasien)
    if entri.terbuka:
        raise PendaftaranError(entri.galat or {"entri": [entri.pesan]})
    entri.save()
    catat(
        user=oleh,
        aksi="pasien_gabung",
        objek=pasien,
        puskesmas=entri.puskesmas_id,
        keterangan=f"entri luring {entri.client_uuid}"
        + (", data diperbarui" if perbarui_data else ""),
    )
    _catat(
        entri,
        Keputusan.GABUNG,
        oleh,
        sebelum,
        catatan,
        {"pasien_id": pasien.pk, "perbarui_data": perbarui_data},
    )
    return entri


@transaction.atomic
def tinjau_pisah(*, entri: EntriReplay, oleh, catatan: str = "") -> EntriReplay:
    """Keep separate: a new patient. When the entry's NIK belongs to someone else, the NIK
    cannot be stored twice: a child whose NIK is a woman's existing NIK is an infant registered
    under the mother's NIK (it goes to `nik_ibu`); otherwise the patient is saved without NIK
    (flagged on screen) and the clash is noted. The same for a clashing BPJS card."""
    entri = _kunci(entri)
    sebelum = entri.status
    u = _urai_ulang(entri, oleh)
    if u.pasien is not None or u.data_pasien is None:
        raise PendaftaranError({"pasien": ["Entri ini merujuk pasien lama; pilih gabungkan."]})
    if u.galat:
        raise PendaftaranError(u.galat)
    d = u.data_pasien
    catatan_nik = ""
    nik, nik_ibu, no_bpjs = d.nik, d.nik_ibu, d.no_bpjs
    pemilik = Pasien.objects.filter(puskesmas=entri.puskesmas, nik=nik).first() if nik else None
    if pemilik is not None:
        umur_selisih = (d.tanggal_lahir - pemilik.tanggal_lahir).days / 365.25
        if pemilik.jenis_kelamin == "P" and umur_selisih >= 10 and not nik_ibu:
            nik_ibu, catatan_nik = nik, "NIK dicatat sebagai NIK ibu (bayi/anak)."
        else:
            catatan_nik = f"NIK {nik} milik pasien lain (RM {pemilik.no_rm}); disimpan tanpa NIK."
        nik = ""
    if no_bpjs and Pasien.objects.filter(puskesmas=entri.puskesmas, no_bpjs=no_bpjs).exists():
        catatan_nik += " No. kartu BPJS milik pasien lain; tidak disimpan."
        no_bpjs = ""
    baru = DataPasien(
        nama=d.nama,
        tanggal_lahir=d.tanggal_lahir,
        jenis_kelamin=d.jenis_kelamin,
        nik=nik,
        nik_ibu=nik_ibu,
        no_bpjs=no_bpjs,
        alamat=d.alamat,
        no_hp=d.no_hp,
    )
    pasien = pasien_buat(puskesmas=entri.puskesmas, data=baru, oleh=oleh, konfirmasi_baru=True)
    _jalankan(entri, u, oleh, paksa_pasien=pasien)
    if entri.terbuka:
        raise PendaftaranError(entri.galat or {"entri": [entri.pesan]})
    entri.status = StatusEntri.DIBUAT if entri.status == StatusEntri.DILAMPIRKAN else entri.status
    entri.pesan = (f"Disimpan sebagai pasien baru RM {pasien.no_rm}. {catatan_nik}").strip()[:300]
    entri.save()
    _catat(
        entri,
        Keputusan.PISAH,
        oleh,
        sebelum,
        catatan,
        {"pasien_id": pasien.pk, "catatan_nik": catatan_nik.strip()},
    )
    return entri


@transaction.atomic
def tinjau_koreksi(
    *, entri: EntriReplay, payload_baru: dict, oleh, catatan: str = ""
) -> EntriReplay:
    """Correct the entry's fields and run it through replay again. The first payload is kept;
    the outcome may again be review (the corrected data can still clash)."""
    entri = _kunci(entri)
    sebelum = entri.status
    if entri.payload_asli is None:
        entri.payload_asli = entri.payload
    entri.payload = payload_baru
    u = _urai_ulang(entri, oleh)
    entri.loket = u.loket or entri.loket
    entri.dibuat_klien = u.dibuat_klien or entri.dibuat_klien
    entri.pasien_uuid = u.pasien_uuid
    entri.nomor_diminta = u.nomor
    _jalankan(entri, u, entri.petugas or oleh)
    entri.save()
    _catat(entri, Keputusan.KOREKSI, oleh, sebelum, catatan, {"payload": payload_baru})
    return entri
