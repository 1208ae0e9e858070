"""The compliance report's rows (page, CSV and PDF share them) and the PDF (fpdf2)."""

from __future__ import annotations

from django.utils import timezone
from fpdf import FPDF

from puskesmas.pdf import latin1 as _latin1
from puskesmas.tampilan import bulan_tahun

from .selectors import LaporanKepatuhan

KOLOM = ["Tanggal", "Jam", "No. RM", "Pasien", "Unit", "Penjamin", "PCare", "Antrean FKTP",
         "SATUSEHAT", "Alasan", "Tindakan"]  # fmt: skip


def baris_tabel(lap: LaporanKepatuhan, *, hanya_belum: bool = False) -> list[list[str]]:
    baris = [KOLOM]
    for b in lap.belum_terkirim if hanya_belum else lap.baris:
        k = b.kunjungan
        alasan = " / ".join(x.alasan for x in (b.satusehat, b.pcare, b.antrean) if x.alasan)
        tindakan = " / ".join(
            dict.fromkeys(x.tindakan for x in (b.satusehat, b.pcare, b.antrean) if x.tindakan)
        )
        baris.append(
            [
                k.tanggal.strftime("%d-%m-%Y"),
                timezone.localtime(k.dibuat_klien).strftime("%H:%M"),
                k.pasien.no_rm,
                k.pasien.nama,
                k.unit.nama,
                k.get_penjamin_display(),
                b.pcare.label,
                b.antrean.label,
                b.satusehat.label,
                alasan,
                tindakan,
            ]
        )
    return baris


def ringkasan(lap: LaporanKepatuhan) -> list[list[str]]:
    return [
        ["Kunjungan (tanpa yang batal)", str(lap.jumlah)],
        [
            "Terkirim ke SATUSEHAT",
            f"{lap.terkirim_satusehat} ({lap.persen_satusehat}%, target 100%)",
        ],
        ["Kunjungan BPJS ke poli PCare", str(lap.bpjs)],
        ["Terdaftar di PCare", f"{lap.terkirim_pcare} ({lap.persen_pcare}%)"],
        ["Peserta JKN unik dilayani", str(lap.peserta_jkn_unik)],
        ["Belum terkirim (perlu dicek)", str(len(lap.belum_terkirim))],
    ]


def pdf(lap: LaporanKepatuhan, *, puskesmas) -> bytes:
    doc = FPDF(orientation="L", unit="mm", format="A4")
    doc.set_auto_page_break(auto=True, margin=12)
    doc.add_page()
    doc.set_font("Helvetica", "B", 13)
    periode = bulan_tahun(lap.tahun, lap.bulan)
    judul = f"Kepatuhan Integrasi (SATUSEHAT, PCare, Antrean FKTP) - {periode}"
    doc.cell(0, 8, _latin1(judul), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 10)
    doc.cell(0, 6, _latin1(f"{puskesmas.nama} ({puskesmas.kode_faskes})"), new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    for label, nilai in ringkasan(lap):
        doc.cell(70, 5.5, _latin1(label))
        doc.cell(0, 5.5, _latin1(nilai), new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.set_font("Helvetica", "B", 10)
    doc.cell(0, 6, "Belum terkirim dan tindakan yang diperlukan", new_x="LMARGIN", new_y="NEXT")
    lebar = (18, 10, 15, 30, 25, 18, 20, 20, 20, 50, 51)
    doc.set_font("Helvetica", "B", 7)
    with doc.table(col_widths=lebar, text_align="LEFT", line_height=4) as tabel:
        for i, baris in enumerate(baris_tabel(lap, hanya_belum=True)):
            r = tabel.row()
            if i == 1:
                doc.set_font("Helvetica", "", 7)
            for sel in baris:
                r.cell(_latin1(sel))
    return bytes(doc.output())
