"""One entry taken to exactly one outcome, in its own transaction: the per-entry path. It is
the reference the set-wise batch (batch.py) falls back to for every entry whose outcome is not
plainly known.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from antrean import live
from antrean import services as antrean_services
from antrean.models import Tiket
from antrean.services import format_kode
from config.security import JsonTerlaluRumit
from config.sisip import buat
from pendaftaran.models import Kunjungan, Pasien
from pendaftaran.nama import sama as nama_sama
from pendaftaran.services import (
    KemungkinanDuplikat,
    KunjunganGanda,
    PasienSudahAda,
    PendaftaranError,
    kunjungan_daftar,
    pasien_buat,
)
from pendaftaran.validasi import DataPasien
from puskesmas.models import Loket, Puskesmas

from .. import services
from ..models import (
    AlasanTinjau,
    BlokNomorOffline,
    EntriReplay,
    EpisodeDowntime,
    StatusEntri,
    SumberEntri,
)
from .urai import Urai, _periksa_waktu, _uuid, entri_bersih, urai_entri, urai_waktu

logger = logging.getLogger(__name__)

BATAS_BATCH = 200
# Not an outcome: the server could not process the entry now (database trouble). The browser
# keeps it in its outbox and sends it again; nothing was stored.
GAGAL_SEMENTARA = "gagal_sementara"
SUMBER = frozenset(SumberEntri.values)  # `.values` builds a list on every call


class Tinjau(Exception):
    """The entry needs a person: a conflicting identity or look-alike patients."""

    def __init__(self, alasan: str, pesan: str, kandidat: list[int]):
        super().__init__(pesan)
        self.alasan, self.pesan, self.kandidat = alasan, pesan, kandidat


# The review outcomes known from the patients holding an entry's identity; the set-wise batch
# (serentak.py) decides the same ones from its one read of the batch.


def tinjau_ibu(ibu: Pasien, data: DataPasien) -> Tinjau:
    """The NIK typed is a mother's (urai._ibu_pemilik_nik)."""
    return Tinjau(
        AlasanTinjau.KONFLIK_NIK,
        f"NIK ini milik {ibu.nama} (RM {ibu.no_rm}), lahir {ibu.tanggal_lahir:%d-%m-%Y}: "
        f"kemungkinan {data.nama} adalah bayi/anaknya yang didaftarkan dengan NIK ibu. "
        "Pilih 'Pisahkan' untuk mencatatnya dengan NIK ibu.",
        [ibu.pk],
    )


def tinjau_nik_kartu(oleh_nik: Pasien, oleh_kartu: Pasien) -> Tinjau:
    """The NIK is one patient's, the BPJS card another's."""
    return Tinjau(
        AlasanTinjau.KONFLIK_NIK,
        f"NIK milik {oleh_nik.nama} (RM {oleh_nik.no_rm}), tetapi No. kartu BPJS milik "
        f"{oleh_kartu.nama} (RM {oleh_kartu.no_rm}).",
        [oleh_nik.pk, oleh_kartu.pk],
    )


def tinjau_orang_lain(ada: Pasien, data: DataPasien, *, oleh_nik: bool) -> Tinjau:
    """The NIK (or card) is held by a patient of another name or birth date."""
    label = "NIK" if oleh_nik else "No. kartu BPJS"
    return Tinjau(
        AlasanTinjau.KONFLIK_NIK,
        f"{label} ini sudah terdaftar atas nama {ada.nama} (RM {ada.no_rm}), lahir "
        f"{ada.tanggal_lahir:%d-%m-%Y}; entri luring: {data.nama}, lahir "
        f"{data.tanggal_lahir:%d-%m-%Y}.",
        [ada.pk],
    )


# --- Processing one entry -------------------------------------------------------------------


def _pasien_untuk(entri: EntriReplay, u: Urai, oleh) -> tuple[Pasien, str]:
    """Which patient this entry is about, and whether that makes it 'dibuat' or 'dilampirkan'.
    Raises Tinjau when a person has to decide."""
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
        raise tinjau_ibu(u.ibu, data)
    oleh_nik = Pasien.objects.filter(puskesmas=pkm, nik=data.nik).first() if data.nik else None
    oleh_kartu = (
        Pasien.objects.filter(puskesmas=pkm, no_bpjs=data.no_bpjs).first() if data.no_bpjs else None
    )
    if oleh_nik and oleh_kartu and oleh_nik.pk != oleh_kartu.pk:
        raise tinjau_nik_kartu(oleh_nik, oleh_kartu)
    ada = oleh_nik or oleh_kartu
    if ada is not None:
        if ada.tanggal_lahir == data.tanggal_lahir and nama_sama(data.nama, ada.nama):
            return ada, StatusEntri.DILAMPIRKAN
        raise tinjau_orang_lain(ada, data, oleh_nik=ada is oleh_nik)
    try:
        # The look-alike check runs inside pasien_buat, under its identity lock: a second loket
        # replaying the same new person at the same moment waits and lands here, in review.
        return pasien_buat(puskesmas=pkm, data=data, oleh=oleh), StatusEntri.DIBUAT
    except KemungkinanDuplikat as e:
        raise Tinjau(
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
        raise Tinjau(AlasanTinjau.KONFLIK_NIK, pesan, [ada.pk]) from e


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
                # The poli panel and the TV show the printed number beside the queue's.
                live.tandai_berubah(sudah.puskesmas_id, unit_id=tiket.unit_id)
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
    except Tinjau as t:
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


def hasil_json(
    entri: EntriReplay, *, ulang: bool, tiket_pertama: dict[int, Tiket] | None = None
) -> dict:
    """The per-entry answer. Built from the stored row, so a repeat answers the same.
    `tiket_pertama`: each visit's first ticket by visit id, when the caller has read or just
    written them for a whole batch (serentak.py); otherwise each is read here."""

    def pertama(k: Kunjungan) -> Tiket | None:
        return tiket_pertama.get(k.pk) if tiket_pertama is not None else k.tiket_pertama

    tiket = None
    if entri.kunjungan_id:
        t = pertama(entri.kunjungan)
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
        t = pertama(k)
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


def entri_baru(
    cu: uuid.UUID, payload: dict, u: Urai, *, puskesmas: Puskesmas, pengirim, sumber: str, **kolom
) -> EntriReplay:
    """An entry's row, unsaved, as read from its payload; `kolom` sets its outcome fields."""
    return buat(
        EntriReplay,
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
        **kolom,
    )


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
        payload = entri_bersih(payload)
    except JsonTerlaluRumit as e:
        cu = payload.get("client_uuid")
        return _tolak_tanpa_simpan(cu if isinstance(cu, str) else None, str(e), bidang="entri")
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
    if payload.get("mode") in SUMBER:
        sumber = payload["mode"]
    if sumber not in SUMBER:
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
            entri = entri_baru(
                cu,
                payload,
                u,
                puskesmas=puskesmas,
                pengirim=pengirim,
                sumber=sumber,
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
