"""Where a registration is saved. Every write of patients and visits goes through here — the
loket pages, the JSON API, offline replay and Mobile JKN bookings all call these functions, so
validation, numbering and idempotency behave the same on every path."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from antrean import live, routing
from antrean.models import Tiket, UnitLayanan
from antrean.selectors import unit_untuk_saran
from antrean.services import tiket_terbitkan
from audit.services import catat
from config.sisip import buat, sisip
from integrasi import peristiwa
from puskesmas import rujukan
from puskesmas.models import Loket, Puskesmas
from puskesmas.services import no_rm_berikutnya

from . import selectors
from .dedupe import kunci_identitas, nama_kunci, normalisasi_nama
from .models import Kunjungan, Pasien, StatusKunjungan, Sumber
from .validasi import DataKunjungan, DataPasien, Galat, validasi_kunjungan, validasi_pasien


class PendaftaranError(Exception):
    """A registration that cannot be saved as given. `galat` maps field → Indonesian messages;
    views show them next to the fields, the API returns them as JSON."""

    kode = "tidak_valid"

    def __init__(self, galat: Galat):
        super().__init__(galat)
        self.galat = galat


class PasienSudahAda(PendaftaranError):
    """The NIK or BPJS number belongs to an existing patient: open that one instead."""

    kode = "pasien_sudah_ada"

    def __init__(self, pasien: Pasien, field: str):
        label = "NIK" if field == "nik" else "No. kartu BPJS"
        super().__init__(
            {field: [f"{label} ini sudah terdaftar atas nama {pasien.nama} (RM {pasien.no_rm})."]}
        )
        self.pasien = pasien


class KemungkinanDuplikat(PendaftaranError):
    """A patient without NIK looks like someone we already know; the officer must look first."""

    kode = "kemungkinan_duplikat"

    def __init__(self, kandidat: list[tuple[Pasien, float]]):
        super().__init__(
            {"nama": ["Ada pasien terdaftar dengan nama dan tanggal lahir mirip. Periksa dulu."]}
        )
        self.kandidat = kandidat


class KunjunganGanda(PendaftaranError):
    kode = "kunjungan_ganda"

    def __init__(self, kunjungan: Kunjungan):
        tiket = kunjungan.tiket_pertama
        super().__init__(
            {
                "unit": [
                    f"Pasien ini sudah terdaftar hari ini di {kunjungan.unit.nama}"
                    + (f" dengan nomor {tiket.kode}." if tiket else ".")
                ]
            }
        )
        self.kunjungan = kunjungan


# --- Patients -------------------------------------------------------------------------------


def _cek_identitas_unik(puskesmas: Puskesmas, data: DataPasien, kecuali: int | None) -> None:
    for field, nilai in (("nik", data.nik), ("no_bpjs", data.no_bpjs)):
        if not nilai:
            continue
        ada = Pasien.objects.filter(puskesmas=puskesmas, **{field: nilai})
        if kecuali is not None:
            ada = ada.exclude(pk=kecuali)
        pasien = ada.first()
        if pasien is not None:
            raise PasienSudahAda(pasien, field)


def pasien_buat(
    *,
    puskesmas: Puskesmas,
    data: DataPasien,
    oleh=None,
    konfirmasi_baru: bool = False,
) -> Pasien:
    """Register a new patient and hand out the next No. RM.

    Raises PasienSudahAda when the NIK or card is known, and — for a patient without NIK —
    KemungkinanDuplikat when similar patients exist, unless the officer confirmed they are new.
    The checks and the insert run under one lock (_tahan_identitas), so two counters or
    replays saving the same new person at once make one patient: the second waits, then sees
    the first and gets KemungkinanDuplikat / PasienSudahAda.
    """
    data = data.rapikan()
    galat = validasi_pasien(data, hari_ini=timezone.localdate())
    if galat:
        raise PendaftaranError(galat)
    kunci = ""
    if not data.nik and data.tanggal_lahir:
        kunci = kunci_identitas(
            nama=data.nama, tanggal_lahir=data.tanggal_lahir, jenis_kelamin=data.jenis_kelamin
        )
    try:
        with transaction.atomic():
            _tahan_identitas(puskesmas)
            _cek_identitas_unik(puskesmas, data, kecuali=None)
            if kunci:
                if not konfirmasi_baru:
                    kandidat = selectors.kandidat_duplikat(
                        puskesmas=puskesmas,
                        nama=data.nama,
                        tanggal_lahir=data.tanggal_lahir,
                        jenis_kelamin=data.jenis_kelamin,
                        alamat=data.alamat,
                        nik_ibu=data.nik_ibu,
                    )
                    if kandidat:
                        raise KemungkinanDuplikat(kandidat)
                elif Pasien.objects.filter(puskesmas=puskesmas, kunci_identitas=kunci).exists():
                    # The officer looked and says this namesake (same name, day, sex) is
                    # another person: the key stays with the first one.
                    kunci = ""
            pasien = Pasien.objects.create(
                puskesmas=puskesmas,
                no_rm=no_rm_berikutnya(puskesmas=puskesmas),
                nik=data.nik or None,
                nik_ibu=data.nik_ibu,
                no_bpjs=data.no_bpjs or None,
                nama=data.nama,
                nama_cari=normalisasi_nama(data.nama),
                nama_kunci=nama_kunci(data.nama),
                kunci_identitas=kunci,
                tanggal_lahir=data.tanggal_lahir,
                jenis_kelamin=data.jenis_kelamin,
                alamat=data.alamat,
                no_hp=data.no_hp,
                dibuat_oleh=oleh,
            )
            catat(user=oleh, aksi="pasien_buat", objek=pasien, puskesmas=puskesmas)
            return pasien
    except IntegrityError:
        # Another counter saved the same NIK/card (or, on a database without the lock, the same
        # identity key) a moment ago: show that patient.
        _cek_identitas_unik(puskesmas, data, kecuali=None)
        if kunci:
            sama = Pasien.objects.filter(puskesmas=puskesmas, kunci_identitas=kunci).first()
            if sama is not None:
                raise KemungkinanDuplikat([(sama, 100.0)]) from None
        raise


def _tahan_identitas(puskesmas: Puskesmas) -> None:
    """Serialise patient creation in this Puskesmas from the look-alike check to the commit.

    The lock is the Puskesmas row, the very row the No. RM counter updates: every creation
    takes it anyway, so this only moves it before the checks (a few ms) and adds no lock order
    of its own. (An advisory lock per birth date deadlocked against replay, which holds the
    Puskesmas row for its downtime episode before it creates patients.) FOR NO KEY UPDATE, not
    FOR UPDATE: it excludes the other lockers and the No. RM UPDATE alike, but not the
    foreign-key checks of other transactions' inserts — an online registration holding its
    unit's counter and inserting an outbox row would otherwise deadlock with a replay holding
    this row and waiting for that counter (tests/downtime/test_replay_serentak.py). On SQLite
    this is a no-op: it lets one writer at a time, and the identity key's unique constraint has
    the last word there as everywhere."""
    Puskesmas.objects.select_for_update(no_key=True).filter(pk=puskesmas.pk).first()


@transaction.atomic
def pasien_ubah(*, pasien: Pasien, data: DataPasien) -> Pasien:
    data = data.rapikan()
    galat = validasi_pasien(data, hari_ini=timezone.localdate())
    if galat:
        raise PendaftaranError(galat)
    _cek_identitas_unik(pasien.puskesmas, data, kecuali=pasien.pk)
    pasien.nik = data.nik or None
    pasien.nik_ibu = data.nik_ibu
    pasien.no_bpjs = data.no_bpjs or None
    pasien.nama = data.nama
    pasien.nama_cari = normalisasi_nama(data.nama)
    pasien.nama_kunci = nama_kunci(data.nama)
    kunci = ""
    if not data.nik:
        kunci = kunci_identitas(
            nama=data.nama, tanggal_lahir=data.tanggal_lahir, jenis_kelamin=data.jenis_kelamin
        )
        if (
            Pasien.objects.filter(puskesmas=pasien.puskesmas, kunci_identitas=kunci)
            .exclude(pk=pasien.pk)
            .exists()
        ):
            kunci = ""  # a namesake already holds it; the candidate check still finds both
    pasien.kunci_identitas = kunci
    pasien.tanggal_lahir = data.tanggal_lahir
    pasien.jenis_kelamin = data.jenis_kelamin
    pasien.alamat = data.alamat
    pasien.no_hp = data.no_hp
    pasien.save()
    catat(aksi="pasien_ubah", objek=pasien, puskesmas=pasien.puskesmas_id)  # who: the request
    # The queue lists show the name and are cached under the queue version (antrean/api.py).
    live.tandai_berubah(pasien.puskesmas_id)
    return pasien


# --- Visits ---------------------------------------------------------------------------------


def saran_untuk(*, pasien: Pasien, data: DataKunjungan, pada) -> routing.Saran:
    return routing.sarankan(
        umur=routing.umur_tahun(pasien.tanggal_lahir, pada),
        jenis_kelamin=pasien.jenis_kelamin,
        hamil=data.hamil,
        suspek_menular=data.suspek_menular,
        layanan_diminta="ugd" if data.darurat else data.layanan_diminta,
    )


@dataclass(frozen=True)
class HasilPendaftaran:
    kunjungan: Kunjungan
    baru: bool  # False when the client UUID was seen before: the same result is returned
    tiket: Tiket | None = None  # the ticket just issued (baru only): answer without a reload


# An online registration's own time may differ from the server's by network delay and a slightly
# wrong PC clock; beyond this the server's time is used.
WAKTU_KLIEN_DARING_MAKS = timedelta(minutes=2)


@dataclass(frozen=True)
class SudahDibaca:
    """What a caller read in the same statement as the patient (pendaftaran.api does): the
    visit made with this client UUID and an open visit of the patient in the unit on `tanggal`.
    Used only when `tanggal` is the day the service settles on; otherwise it reads again."""

    tanggal: date
    uuid_id: int | None
    ganda_id: int | None


def _waktu_acuan(dibuat_klien: datetime, sekarang: datetime, percaya_waktu_klien: bool) -> datetime:
    # Online, the patient is at the counter now: the day and the queue place follow the
    # server's clock, so a wrong PC clock (or a forged time) can neither file the visit under
    # another day nor move it ahead of others; the officer's time is kept as a record. Replay
    # checks the client's time against its own window first (downtime/waktu.py).
    if percaya_waktu_klien or abs(dibuat_klien - sekarang) <= WAKTU_KLIEN_DARING_MAKS:
        return dibuat_klien
    return sekarang


def hari_pendaftaran(dibuat_klien: datetime | None) -> date:
    """The day an online registration made at `dibuat_klien` (None: now) is filed under."""
    sekarang = timezone.now()
    return timezone.localdate(_waktu_acuan(dibuat_klien or sekarang, sekarang, False))


def pasien_dan_dibaca(
    *,
    puskesmas_id: int,
    pasien_id: int,
    client_uuid: uuid.UUID,
    unit_id: int,
    dibuat_klien: datetime | None = None,
) -> tuple[Pasien | None, SudahDibaca]:
    """The patient of this Puskesmas (None: not here) and, in the same statement, what
    kunjungan_daftar would read next for an online registration (`dibaca`): the visit with
    this client UUID and the patient's open visit in the unit that day."""
    tanggal = hari_pendaftaran(dibuat_klien)
    pasien, uuid_id, ganda_id = selectors.pasien_untuk_kunjungan(
        puskesmas_id=puskesmas_id,
        pasien_id=pasien_id,
        client_uuid=client_uuid,
        unit_id=unit_id,
        tanggal=tanggal,
    )
    return pasien, SudahDibaca(tanggal, uuid_id, ganda_id)


