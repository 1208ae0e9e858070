"""The monthly incident report as the SOP wants it: table rows (page, CSV, PDF share them),
the bar chart's geometry, and the PDF (fpdf2: pure Python, no browser, no CDN)."""

from __future__ import annotations

from datetime import timedelta

from puskesmas.pdf import laporan as laporan_pdf
from puskesmas.pdf import latin1
from puskesmas.tampilan import bulan_tahun, jam, persen, tanggal

from .selectors import LaporanBulanan, target_respons

KOLOM = [
    "Tanggal",
    "Unit",
    "Jam dilaporkan",
    "Jam direspons",
    "Tepat waktu",
    "Lama respons (menit)",
    "Durasi (menit)",
    "Penyebab",
    "Tindakan / perbaikan",
]


def menit(td: timedelta | None) -> str:
    return "" if td is None else str(int(td.total_seconds() // 60))


def baris_tabel(lap: LaporanBulanan, *, dengan_total: bool = False) -> list[list[str]]:
    baris = [KOLOM]
    for b in lap.baris:
        baris.append(
            [
                tanggal(b.tanggal),
                b.unit,
                jam(b.dilaporkan),
                jam(b.direspons),
                "" if b.tepat_waktu is None else ("Ya" if b.tepat_waktu else "Tidak"),
                menit(b.durasi_respons),
                menit(b.durasi) if b.durasi else "berlangsung",
                b.penyebab,
                b.perbaikan,
            ]
        )
    if dengan_total:
        baris.append([])
        baris.append(["Jumlah kejadian", str(lap.jumlah)])
        baris.append(["Direspons tepat waktu", f"{lap.tepat} ({persen(lap.persen_tepat)})"])
        baris.append(["Waktu respons belum diisi", str(lap.belum_diisi)])
        baris.append(["Total durasi (menit)", menit(lap.total_durasi)])
        baris.append(
            ["Target respons (menit)", menit(target_respons())],
        )
    return baris


def batang(lap: LaporanBulanan, *, tinggi: int = 120) -> list[dict]:
    """Bars for the SVG chart: total downtime minutes per day, scaled to `tinggi` px."""
    maks = lap.maks_menit or 1
    lebar = 14
    return [
        {
            "hari": hari,
            "jumlah": jumlah,
            "menit": m,
            "x": (hari - 1) * (lebar + 4),
            "lebar": lebar,
            "tinggi": round(tinggi * m / maks) if m else (2 if jumlah else 0),
            "y": tinggi - (round(tinggi * m / maks) if m else (2 if jumlah else 0)),
        }
        for hari, jumlah, m in lap.per_hari
    ]


def pdf(lap: LaporanBulanan, *, puskesmas) -> bytes:
    doc = laporan_pdf(
        f"Laporan Kejadian Gangguan - {bulan_tahun(lap.tahun, lap.bulan)}",
        puskesmas=puskesmas,
        baris=baris_tabel(lap),
        lebar=(22, 30, 20, 20, 16, 22, 18, 64, 65),
    )
    doc.ln(4)
    doc.set_font("Helvetica", "B", 10)
    doc.cell(0, 6, "Rekap bulan ini", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 10)
    for baris in baris_tabel(lap, dengan_total=True)[len(lap.baris) + 2 :]:
        doc.cell(70, 5.5, latin1(baris[0]))
        doc.cell(0, 5.5, latin1(baris[1]), new_x="LMARGIN", new_y="NEXT")
    # A small bar chart of downtime minutes per day.
    doc.ln(3)
    x0, y0, h = doc.get_x(), doc.get_y() + 30, 28.0
    if y0 + 10 > doc.h - 12:
        doc.add_page()
        x0, y0 = doc.l_margin, 40
    maks = lap.maks_menit or 1
    doc.set_fill_color(11, 110, 79)
    doc.set_font("Helvetica", "", 6)
    for hari, _jumlah, m in lap.per_hari:
        x = x0 + (hari - 1) * 8.5
        tinggi = h * m / maks if m else 0
        if tinggi:
            doc.rect(x, y0 - tinggi, 6, tinggi, style="F")
        doc.text(x + 1, y0 + 3, str(hari))
    doc.text(x0, y0 + 7, "Menit downtime per tanggal")
    return bytes(doc.output())
