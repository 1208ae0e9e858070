"""The admin's review decisions on an entry that needed a person: merge, keep separate, correct."""

from __future__ import annotations

import logging

from django.db import transaction

from audit.services import catat
from pendaftaran.models import Pasien
from pendaftaran.services import (
    PendaftaranError,
    pasien_buat,
    pasien_ubah,
)
from pendaftaran.validasi import DataPasien

from .. import services
from ..models import (
    EntriReplay,
    Keputusan,
    KeputusanTinjau,
    StatusEntri,
)
from .entri import _jalankan
from .urai import Urai, urai_entri

logger = logging.getLogger(__name__)

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