def kunjungan_daftar(
    *,
    puskesmas: Puskesmas,
    pasien: Pasien,
    unit: UnitLayanan,
    data: DataKunjungan,
    client_uuid: uuid.UUID,
    oleh=None,
    loket: Loket | None = None,
    dibuat_klien: datetime | None = None,
    sumber: str = Sumber.LOKET,
    mode_downtime: bool = False,
    nomor_antrean: int | None = None,
    tanggal: date | None = None,
    percaya_waktu_klien: bool = False,
    dibaca: SudahDibaca | None = None,
) -> HasilPendaftaran:
    """Register a visit and put the patient in the unit's queue — exactly once per client UUID.

    A repeat of a UUID (a retried POST, a replay after the network came back) returns the visit
    made the first time, without validating or numbering again. `tanggal` is given only for a
    booking for a later day (Mobile JKN): the visit and its number belong to that day's queue.
    """
    sekarang = timezone.now()
    dibuat_klien = dibuat_klien or sekarang
    waktu_acuan = _waktu_acuan(dibuat_klien, sekarang, percaya_waktu_klien)
    hari_daftar = timezone.localdate(waktu_acuan)
    tanggal = tanggal or hari_daftar
    if dibaca is not None and dibaca.tanggal == tanggal:
        ada, ganda = _kunjungan_pk(dibaca.uuid_id), _kunjungan_pk(dibaca.ganda_id)
    else:
        # One read answers both "seen this UUID?" and "already an open visit there that day?".
        ada, ganda = _uuid_dan_ganda(client_uuid, pasien=pasien, unit_id=unit.pk, tanggal=tanggal)
    if ada is not None:
        return _hasil_ulang(ada, puskesmas)
    if pasien.puskesmas_id != puskesmas.pk:
        raise PendaftaranError({"pasien": ["Pasien tidak ditemukan di Puskesmas ini."]})
    if unit.puskesmas_id != puskesmas.pk or not unit.aktif:
        raise PendaftaranError({"unit": ["Unit layanan tidak tersedia di Puskesmas ini."]})
    galat = validasi_kunjungan(
        data,
        jenis_kelamin=pasien.jenis_kelamin,
        no_bpjs=pasien.no_bpjs,
        nik=pasien.nik,
        dibuat_klien=dibuat_klien,
        sekarang=sekarang,
    )
    if galat:
        raise PendaftaranError(galat)
    if tanggal < hari_daftar:
        raise PendaftaranError({"tanggal": ["Tanggal kunjungan tidak boleh sebelum hari ini."]})
    # A booking joins its day's queue when that day starts, not days before it is served.
    waktu_masuk = waktu_acuan if tanggal == hari_daftar else awal_hari(tanggal)
    if ganda is not None:
        raise KunjunganGanda(ganda)

    if not mode_downtime and tanggal == hari_daftar:
        # A visit registered online while an admin has declared downtime is flagged like an
        # offline one, so the ledger counts it and the ERM knows to re-check it. From the
        # reference cache: a declaration's save reaches every process within a second.
        mode_downtime = (
            rujukan.downtime_deklarasi(puskesmas.pk, loket.pk if loket else None) is not None
        )
    try:
        with transaction.atomic():
            kunjungan = kunjungan_baru(
                puskesmas=puskesmas,
                pasien=pasien,
                unit=unit,
                data=data,
                client_uuid=client_uuid,
                tanggal=tanggal,
                sumber=sumber,
                mode_downtime=mode_downtime,
                oleh=oleh,
                loket=loket,
                dibuat_klien=dibuat_klien,
            )
            sisip(kunjungan)
            tiket = tiket_terbitkan(
                kunjungan=kunjungan,
                unit=unit,
                waktu_masuk=waktu_masuk,
                oleh=oleh,
                nomor=nomor_antrean,
                # Made offline or on paper and arriving now: queued by when the patient came.
                luring=sumber in (Sumber.OFFLINE, Sumber.SUSULAN),
            )
            # Each bridge (BPJS, SATUSEHAT) writes its outbox rows in this same transaction.
            peristiwa.kunjungan_terdaftar.terbitkan(kunjungan=kunjungan, tiket=tiket)
            catat(user=oleh, aksi="kunjungan_buat", objek=kunjungan, puskesmas=puskesmas)
    except IntegrityError:
        # The same UUID raced in from a second request: that one won, return its result.
        # Or another counter registered this patient in this unit at the same instant.
        ada = _kunjungan_dengan_uuid(client_uuid)
        if ada is not None:
            return _hasil_ulang(ada, puskesmas)
        ganda = selectors.kunjungan_terbuka_hari_ini(
            pasien=pasien, unit_id=unit.pk, tanggal=tanggal
        )
        if ganda is not None:
            raise KunjunganGanda(ganda) from None
        raise
    return HasilPendaftaran(kunjungan=kunjungan, baru=True, tiket=tiket)


