"""Where a registration is validated. Pure functions over plain data, shared by the loket forms,
the JSON API and offline replay so a patient is judged by the same rules on every path.

Every message is Indonesian and names the field, because the officer reading it has a queue in
front of them and must know at a glance what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import nik as nik_rules
from .models import JenisKelamin, Penjamin

UMUR_MAKS = 130
NAMA_MAKS = 150
# Choices' `.values` builds a list on every call; these are asked once per entry of a batch.
_JENIS_KELAMIN = frozenset(JenisKelamin.values)
PENJAMIN = frozenset(Penjamin.values)

Galat = dict[str, list[str]]  # field name -> messages


@dataclass
class DataPasien:
    nama: str
    tanggal_lahir: date | None
    jenis_kelamin: str
    nik: str = ""
    nik_ibu: str = ""
    no_bpjs: str = ""
    alamat: str = ""
    no_hp: str = ""

    def rapikan(self) -> DataPasien:
        """Normalise what people type: spaces around, separators inside numbers."""
        return DataPasien(
            nama=" ".join((self.nama or "").split()),
            tanggal_lahir=self.tanggal_lahir,
            jenis_kelamin=(self.jenis_kelamin or "").upper().strip(),
            nik=nik_rules.bersihkan(self.nik or ""),
            nik_ibu=nik_rules.bersihkan(self.nik_ibu or ""),
            no_bpjs=nik_rules.bersihkan(self.no_bpjs or ""),
            alamat=" ".join((self.alamat or "").split()),
            no_hp=nik_rules.bersihkan(self.no_hp or "").replace("+62", "0", 1),
        )


@dataclass
class DataKunjungan:
    penjamin: str
    keluhan: str = ""
    hamil: bool = False
    suspek_menular: bool = False
    disabilitas: bool = False
    darurat: bool = False
    gagal_daftar_online: bool = False
    layanan_diminta: str = ""


def _tambah(galat: Galat, nama_field: str, pesan: str) -> None:
    galat.setdefault(nama_field, []).append(pesan)


def validasi_pasien(data: DataPasien, *, hari_ini: date) -> Galat:
    """Check a (tidied) patient. Returns field → messages; empty means valid."""
    galat: Galat = {}
    if not data.nama:
        _tambah(galat, "nama", "Nama wajib diisi.")
    elif len(data.nama) > NAMA_MAKS:
        _tambah(galat, "nama", f"Nama terlalu panjang (maksimal {NAMA_MAKS} karakter).")
    elif not any(ch.isalpha() for ch in data.nama):
        _tambah(galat, "nama", "Nama harus berisi huruf.")

    if data.jenis_kelamin not in _JENIS_KELAMIN:
        _tambah(galat, "jenis_kelamin", "Jenis kelamin wajib dipilih: L atau P.")

    if data.tanggal_lahir is None:
        _tambah(galat, "tanggal_lahir", "Tanggal lahir wajib diisi.")
    elif data.tanggal_lahir > hari_ini:
        _tambah(galat, "tanggal_lahir", "Tanggal lahir tidak boleh di masa depan.")
    elif hari_ini.year - data.tanggal_lahir.year > UMUR_MAKS:
        _tambah(galat, "tanggal_lahir", f"Tanggal lahir lebih dari {UMUR_MAKS} tahun lalu.")

    if data.nik:
        try:
            info = nik_rules.urai(data.nik)
        except nik_rules.NikTidakValid as e:
            _tambah(galat, "nik", str(e))
        else:
            if "tanggal_lahir" not in galat and "jenis_kelamin" not in galat:
                for pesan in nik_rules.ketidakcocokan(
                    info, tanggal_lahir=data.tanggal_lahir, jenis_kelamin=data.jenis_kelamin
                ):
                    _tambah(galat, "nik", pesan)
    if data.nik_ibu:
        try:
            info_ibu = nik_rules.urai(data.nik_ibu)
        except nik_rules.NikTidakValid as e:
            _tambah(galat, "nik_ibu", f"NIK ibu: {e}")
        else:
            if info_ibu.jenis_kelamin != "P":
                _tambah(galat, "nik_ibu", "NIK ibu harus NIK perempuan (tanggal lahir + 40).")
        if data.nik and data.nik == data.nik_ibu:
            _tambah(galat, "nik_ibu", "NIK ibu sama dengan NIK pasien; kosongkan salah satu.")

    if data.no_bpjs:
        try:
            nik_rules.valid_bpjs(data.no_bpjs)
        except nik_rules.NikTidakValid as e:
            _tambah(galat, "no_bpjs", str(e))

    if data.no_hp and not (
        data.no_hp.isascii() and data.no_hp.isdigit() and 8 <= len(data.no_hp) <= 15
    ):
        _tambah(galat, "no_hp", "No. HP harus 8–15 digit angka, mis. 081234567890.")
    if len(data.alamat) > 255:
        _tambah(galat, "alamat", "Alamat terlalu panjang (maksimal 255 karakter).")
    return galat


def validasi_kunjungan(
    data: DataKunjungan,
    *,
    jenis_kelamin: str,
    no_bpjs: str | None,
    nik: str | None = None,
    dibuat_klien: datetime | None = None,
    sekarang: datetime | None = None,
) -> Galat:
    galat: Galat = {}
    if data.penjamin not in PENJAMIN:
        _tambah(galat, "penjamin", "Penjamin wajib dipilih: BPJS atau umum.")
    elif data.penjamin == Penjamin.BPJS and not no_bpjs and not nik:
        # A lost card is fine when the NIK is known: BPJS finds the participant by NIK and the
        # bridge fills the card number in (bpjs_bridge.services._cek_peserta).
        _tambah(
            galat,
            "penjamin",
            "Pasien belum punya No. kartu BPJS maupun NIK. Isi salah satunya di data pasien "
            "atau pilih umum.",
        )
    if data.hamil and jenis_kelamin != "P":
        _tambah(galat, "hamil", "Pasien laki-laki tidak dapat ditandai hamil.")
    if len(data.keluhan or "") > 500:
        _tambah(galat, "keluhan", "Keluhan terlalu panjang (maksimal 500 karakter).")
    if dibuat_klien is not None and sekarang is not None:
        if dibuat_klien > sekarang + timedelta(minutes=10):
            _tambah(galat, "dibuat_klien", "Waktu pendaftaran di loket ada di masa depan.")
        elif dibuat_klien < sekarang - timedelta(days=31):
            _tambah(galat, "dibuat_klien", "Waktu pendaftaran lebih dari 31 hari yang lalu.")
    return galat
