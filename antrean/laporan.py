"""The daily queue report's table (page, CSV and PDF share its rows) and its PDF (fpdf2, as the
downtime report). Numbers and dates in Indonesian formats: 20,5 and 01-12-2026."""

from __future__ import annotations

from datetime import date

from puskesmas.models import Puskesmas
from puskesmas.pdf import laporan as laporan_pdf
from puskesmas.pdf import latin1
from puskesmas.tampilan import angka, tanggal, tanggal_jam

from .selectors import BarisLaporan

KOLOM = [
    "Tanggal",
    "Klaster",
    "Unit layanan",
    "Jumlah tiket",
    "Selesai dilayani",
    "Dilewati",
    "Dibatalkan",
    "Masih terbuka",
    "Rata-rata tunggu (menit)",
    "Median tunggu (menit)",
    "Persentil 90 tunggu (menit)",
    "Tunggu terlama (menit)",
]

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def baris_tabel(baris: list[BarisLaporan], *, hari: date) -> list[list[str]]:
    hasil = [KOLOM]
    for b in baris:
        hasil.append(
            [
                tanggal(hari),
                str(b.unit.klaster.nomor),
                b.unit.nama,
                str(b.tiket),
                str(b.selesai),
                str(b.dilewati),
                str(b.batal),
                str(b.terbuka),
                angka(b.tunggu.rata_rata),
                angka(b.tunggu.median),
                angka(b.tunggu.p90),
                angka(b.tunggu.terlama),
            ]
        )
    return hasil


def pdf(baris: list[BarisLaporan], *, hari: date, puskesmas: Puskesmas, dibuat) -> bytes:
    doc = laporan_pdf(
        f"Laporan Antrean Harian - {HARI[hari.weekday()]}, {tanggal(hari)}",
        puskesmas=puskesmas,
        baris=baris_tabel(baris, hari=hari),
        lebar=(20, 14, 46, 16, 18, 16, 18, 18, 26, 24, 28, 26),
    )
    doc.ln(3)
    doc.set_font("Helvetica", "", 8)
    doc.cell(
        0,
        5,
        latin1(
            "Waktu tunggu = sejak masuk antrean sampai pertama dipanggil, dalam menit. "
            f"Dibuat {tanggal_jam(dibuat)}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(doc.output())