def kunjungan_baru(
    *,
    puskesmas: Puskesmas,
    pasien: Pasien,
    unit: UnitLayanan,
    data: DataKunjungan,
    client_uuid: uuid.UUID,
    tanggal: date,
    sumber: str,
    mode_downtime: bool,
    oleh=None,
    loket: Loket | None = None,
    dibuat_klien: datetime | None = None,
    units: list[UnitLayanan] | None = None,
) -> Kunjungan:
    """The visit row kunjungan_daftar saves, with its cluster suggestion, unsaved: a replayed
    batch (downtime/replay/serentak.py) saves many at once after the same checks, reading the
    active units (`units`) once for all of them."""
    saran = saran_untuk(pasien=pasien, data=data, pada=tanggal)
    unit_saran = unit_untuk_saran(puskesmas=puskesmas, saran=saran, units=units)
    return buat(
        Kunjungan,
        client_uuid=client_uuid,
        puskesmas=puskesmas,
        pasien=pasien,
        tanggal=tanggal,
        unit=unit,
        klaster_id=unit.klaster_id,
        layanan_saran=saran.layanan,
        alasan_saran=saran.alasan,
        saran_diubah=unit_saran is not None and unit_saran.pk != unit.pk,
        penjamin=data.penjamin,
        keluhan=data.keluhan.strip(),
        hamil=data.hamil,
        suspek_menular=data.suspek_menular,
        disabilitas=data.disabilitas,
        darurat=data.darurat,
        gagal_daftar_online=data.gagal_daftar_online,
        sumber=sumber,
        mode_downtime=mode_downtime,
        petugas=oleh,
        loket=loket,
        dibuat_klien=dibuat_klien,
    )


