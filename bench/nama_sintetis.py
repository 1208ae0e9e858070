"""Synthetic Indonesian patients and the ways their names and birth dates get written twice.

Used by bench/dedupe.py to build the evaluation set (bench/data/dedupe_varian.json, committed)
and the background population. Deterministic for a seed. Every pair has a kind; positive kinds
are the same person written differently, negative kinds are different people who look alike
(twins, namesakes born on other days, people sharing a first name and birthday).
"""

from __future__ import annotations

import random
from datetime import date, timedelta


def _k(s: str) -> list[str]:
    return s.split()


DEPAN_L = _k(
    "Muhammad Ahmad Agus Budi Eko Joko Bambang Hendra Rudi Andi Dedi Wahyu Yusuf Arif Fajar "
    "Rizki Hadi Slamet Sugeng Teguh Bayu Dimas Fauzi Hasan Ilham Irfan Rahmat Ridwan Abdul"
)
DEPAN_P = _k(
    "Siti Nur Dewi Sri Rina Ani Yuni Wati Lestari Indah Ayu Putri Fitri Rahma Nurul Dian Eka "
    "Ratna Wulan Novi Tri Endang Kartika Sari Maya Intan Aisyah Fatimah Aminah Khadijah"
)
TENGAH = _k(
    "Kartika Dwi Tri Budi Nur Adi Eka Putra Putri Ayu Dewi Indah Sri Ratna Wahyu Aji Cahya Tirta"
)
BELAKANG = _k(
    "Santoso Wijaya Hidayat Saputra Setiawan Pratama Kurniawan Rahayu Lestari Handayani Susanti "
    "Wulandari Hartono Gunawan Nugroho Prasetyo Purnomo Sulistyo Firmansyah Ramadhan Hakim "
    "Syahputra Maulana Hasibuan Siregar Nasution Harahap Lubis Sinaga Simanjuntak Aminah Fauziah "
    "Rahmawati Kusuma Anggraini Permata Safitri Yulianti Maharani Oktaviani"
)
TUNGGAL = _k("Sukarno Suharti Paijo Tukiyem Sumarni Karto Sutrisno Wagiman Painem Ngatini")
BALI_URUTAN = [("Wayan", "Putu", "Gede"), ("Made", "Kadek"), ("Nyoman", "Komang"), ("Ketut",)]
BALI_NAMA = _k(
    "Sudarsana Suartika Wirawan Sukadana Mertayasa Arsana Darma Suparta Budiarta Astawa Sumerta "
    "Lestari Sriani Ariani Suciati Widiastuti Kartini Puspita"
)
MARGA = [("Liem", "Lim"), ("Oei", "Ui"), ("Tjoa", "Cua"), ("Tan",), ("Lie", "Lee"), ("Go", "Gouw")]
SUKU_KATA = _k("Swie Kim Hong Siok Lan Mei Ling Hwa Bun Liong Giok Tjeng Hok Sian Yen Hui")
JALAN = _k("Kenanga Melati Mawar Anggrek Cempaka Flamboyan Merdeka Diponegoro Sudirman Pemuda")
DUSUN = _k("Krajan Sumberejo Karanganyar Tegalrejo Sidomulyo Margorejo Ngemplak Kauman")

# Muhammad as it is written at the counter.
MUHAMMAD = _k("M. Muh. Moch. Mohammad Muhamad Mochammad Mohamad Muhammad")


def orang(rng: random.Random) -> dict:
    """One person: a name in one of the country's naming styles, birth date, sex, address."""
    jk = rng.choice("LP")
    gaya = rng.choices(["jawa", "bali", "tionghoa", "tunggal"], [70, 12, 10, 8])[0]
    if gaya == "bali":
        urutan = rng.choice(BALI_URUTAN)[0]
        nama = f"{'I' if jk == 'L' else 'Ni Luh' if rng.random() < 0.5 else 'Ni'} {urutan} "
        nama += rng.choice(BALI_NAMA)
    elif gaya == "tionghoa":
        marga = rng.choice(MARGA)[0]
        if rng.random() < 0.5:
            nama = f"{marga} {rng.choice(SUKU_KATA)} {rng.choice(SUKU_KATA)}"
        else:
            depan = rng.choice(DEPAN_L if jk == "L" else DEPAN_P)
            nama = f"{depan} {rng.choice(BELAKANG)} {marga}"
    elif gaya == "tunggal":
        nama = rng.choice(TUNGGAL)
    else:
        depan = rng.choice(DEPAN_L if jk == "L" else DEPAN_P)
        if depan == "Muhammad" and rng.random() < 0.5:
            depan = rng.choice(MUHAMMAD)
        bagian = [depan]
        if rng.random() < 0.5:
            bagian.append(rng.choice(TENGAH))
        bagian.append(rng.choice(BELAKANG))
        nama = " ".join(bagian)
    umur_hari = int(rng.triangular(0, 90 * 365, 20 * 365))
    lahir = date(2026, 11, 30) - timedelta(days=umur_hari)
    if rng.random() < 0.02:  # date unknown, written as 1 January of the year
        lahir = date(lahir.year, 1, 1)
    if rng.random() < 0.5:
        alamat = f"Jl. {rng.choice(JALAN)} No. {rng.randint(1, 120)} RT {rng.randint(1, 12):02d}"
    else:
        alamat = f"Dusun {rng.choice(DUSUN)} RT {rng.randint(1, 9):02d} RW {rng.randint(1, 5):02d}"
    return {"nama": nama, "tanggal_lahir": lahir, "jenis_kelamin": jk, "alamat": alamat}


