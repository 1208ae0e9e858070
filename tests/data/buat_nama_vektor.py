"""Writes nama_vektor.json, the name-rule cases shared by the Python and the JS tests.

Edit the lists here, run `python tests/data/buat_nama_vektor.py`, commit both files.
"""

import json
from pathlib import Path

kanonik = [
    ("Muhammad Rizki", ["MUHAMAD", "RIZKI"]),
    ("M. Rizky", ["MUHAMAD", "RIZKI"]),
    ("Moch. Yusuf", ["MUHAMAD", "YUSUF"]),
    ("Mochammad Yusuf", ["MUHAMAD", "YUSUF"]),
    ("Muh Yusuf", ["MUHAMAD", "YUSUF"]),
    ("Soedjatmiko", ["SUYATMIKO"]),
    ("Tjahjono", ["CAHYONO"]),
    ("Nurul Hidayah", ["NUR", "HIDAYAH"]),
    ("Noer Hidajah", ["NUR", "HIDAYAH"]),
    ("Siti Nur'aini, S.Pd.", ["SITI", "NURAINI"]),
    ("Hj. Sitti Aisyah", ["SITI", "AISYAH"]),
    ("Khairul Anwar", ["HAIRUL", "ANWAR"]),
    ("Chairul Anwar", ["HAIRUL", "ANWAR"]),
    ("I Made Sudarsana", ["SUDARSANA"]),
    ("Ni Luh Putu Ayu Lestari", ["AYU", "LESTARI"]),
    ("José Mária", ["YOSE", "MARIA"]),
    ("Ahmad bin Hasan", ["AHMAD", "HASAN"]),
    ("Liem Swie King", ["LIM", "SWIE", "KING"]),
    ("Oei Hong Djien", ["UI", "HONG", "YIEN"]),
    ("By. Ny. Siti Aminah", ["SITI", "AMINAH"]),
]
urutan = [
    ("I Wayan Sudarsana", "#1"),
    ("Gede Sudarsana", "#1"),
    ("Kadek Sudarsana", "#2"),
    ("Komang Ayu", "#3"),
    ("I Ketut Darma", "#4"),
    ("Budi Santoso", ""),
]
nama = [
    # kind, a, b, same, full
    ("nama_tengah", "Dewi Kartika Sari", "Dewi Sari", True, False),
    ("nama_tengah", "Siti Aminah", "Siti Aminah Rahayu", True, False),
    ("nama_tengah", "Agus Budi Santoso", "Agus Santoso", True, False),
    ("nama_tengah", "Rina Wulandari", "Rina Dwi Wulandari", True, False),
    ("pisah_gabung", "Siti Nuraini", "Siti Nur Aini", True, True),
    ("pisah_gabung", "Nurul Aini", "Nuraini", True, True),
    ("pisah_gabung", "Abdul Rahman", "Abdurrahman", True, True),
    ("pisah_gabung", "Tan Siok Lan", "Tan Sioklan", True, True),
    ("pisah_gabung", "Sri Rahayuningsih", "Sri Rahayu Ningsih", True, True),
    ("singkatan", "M. Yusuf Hidayat", "Muhammad Yusuf Hidayat", True, True),
    ("singkatan", "Muh. Yusuf Hidayat", "Mohammad Yusuf Hidayat", True, True),
    ("singkatan", "Moch. Arifin", "Muhamad Arifin", True, True),
    ("singkatan", "Mochamad Arifin", "Mohamad Arifin", True, True),
    ("singkatan", "Nurul Hidayah", "Nur Hidayah", True, True),
    ("singkatan", "Abd. Karim", "Abdul Karim", True, True),
    ("singkatan", "A. Rahman Hakim", "Abdul Rahman Hakim", True, False),
    ("ejaan", "Siti Aisyah", "Sity Aisyah", True, True),
    ("ejaan", "Soedjatmiko", "Sujatmiko", True, True),
    ("ejaan", "Tjahjono Widjaja", "Cahyono Wijaya", True, True),
    ("ejaan", "Jusuf Effendi", "Yusuf Efendi", True, True),
    ("ejaan", "Chairul Anwar", "Khairul Anwar", True, True),
    ("ejaan", "Rizky Pratama", "Rizki Pratama", True, True),
    ("ejaan", "Achmad Fauzi", "Ahmad Fauzi", True, True),
    ("salah_ketik", "Kurniawati", "Kurniawti", True, True),
    ("salah_ketik", "Hendra Gunawan", "Hendra Gunwan", True, True),
    ("salah_ketik", "Lestari Handayani", "Lestari Hanadyani", True, True),
    ("bali", "I Made Sudarsana", "Made Sudarsana", True, True),
    ("bali", "I Made Sudarsana", "Kadek Sudarsana", True, True),
    ("bali", "Ni Luh Putu Ayu Lestari", "Putu Ayu Lestari", True, True),
    ("bali", "I Gusti Ngurah Rai", "Gusti Ngurah Rai", True, True),
    ("bali", "Ida Bagus Oka", "I.B. Oka", True, False),
    ("bali", "I Nyoman Suparta", "Komang Suparta", True, True),
    ("tionghoa", "Liem Swie King", "Lim Swie King", True, True),
    ("tionghoa", "Oei Hong Djien", "Ui Hong Jien", True, True),
    ("tionghoa", "Tjoa Kim Hoa", "Cua Kim Hoa", True, True),
    ("tionghoa", "Budi Santoso Tan", "Tan Budi Santoso", True, True),
    ("tionghoa", "Lie Mei Ling", "Lee Mei-Ling", True, True),
    ("urutan_kata", "Nur Siti", "Siti Nur", True, True),
    ("urutan_kata", "Sari Dewi Lestari", "Dewi Lestari Sari", True, True),
    ("gelar", "Hj. Siti Aminah, S.Pd.", "Siti Aminah", True, True),
    ("gelar", "dr. Hendra Wijaya", "Hendra Wijaya", True, True),
    ("gelar", "Ahmad bin Hasan", "Ahmad Hasan", True, True),
    # different people
    ("beda_orang", "Siti Aminah", "Siti Rahayu", False, False),
    ("beda_orang", "Muhammad Hasan", "Muhammad Husein", False, False),
    ("beda_orang", "Hasan Basri", "Husin Basri", False, False),
    ("beda_orang", "Dewi Sari", "Dewi Kartika", False, False),
    ("beda_orang", "Nur Aini", "Nur Aina", False, False),
    ("beda_orang", "Muhammad Rizki", "Muhammad Rizal", False, False),
    ("beda_orang", "I Wayan Sudarsana", "I Made Sudarsana", False, False),
    ("beda_orang", "Ketut Darma", "Nyoman Darma", False, False),
    ("beda_orang", "Tan Siok Lan", "Tan Siok Mei", False, False),
    ("beda_orang", "Agus Santoso", "Budi Santoso", False, False),
    ("beda_orang", "Siti", "Siti Nurhaliza", False, False),
    ("persis", "Muhammad Nur", "Muhammad Nur", True, True),
    ("persis", "Putri Ayu", "Putri  Ayu", True, True),
    ("persis", "Siti", "Sity", True, True),
    ("beda_orang", "I Made Yusuf", "Muhammad Yusuf Hidayat", False, False),
    ("nama_tengah", "Sudarsana", "I Made Sudarsana", True, True),
    ("beda_orang", "Putri Ayu", "Putri Ayu Lestari", False, False),
    ("beda_orang", "Andi", "Andini", False, False),
    ("nama_tengah", "Rudi", "Rudy Hartono", True, False),
]
pasien = [
    (
        "sama_semua",
        dict(nama="Dewi Kartika Sari", tanggal_lahir="1990-05-17", jenis_kelamin="P"),
        dict(nama="Dewi Sari", tanggal_lahir="1990-05-17", jenis_kelamin="P"),
        "nama",
    ),
    (
        "tanggal_tertukar",
        dict(nama="Siti Nur Aini", tanggal_lahir="1985-03-12", jenis_kelamin="P"),
        dict(nama="Siti Nuraini", tanggal_lahir="1985-12-03", jenis_kelamin="P"),
        "tanggal_tertukar",
    ),
    (
        "tanggal_tertukar_tanpa_dukungan",
        dict(nama="Dewi Kartika Sari", tanggal_lahir="1985-03-12", jenis_kelamin="P"),
        dict(nama="Dewi Sari", tanggal_lahir="1985-12-03", jenis_kelamin="P"),
        None,
    ),
    (
        "tanggal_tertukar_alamat",
        dict(
            nama="Dewi Kartika Sari",
            tanggal_lahir="1985-03-12",
            jenis_kelamin="P",
            alamat="Jl. Kenanga 5 RT 02",
        ),
        dict(
            nama="Dewi Sari",
            tanggal_lahir="1985-12-03",
            jenis_kelamin="P",
            alamat="Jalan Kenanga No. 5 RT 02",
        ),
        "tanggal_tertukar",
    ),
    (
        "tanggal_selisih_alamat",
        dict(
            nama="Muhammad Rizki",
            tanggal_lahir="1990-03-12",
            jenis_kelamin="L",
            alamat="Dusun Krajan RT 3",
        ),
        dict(
            nama="M. Rizky", tanggal_lahir="1990-03-13", jenis_kelamin="L", alamat="Dsn Krajan RT 3"
        ),
        "tanggal_selisih",
    ),
    (
        "senama_lain_hari",
        dict(
            nama="Muhammad Rizki",
            tanggal_lahir="1990-03-12",
            jenis_kelamin="L",
            alamat="Dusun Krajan",
        ),
        dict(
            nama="Muhammad Rizki",
            tanggal_lahir="1990-03-13",
            jenis_kelamin="L",
            alamat="Perum Griya Asri",
        ),
        None,
    ),
    (
        "senama_lain_hari",
        dict(nama="Muhammad Rizki", tanggal_lahir="1990-03-12", jenis_kelamin="L"),
        dict(nama="Muhammad Rizki", tanggal_lahir="1991-07-02", jenis_kelamin="L"),
        None,
    ),
    (
        "jenis_kelamin_beda",
        dict(nama="Nur Aini", tanggal_lahir="2001-01-01", jenis_kelamin="P"),
        dict(nama="Nur Aini", tanggal_lahir="2001-01-01", jenis_kelamin="L"),
        None,
    ),
    (
        "kembar",
        dict(
            nama="Hasan Basri",
            tanggal_lahir="2020-06-01",
            jenis_kelamin="L",
            nik_ibu="3578014506900001",
        ),
        dict(
            nama="Husin Basri",
            tanggal_lahir="2020-06-01",
            jenis_kelamin="L",
            nik_ibu="3578014506900001",
        ),
        None,
    ),
    (
        "kembar",
        dict(
            nama="Putri Ayu Lestari",
            tanggal_lahir="2020-06-01",
            jenis_kelamin="P",
            nik_ibu="3578014506900001",
        ),
        dict(
            nama="Putri Ayu Rahayu",
            tanggal_lahir="2020-06-01",
            jenis_kelamin="P",
            nik_ibu="3578014506900001",
        ),
        None,
    ),
    (
        "bayi_nik_ibu",
        dict(
            nama="By. Ny. Siti Aminah",
            tanggal_lahir="2026-11-20",
            jenis_kelamin="L",
            nik_ibu="3578014506900001",
        ),
        dict(
            nama="Ahmad Fauzan",
            tanggal_lahir="2026-11-20",
            jenis_kelamin="L",
            nik_ibu="3578014506900001",
        ),
        "nik_ibu",
    ),
    (
        "bayi_ibu_lain",
        dict(
            nama="By. Ny. Siti Aminah",
            tanggal_lahir="2026-11-20",
            jenis_kelamin="L",
            nik_ibu="3578014506900001",
        ),
        dict(
            nama="By. Ny. Siti Aminah",
            tanggal_lahir="2026-11-20",
            jenis_kelamin="L",
            nik_ibu="3578014506900002",
        ),
        None,
    ),
    (
        "bayi_nama_sama",
        dict(
            nama="Ahmad Fauzan",
            tanggal_lahir="2026-11-20",
            jenis_kelamin="L",
            nik_ibu="3578014506900001",
        ),
        dict(nama="Ahmad Fauzan", tanggal_lahir="2026-11-20", jenis_kelamin="L"),
        "nama",
    ),
    (
        "bali",
        dict(nama="I Made Sudarsana", tanggal_lahir="1975-08-17", jenis_kelamin="L"),
        dict(nama="Kadek Sudarsana", tanggal_lahir="1975-08-17", jenis_kelamin="L"),
        "nama",
    ),
    (
        "bali_saudara",
        dict(nama="I Wayan Sudarsana", tanggal_lahir="1975-08-17", jenis_kelamin="L"),
        dict(nama="I Made Sudarsana", tanggal_lahir="1975-08-17", jenis_kelamin="L"),
        None,
    ),
]
alamat = [
    ("Jl. Kenanga No. 5 RT 02", "Jalan Kenanga 5 rt 2", True),
    ("Dusun Krajan RT 3", "Dsn Krajan RT 3", True),
    ("Jl. Kenanga 5", "Perum Griya Asri Blok C", False),
    ("Jl. Kenanga 5", "Jl. Mawar 12", False),
    ("", "Jl. Kenanga 5", False),
]
out = {
    "_catatan": (
        "Shared by tests/pendaftaran/test_nama.py (pendaftaran/nama.py, dedupe.py) and "
        "tests/js/nama.test.js (static/js/offline/nama.js): one set of answers, two ports. "
        "Generated by buat_nama_vektor.py."
    ),
    "kanonik": [{"nama": n, "inti": i} for n, i in kanonik],
    "urutan": [{"nama": n, "urutan": u} for n, u in urutan],
    "nama": [{"jenis": j, "a": a, "b": b, "sama": s, "penuh": p} for j, a, b, s, p in nama],
    "alamat": [{"a": a, "b": b, "mirip": m} for a, b, m in alamat],
    "pasien": [{"jenis": j, "baru": a, "lama": b, "alasan": al} for j, a, b, al in pasien],
}
tujuan = Path(__file__).with_name("nama_vektor.json")
tujuan.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