def awal_hari(tanggal: date) -> datetime:
    """Local midnight of `tanggal`, aware."""
    return timezone.make_aware(datetime.combine(tanggal, time.min))


def _kunjungan_dengan_uuid(client_uuid: uuid.UUID) -> Kunjungan | None:
    return Kunjungan.objects.filter(client_uuid=client_uuid).first()


def _kunjungan_pk(pk: int | None) -> Kunjungan | None:
    return Kunjungan.objects.filter(pk=pk).first() if pk is not None else None


def _uuid_dan_ganda(
    client_uuid: uuid.UUID, *, pasien: Pasien, unit_id: int, tanggal: date
) -> tuple[Kunjungan | None, Kunjungan | None]:
    """(the visit made with this UUID, another open visit of the patient in the unit that day)
    in one statement; both are unique (the UUID column, kunjungan_sekali_per_unit_hari), so it
    returns at most two rows. A concurrent request with this UUID that committed is found as
    the first, never mistaken for a second visit."""
    ada = ganda = None
    for k in Kunjungan.objects.filter(
        Q(client_uuid=client_uuid)
        | (Q(pasien=pasien, unit_id=unit_id, tanggal=tanggal) & ~Q(status=StatusKunjungan.BATAL))
    ):
        if str(k.client_uuid) == str(client_uuid):
            ada = k
        else:
            ganda = k
    return ada, ganda


