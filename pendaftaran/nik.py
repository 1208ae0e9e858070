"""NIK (Nomor Induk Kependudukan) checks, in the officer's language.

Structure: 16 digits, a province code in use, a DDMMYY birth date with +40 on the day for
women, a non-zero serial. python-stdnum parses the birth date; its region table predates the
2012 (Kalimantan Utara, 65) and 2022 (Papua, 92–97) splits, so the province list is our own,
kept as data below and to be checked against Dukcapil's current list. What stdnum does not
do is compare the NIK with what the officer typed as birth date and sex — a mismatch there is
almost always a typing error, so it is refused with a message saying which part disagrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik

BULAN = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


@dataclass(frozen=True)
class NikInfo:
    nik: str
    kode_wilayah: str  # province + regency, digits 1–4
    hari: int
    bulan: int
    tahun_2digit: int
    jenis_kelamin: str  # "L" or "P"

    def tanggal_teks(self) -> str:
        return f"{self.hari:02d} {BULAN[self.bulan - 1]} ..{self.tahun_2digit:02d}"


class NikTidakValid(ValueError):
    """The NIK itself is malformed. `args[0]` is the Indonesian message."""


def bersihkan(nilai: str) -> str:
    return "".join(ch for ch in (nilai or "") if not ch.isspace() and ch not in "-.")


# Province codes in use (domain notes): Sumatra 11–19, Jakarta–Jawa–Banten 31–36, Bali–Nusa
# Tenggara 51–53, Kalimantan 61–65, Sulawesi 71–76, Maluku 81–82, Papua 91–97, Kepri 21.
PROVINSI = frozenset(
    [
        *range(11, 20),
        21,
        *range(31, 37),
        *range(51, 54),
        *range(61, 66),
        *range(71, 77),
        81,
        82,
        *range(91, 98),
    ]
)


def _wilayah_dikenal(nik: str) -> bool:
    return int(nik[:2]) in PROVINSI and nik[2:4] != "00"


def urai(nilai: str) -> NikInfo:
    """Parse a NIK or raise NikTidakValid with a message that names what is wrong."""
    nik = bersihkan(nilai)
    if not nik.isascii() or not nik.isdigit() or len(nik) != 16:  # "²", "١" are isdigit()
        raise NikTidakValid(f"NIK harus 16 digit angka (terisi {len(nik)} karakter).")
    if not _wilayah_dikenal(nik):
        raise NikTidakValid(
            f"Kode provinsi/kabupaten NIK ({nik[:2]}.{nik[2:4]}) tidak dikenal. "
            "Periksa 4 digit pertama."
        )
    hari_kode = int(nik[6:8])
    perempuan = hari_kode > 40
    try:
        stdnum_nik.get_birth_date(nik)
    except StdnumError:
        raise NikTidakValid(
            "Bagian tanggal lahir pada NIK (digit 7–12) bukan tanggal yang ada."
        ) from None
    if nik[12:] == "0000":
        raise NikTidakValid("Nomor urut NIK (4 digit terakhir) tidak boleh 0000.")
    return NikInfo(
        nik=nik,
        kode_wilayah=nik[:4],
        hari=hari_kode - 40 if perempuan else hari_kode,
        bulan=int(nik[8:10]),
        tahun_2digit=int(nik[10:12]),
        jenis_kelamin="P" if perempuan else "L",
    )


def ketidakcocokan(
    info: NikInfo, *, tanggal_lahir: date | None, jenis_kelamin: str | None
) -> list[str]:
    """Messages for each way the NIK disagrees with the typed birth date and sex."""
    pesan = []
    if tanggal_lahir is not None and (
        (info.hari, info.bulan, info.tahun_2digit)
        != (tanggal_lahir.day, tanggal_lahir.month, tanggal_lahir.year % 100)
    ):
        pesan.append(
            f"NIK menunjukkan lahir {info.tanggal_teks()}, tetapi tanggal lahir diisi "
            f"{tanggal_lahir:%d-%m-%Y}. Periksa NIK atau tanggal lahir."
        )
    if jenis_kelamin in ("L", "P") and jenis_kelamin != info.jenis_kelamin:
        nik_jk = "perempuan" if info.jenis_kelamin == "P" else "laki-laki"
        diisi = "perempuan" if jenis_kelamin == "P" else "laki-laki"
        pesan.append(
            f"NIK menunjukkan jenis kelamin {nik_jk} (perempuan: tanggal + 40), "
            f"tetapi jenis kelamin diisi {diisi}."
        )
    return pesan


def valid_bpjs(nilai: str) -> str:
    """A JKN-KIS card number: 13 digits kept as text (leading zeros matter). No checksum is
    published, so none is invented."""
    nomor = bersihkan(nilai)
    if not nomor.isascii() or not nomor.isdigit() or len(nomor) != 13:
        raise NikTidakValid(f"Nomor kartu BPJS harus 13 digit angka (terisi {len(nomor)}).")
    return nomor