# --- Variants of one person: (kind, function(person, rng) -> written-again person or None) ---


def _ganti(p: dict, **kw) -> dict:
    return {**p, **kw}


def _tengah_hilang(p, rng):
    kata = p["nama"].split()
    if len(kata) < 3 or kata[0] in ("I", "Ni"):
        return None
    return _ganti(p, nama=" ".join(kata[:1] + kata[2:]))


def _tengah_tambah(p, rng):
    kata = p["nama"].split()
    if len(kata) != 2 or kata[0] in ("I", "Ni"):
        return None
    return _ganti(p, nama=f"{kata[0]} {rng.choice(TENGAH)} {kata[1]}")


def _pisah_gabung(p, rng):
    kata = p["nama"].split()
    if len(kata) >= 2 and rng.random() < 0.5 and kata[0] not in ("I", "Ni", "M."):
        i = rng.randrange(len(kata) - 1)
        return _ganti(p, nama=" ".join([*kata[:i], kata[i] + kata[i + 1].lower(), *kata[i + 2 :]]))
    panjang = [i for i, k in enumerate(kata) if len(k) >= 7]
    if not panjang:
        return None
    i = rng.choice(panjang)
    k = kata[i]
    potong = rng.randint(3, len(k) - 3)
    return _ganti(p, nama=" ".join([*kata[:i], k[:potong], k[potong:].title(), *kata[i + 1 :]]))


def _singkatan(p, rng):
    kata = p["nama"].split()
    for i, k in enumerate(kata):
        if k in MUHAMMAD:
            lain = [m for m in MUHAMMAD if m != k]
            return _ganti(p, nama=" ".join([*kata[:i], rng.choice(lain), *kata[i + 1 :]]))
        if k in ("Nur", "Nurul"):
            return _ganti(
                p, nama=" ".join([*kata[:i], {"Nur": "Nurul"}.get(k, "Nur"), *kata[i + 1 :]])
            )
        if k == "Abdul":
            return _ganti(p, nama=" ".join([*kata[:i], "Abd.", *kata[i + 1 :]]))
    return None


_LAMA = [("u", "oe"), ("j", "dj"), ("c", "tj"), ("y", "j"), ("kh", "ch")]


def _ejaan(p, rng):
    nama = p["nama"]
    if "Siti" in nama:
        return _ganti(p, nama=nama.replace("Siti", rng.choice(["Sity", "Sitti"])))
    rng.shuffle(pilihan := list(_LAMA))
    for baru, lama in pilihan:
        if baru in nama[1:]:
            i = nama.index(baru, 1)
            return _ganti(p, nama=nama[:i] + lama + nama[i + len(baru) :])
    if nama.endswith("i"):
        return _ganti(p, nama=nama[:-1] + "y")
    return None


def _salah_ketik(p, rng):
    kata = p["nama"].split()
    panjang = [i for i, k in enumerate(kata) if len(k) >= 6]
    if not panjang:
        return None
    i = rng.choice(panjang)
    k = kata[i]
    j = rng.randrange(1, len(k) - 2)
    jenis = rng.choice(["tukar", "hapus", "ganti"])
    if jenis == "tukar":
        k = k[:j] + k[j + 1] + k[j] + k[j + 2 :]
    elif jenis == "hapus":
        k = k[:j] + k[j + 1 :]
    else:
        k = k[:j] + rng.choice("aiueonrst") + k[j + 1 :]
    return _ganti(p, nama=" ".join([*kata[:i], k, *kata[i + 1 :]]))


def _bali(p, rng):
    kata = p["nama"].split()
    if kata[0] not in ("I", "Ni"):
        return None
    awalan = 2 if kata[1] == "Luh" else 1
    urutan = kata[awalan]
    sinonim = next(g for g in BALI_URUTAN if urutan in g)
    lain = [u for u in sinonim if u != urutan]
    if lain and rng.random() < 0.6:
        kata[awalan] = rng.choice(lain)
        return _ganti(p, nama=" ".join(kata))
    return _ganti(p, nama=" ".join(kata[awalan:]))  # "I"/"Ni (Luh)" left out