def _hasil_ulang(kunjungan: Kunjungan, puskesmas: Puskesmas) -> HasilPendaftaran:
    if kunjungan.puskesmas_id != puskesmas.pk:
        # A UUID is global; never reveal another Puskesmas' visit.
        raise PendaftaranError({"client_uuid": ["UUID klien sudah dipakai."]})
    return HasilPendaftaran(kunjungan=kunjungan, baru=False)


@transaction.atomic
def kunjungan_batal(*, kunjungan: Kunjungan, oleh, alasan: str) -> Kunjungan:
    """Cancel a visit and its open tickets. Recorded, never deleted."""
    alasan = (alasan or "").strip()
    if not alasan:
        raise PendaftaranError({"alasan": ["Alasan pembatalan wajib diisi."]})
    kunjungan = Kunjungan.objects.select_for_update().get(pk=kunjungan.pk)
    if kunjungan.status == StatusKunjungan.BATAL:
        return kunjungan
    if kunjungan.status == StatusKunjungan.SELESAI:
        raise PendaftaranError({"status": ["Kunjungan yang sudah selesai tidak dapat dibatalkan."]})
    kunjungan.status = StatusKunjungan.BATAL
    kunjungan.alasan_batal = alasan[:200]
    kunjungan.dibatalkan_pada = timezone.now()
    kunjungan.dibatalkan_oleh = oleh
    kunjungan.save(update_fields=["status", "alasan_batal", "dibatalkan_pada", "dibatalkan_oleh"])
    # Through the queue's own transition so each ticket is logged and the poli/TV screens see it.
    from antrean.services import batal_kunjungan

    batal_kunjungan(kunjungan=kunjungan, alasan=kunjungan.alasan_batal, oleh=oleh)
    peristiwa.kunjungan_batal.terbitkan(kunjungan=kunjungan)  # each bridge undoes its part
    catat(user=oleh, aksi="kunjungan_batal", objek=kunjungan, puskesmas=kunjungan.puskesmas_id)
    return kunjungan
