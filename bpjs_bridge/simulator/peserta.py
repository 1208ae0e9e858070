"""Deterministic synthetic JKN participants, shared by the simulator and the app's demo data.

Everything derives from `random.Random(seed)` and a fixed reference date, so the same seed gives
the same people on every machine and every day. Nobody here is a real person.

Categories (`kategori`):
* ``aktif``: active, registered at our FKTP (`KD_PROVIDER_KAMI`).
* ``tidak_aktif``: `aktif` false, `ket_aktif` "TIDAK AKTIF".
* ``menunggak``: arrears of a self-paying member: `aktif` false, "MENUNGGAK", `tunggakan` > 0.
* ``fktp_lain``: active but registered at another FKTP.
* ``nik_saja``: active at our FKTP, but the patient has lost the card, so the app only knows
  the NIK (`no_kartu_dikenal` False). BPJS still has the card number, and a NIK lookup returns
  it; demo data for the app should leave the card number empty for these people.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

__all__ = [
    "KATEGORI",
    "KD_PROVIDER_KAMI",
    "NM_PROVIDER_KAMI",
    "PROVINSI",
    "REFERENCE_DATE",
    "generate_participants",
    "nik_birth_parts",
]

KD_PROVIDER_KAMI = "0114U163"
NM_PROVIDER_KAMI = "PUSKESMAS SUKAMAJU"
# Ages are computed against this date, not today, so output never drifts.
REFERENCE_DATE = date(2026, 1, 1)

# Real province codes as used in the first two NIK digits.
PROVINSI: dict[str, str] = {
    "11": "ACEH", "12": "SUMATERA UTARA", "13": "SUMATERA BARAT", "14": "RIAU", "15": "JAMBI",
    "16": "SUMATERA SELATAN", "17": "BENGKULU", "18": "LAMPUNG", "19": "KEPULAUAN BANGKA BELITUNG",
    "21": "KEPULAUAN RIAU", "31": "DKI JAKARTA", "32": "JAWA BARAT", "33": "JAWA TENGAH",
    "34": "DI YOGYAKARTA", "35": "JAWA TIMUR", "36": "BANTEN", "51": "BALI",
    "52": "NUSA TENGGARA BARAT", "53": "NUSA TENGGARA TIMUR", "61": "KALIMANTAN BARAT",
    "62": "KALIMANTAN TENGAH", "63": "KALIMANTAN SELATAN", "64": "KALIMANTAN TIMUR",
    "65": "KALIMANTAN UTARA", "71": "SULAWESI UTARA", "72": "SULAWESI TENGAH",
    "73": "SULAWESI SELATAN", "74": "SULAWESI TENGGARA", "75": "GORONTALO",
    "76": "SULAWESI BARAT", "81": "MALUKU", "82": "MALUKU UTARA", "91": "PAPUA",
    "92": "PAPUA BARAT", "93": "PAPUA SELATAN", "94": "PAPUA TENGAH", "95": "PAPUA PEGUNUNGAN",
    "96": "PAPUA BARAT DAYA", "97": "PAPUA",
}  # fmt: skip
# Our catchment: most residents carry a local NIK (Jawa Barat, one kabupaten, a few kecamatan).
_LOCAL_PROV, _LOCAL_KAB, _LOCAL_KEC = "32", "04", ("10", "11", "12", "19", "20")

KATEGORI = ("aktif", "tidak_aktif", "menunggak", "fktp_lain", "nik_saja")
_KATEGORI_WEIGHTS = (72, 8, 7, 7, 6)

_LAKI = (
    "AGUS", "BUDI", "DEDI", "EKO", "FAJAR", "GILANG", "HENDRA", "IRFAN", "JOKO", "KURNIAWAN",
    "LUKMAN", "MUHAMMAD", "NANANG", "OKI", "PRIYO", "RIZKY", "SLAMET", "TAUFIK", "UJANG", "WAHYU",
    "YUSUF", "ZAINAL", "ADI", "BAYU", "DIMAS", "ASEP", "CECEP", "DADANG", "ENDANG", "HERI",
    "IWAN", "RAHMAT", "SUPRIYADI", "TEGUH", "ARIF", "ILHAM", "FARHAN", "RAFI", "ALDI", "ANDI",
)  # fmt: skip
_PEREMPUAN = (
    "ANI", "DEWI", "FITRI", "INDAH", "KARTIKA", "LESTARI", "MAYA", "NUR", "PUTRI", "RATNA",
    "SITI", "TUTI", "WULAN", "YULIA", "AISYAH", "CITRA", "DIAN", "EKA", "FARAH", "GITA",
    "HANA", "INTAN", "LILIS", "NENG", "NENDEN", "IMAS", "ENOK", "RINA", "SRI", "SUSI",
    "TITIN", "UMI", "YANTI", "NABILA", "ZAHRA", "SALSABILA", "ANISA", "RARA", "AYU", "NOVI",
)  # fmt: skip
_BELAKANG = (
    "", "", "", "", "SAPUTRA", "SETIAWAN", "HIDAYAT", "NURHAYATI", "KUSUMA", "WIJAYA", "PRATAMA",
    "RAHAYU", "SURYADI", "HERMAWAN", "PERMANA", "GUNAWAN", "SUHENDAR", "RAMADHAN", "FAUZI",
    "SIREGAR", "NASUTION", "SIMANJUNTAK", "HARAHAP", "LUBIS", "SUGIARTO", "WIBOWO", "SANTOSO",
    "NUGROHO", "HASIBUAN", "MARPAUNG", "TANJUNG", "SUMARNA", "KURNIA", "FIRMANSYAH", "MAULANA",
)  # fmt: skip
_JALAN = (
    "MERDEKA", "SUKAMAJU", "CIBADAK", "RAYA BANJARAN", "MELATI", "MAWAR", "KENANGA", "CEMPAKA",
    "PASIR KOJA", "SUKASARI", "BOJONGSOANG", "CIPAGALO", "LEUWI PANJANG", "GATOT SUBROTO",
)  # fmt: skip
_KELURAHAN = (
    "SUKAMAJU", "MEKARSARI", "CIBIRU", "BOJONGSARI", "SUKAJADI", "CANGKUANG", "PAMEUNGPEUK",
    "BANJARAN WETAN", "TARAJUSARI", "MARGAHAYU",
)  # fmt: skip
_OPERATOR = ("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0857", "0856", "0878",
             "0877", "0817", "0818", "0819", "0838", "0895", "0896", "0881", "0882")  # fmt: skip
_FKTP_LAIN = (
    ("0114U051", "PUSKESMAS CIBIRU"),
    ("0114U074", "PUSKESMAS BANJARAN DTP"),
    ("0114B012", "KLINIK PRATAMA MEDIKA"),
    ("0114R019", "DR. HENDRA KUSUMA (DOKTER PRAKTIK)"),
)
# (kode, nama, weight) as seen in PCare samples.
_JENIS_PESERTA = (
    ("21", "PBI (APBN)", 34), ("22", "PBI (APBD)", 14), ("13", "PEGAWAI SWASTA", 22),
    ("14", "PEKERJA MANDIRI", 18), ("11", "PNS DAERAH", 6), ("15", "PENERIMA PENSIUN PNS", 6),
)  # fmt: skip
_MANDIRI = ("14", "PEKERJA MANDIRI")
_KELAS = {"1": "KELAS I", "2": "KELAS II", "3": "KELAS III"}
_IURAN = {"1": 150_000, "2": 100_000, "3": 35_000}  # monthly contribution per class
# Population pyramid-ish weights for 5-year age bands 0-4 ... 85-89.
_AGE_BAND_WEIGHTS = (9, 9, 9, 8, 8, 8, 8, 8, 7, 7, 6, 5, 4, 3, 2, 1.4, 0.8, 0.4)


def _nik(rng: random.Random, tgl_lahir: date, sex: str) -> str:
    if rng.random() < 0.85:
        prov, kab, kec = _LOCAL_PROV, _LOCAL_KAB, rng.choice(_LOCAL_KEC)
    else:
        prov = rng.choice(sorted(PROVINSI))
        # Regencies are numbered 01..; cities from 71 up.
        kab = f"{rng.randint(1, 20):02d}" if rng.random() < 0.8 else f"{rng.randint(71, 79)}"
        kec = f"{rng.randint(1, 30):02d}"
    day = tgl_lahir.day + (40 if sex == "P" else 0)  # women: day + 40
    serial = rng.randint(1, 9999)
    return f"{prov}{kab}{kec}{day:02d}{tgl_lahir.month:02d}{tgl_lahir.year % 100:02d}{serial:04d}"


def nik_birth_parts(nik: str) -> tuple[int, int, int, str]:
    """(day, month, two-digit year, sex) encoded in NIK digits 7-12; women have day + 40."""
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if day > 40 else "L"
    return (day - 40 if sex == "P" else day), month, yy, sex


def _birth_date(rng: random.Random) -> date:
    band = rng.choices(range(len(_AGE_BAND_WEIGHTS)), weights=_AGE_BAND_WEIGHTS)[0]
    age_days = int((band * 5 + rng.random() * 5) * 365.25)
    return REFERENCE_DATE - timedelta(days=max(age_days, 1))


def _no_kartu(rng: random.Random) -> str:
    # Old ASKES-era numbers start 00000...; newer JKN numbers 0001/0002/0003...
    if rng.random() < 0.2:
        return f"00000{rng.randint(0, 99_999_999):08d}"
    return f"000{rng.randint(1, 3)}{rng.randint(0, 999_999_999):09d}"


def generate_participants(seed: int = 2026, count: int = 3000) -> list[dict[str, Any]]:
    """Synthetic participants; pure and deterministic for a given (seed, count).

    Each dict has at least: nik, no_kartu, nama, sex ("L"/"P"), tgl_lahir (date), alamat, no_hp,
    kategori, aktif, ket_aktif, kd_provider, tunggakan; plus the extra PCare fields the
    simulator serves (nm_provider, jns_peserta_kode/nama, kelas_kode/nama, ...).
    """
    rng = random.Random(seed)
    niks: set[str] = set()
    cards: set[str] = set()
    people: list[dict[str, Any]] = []
    for _ in range(count):
        kategori = rng.choices(KATEGORI, weights=_KATEGORI_WEIGHTS)[0]
        sex = "L" if rng.random() < 0.49 else "P"
        tgl_lahir = _birth_date(rng)
        nik = _nik(rng, tgl_lahir, sex)
        while nik in niks:  # re-draw the serial; same region and birth date
            nik = nik[:12] + f"{rng.randint(1, 9999):04d}"
        niks.add(nik)
        no_kartu = _no_kartu(rng)
        while no_kartu in cards:
            no_kartu = _no_kartu(rng)
        cards.add(no_kartu)

        depan = rng.choice(_LAKI if sex == "L" else _PEREMPUAN)
        belakang = rng.choice(_BELAKANG)
        nama = f"{depan} {belakang}".strip()
        if rng.random() < 0.25:  # two given names are common too
            nama = f"{depan} {rng.choice(_LAKI if sex == 'L' else _PEREMPUAN)} {belakang}".strip()

        rt, rw = rng.randint(1, 12), rng.randint(1, 9)
        alamat = (
            f"JL. {rng.choice(_JALAN)} NO. {rng.randint(1, 200)}, RT {rt:03d}/RW {rw:03d}, "
            f"KEL. {rng.choice(_KELURAHAN)}"
        )
        no_hp = ""
        if rng.random() > 0.12:  # some people give no phone number
            no_hp = f"{rng.choice(_OPERATOR)}{rng.randint(0, 99_999_999):08d}"

        kode, jenis, _ = rng.choices(_JENIS_PESERTA, weights=[j[2] for j in _JENIS_PESERTA])[0]
        kelas = "3" if kode in ("21", "22") else rng.choice("123")
        kd_provider, nm_provider = KD_PROVIDER_KAMI, NM_PROVIDER_KAMI
        aktif, ket_aktif, tunggakan = True, "AKTIF", 0
        if kategori == "tidak_aktif":
            aktif, ket_aktif = False, "TIDAK AKTIF"
        elif kategori == "menunggak":
            # Only self-paying members can fall into arrears.
            kode, jenis = _MANDIRI
            aktif, ket_aktif = False, "MENUNGGAK"
            tunggakan = _IURAN[kelas] * rng.randint(1, 24)
        elif kategori == "fktp_lain":
            kd_provider, nm_provider = rng.choice(_FKTP_LAIN)

        umur = (REFERENCE_DATE - tgl_lahir).days // 365
        mulai = max(tgl_lahir, date(2014, 1, 1)) + timedelta(days=rng.randint(0, 900))
        people.append(
            {
                "nik": nik,
                "no_kartu": no_kartu,
                "no_kartu_dikenal": kategori != "nik_saja",
                "nama": nama,
                "sex": sex,
                "tgl_lahir": tgl_lahir,
                "alamat": alamat,
                "no_hp": no_hp,
                "kategori": kategori,
                "aktif": aktif,
                "ket_aktif": ket_aktif,
                "kd_provider": kd_provider,
                "nm_provider": nm_provider,
                "tunggakan": tunggakan,
                "jns_peserta_kode": kode,
                "jns_peserta_nama": jenis,
                "kelas_kode": kelas,
                "kelas_nama": _KELAS[kelas],
                "hubungan_keluarga": "Peserta" if umur >= 21 else "Anak",
                "gol_darah": rng.choice("01234"),
                "tgl_mulai_aktif": min(mulai, REFERENCE_DATE),
                "tgl_akhir_berlaku": date(2030, 12, 31) if aktif else date(2025, 6, 30),
            }
        )
    return people