def _tionghoa(p, rng):
    kata = p["nama"].split()
    for i, k in enumerate(kata):
        marga = next((m for m in MARGA if k in m), None)
        if marga is None:
            continue
        if len(marga) > 1 and rng.random() < 0.6:
            kata[i] = rng.choice([m for m in marga if m != k])
            return _ganti(p, nama=" ".join(kata))
        if i == 0 and len(kata) == 3:  # Tan Siok Lan → Tan Sioklan
            return _ganti(p, nama=f"{kata[0]} {kata[1]}{kata[2].lower()}")
        return _ganti(p, nama=" ".join([kata[i], *kata[:i], *kata[i + 1 :]]))  # surname first
    return None


def _gelar(p, rng):
    if p["jenis_kelamin"] == "P":
        return _ganti(p, nama=rng.choice(["Hj. ", "Ny. "]) + p["nama"])
    return _ganti(p, nama=rng.choice(["H. ", "Drs. "]) + p["nama"] + rng.choice(["", ", S.Pd."]))


def _tanggal_tertukar(p, rng):
    d = p["tanggal_lahir"]
    if d.day > 12 or d.day == d.month:
        return None
    return _ganti(p, tanggal_lahir=date(d.year, d.day, d.month))


def _tanggal_salah_ketik(p, rng):
    from pendaftaran.dedupe import tanggal_selisih_satu

    return _ganti(p, tanggal_lahir=rng.choice(tanggal_selisih_satu(p["tanggal_lahir"])))


POSITIF = {
    "nama_tengah_hilang": _tengah_hilang,
    "nama_tengah_tambah": _tengah_tambah,
    "pisah_gabung": _pisah_gabung,
    "singkatan": _singkatan,
    "ejaan": _ejaan,
    "salah_ketik": _salah_ketik,
    "bali": _bali,
    "tionghoa": _tionghoa,
    "gelar": _gelar,
    "tanggal_tertukar": _tanggal_tertukar,
    "tanggal_salah_ketik": _tanggal_salah_ketik,
}


# --- Different people who look alike ------------------------------------------------------


def _kembar(p, rng):
    """A twin: same day, same mother and address, same family name, another given name."""
    kata = p["nama"].split()
    if len(kata) < 2 or kata[0] in ("I", "Ni"):
        return None
    pool = DEPAN_L if p["jenis_kelamin"] == "L" else DEPAN_P
    depan = rng.choice([d for d in pool if d != kata[0] and d[:3] != kata[0][:3]])
    return _ganti(p, nama=" ".join([depan, *kata[1:]]))


def _senama_lain_hari(p, rng):
    lain = p["tanggal_lahir"] + timedelta(days=rng.choice([-1, 1]) * rng.randint(20, 4000))
    return _ganti(p, tanggal_lahir=lain, alamat=orang(rng)["alamat"])


def _senama_hari_dekat(p, rng):
    """A namesake born one digit away — at another address."""
    from pendaftaran.dedupe import tanggal_selisih_satu

    lain = rng.choice(tanggal_selisih_satu(p["tanggal_lahir"]))
    return _ganti(p, tanggal_lahir=lain, alamat=orang(rng)["alamat"])


def _sama_depan_sama_hari(p, rng):
    """Another person sharing the first name and the birthday."""
    kata = p["nama"].split()
    if len(kata) < 2 or kata[0] in ("I", "Ni"):
        return None
    belakang = rng.choice([b for b in BELAKANG if b != kata[-1]])
    return _ganti(p, nama=" ".join([*kata[:-1], belakang]), alamat=orang(rng)["alamat"])


def _saudara_bali(p, rng):
    kata = p["nama"].split()
    if kata[0] not in ("I", "Ni"):
        return None
    awalan = 2 if kata[1] == "Luh" else 1
    lain = [g for g in BALI_URUTAN if kata[awalan] not in g]
    kata[awalan] = rng.choice(lain)[0]
    return _ganti(p, nama=" ".join(kata))


NEGATIF = {
    "kembar": _kembar,
    "senama_lain_hari": _senama_lain_hari,
    "senama_tanggal_dekat": _senama_hari_dekat,
    "nama_depan_dan_tanggal_sama": _sama_depan_sama_hari,
    "saudara_bali": _saudara_bali,
}


def pasangan(rng: random.Random, per_jenis: int) -> list[dict]:
    """`per_jenis` pairs of every kind: {"jenis", "sama", "lama", "baru"}."""
    hasil = []
    for sama, jenis_fungsi in ((True, POSITIF), (False, NEGATIF)):
        for jenis, f in jenis_fungsi.items():
            n = 0
            while n < per_jenis:
                p = orang(rng)
                if jenis == "bali" or jenis == "saudara_bali":
                    while not p["nama"].startswith(("I ", "Ni ")):
                        p = orang(rng)
                if jenis == "tionghoa":
                    while not any(k in m for m in MARGA for k in p["nama"].split()):
                        p = orang(rng)
                v = f(p, rng)
                if v is None or (
                    v["nama"] == p["nama"] and v["tanggal_lahir"] == p["tanggal_lahir"]
                ):
                    continue
                hasil.append({"jenis": jenis, "sama": sama, "lama": p, "baru": v})
                n += 1
    return hasil
