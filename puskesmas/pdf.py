"""The A4 landscape report PDF both reports share (fpdf2, core fonts): a title, the
Puskesmas' name and code, then a table whose first row is the header."""

from __future__ import annotations

from fpdf import FPDF


def latin1(teks: str) -> str:
    # The PDF's core font is Latin-1; dashes and the like are mapped, the rest replaced.
    teks = teks.replace("—", "-").replace("–", "-").replace("≥", ">=").replace("…", "...")
    return teks.encode("latin-1", "replace").decode("latin-1")


def laporan(judul: str, *, puskesmas, baris: list[list[str]], lebar: tuple[float, ...]) -> FPDF:
    doc = FPDF(orientation="L", unit="mm", format="A4")
    doc.set_auto_page_break(auto=True, margin=12)
    doc.add_page()
    doc.set_font("Helvetica", "B", 13)
    doc.cell(0, 8, latin1(judul), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 10)
    doc.cell(
        0, 6, latin1(f"{puskesmas.nama} ({puskesmas.kode_faskes})"), new_x="LMARGIN", new_y="NEXT"
    )
    doc.ln(2)
    doc.set_font("Helvetica", "B", 8)
    with doc.table(col_widths=lebar, text_align="LEFT", line_height=4.5) as tabel:
        for i, isi in enumerate(baris):
            r = tabel.row()
            if i == 1:
                doc.set_font("Helvetica", "", 8)
            for sel in isi:
                r.cell(latin1(sel))
    return doc
