"""Every page writes times the way the Puskesmas reads its wall clock: in its own time zone
(settings.TIME_ZONE, WIB here — never UTC), as HH.MM, dates as dd-mm-yyyy; plus the unit tests
of the formatting helpers that messages, CSV and PDF use."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antrean import services as antrean
from downtime import services as downtime
from pendaftaran import services as pendaftaran
from pendaftaran.validasi import DataKunjungan
from puskesmas import tampilan

pytestmark = pytest.mark.django_db

JAM_TITIK_DUA = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
TANGGAL_GARING = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def teks_terlihat(html: str) -> str:
    """What a person reads: scripts (JSON blobs with ISO times) and tags removed."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_formatting_helpers_write_indonesian_dates_times_and_numbers():
    t = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 06.30 the next morning in Jakarta
    assert tampilan.jam(t) == "06.30"
    assert tampilan.tanggal(t) == "02-12-2026"
    assert tampilan.tanggal_jam(t) == "02-12-2026 06.30"
    assert tampilan.tanggal(date(1985, 8, 17)) == "17-08-1985"
    assert tampilan.persen(100.0) == "100,0%" and tampilan.persen(66.666) == "66,7%"
    assert tampilan.angka(1234.5) == "1.234,5" and tampilan.angka(None) == ""
    assert tampilan.bulan_tahun(2026, 12) == "Desember 2026"


def test_every_page_shows_times_in_the_puskesmas_zone(
    puskesmas, petugas_loket, perawat_poli, admin_puskesmas, pasien_umum, unit, settings
):
    assert settings.TIME_ZONE == "Asia/Jakarta"
    hasil = pendaftaran.kunjungan_daftar(
        puskesmas=puskesmas,
        pasien=pasien_umum,
        unit=unit,
        data=DataKunjungan(penjamin="umum", keluhan="demam"),
        client_uuid=uuid.uuid4(),
        loket=petugas_loket.loket,
    )
    k = hasil.kunjungan
    t = antrean.panggil_berikutnya(unit=unit)
    ep = downtime.downtime_mulai(puskesmas=puskesmas, alasan="listrik")
    lokal = timezone.localtime(t.dipanggil_terakhir).strftime("%H.%M")
    utc = t.dipanggil_terakhir.astimezone(UTC).strftime("%H.%M")
    assert lokal != utc

    halaman = {
        petugas_loket: [
            reverse("pendaftaran:loket"),
            reverse("pendaftaran:tiket", args=[k.pk]),
            reverse("pendaftaran:cetak", args=[k.pk]),
        ],
        perawat_poli: [reverse("antrean:poli"), reverse("antrean:ringkasan")],
        admin_puskesmas: [
            reverse("downtime:beranda"),
            reverse("downtime:episode_daftar"),
            reverse("downtime:episode", args=[ep.pk]),
            reverse("downtime:laporan"),
            reverse("antrean:laporan"),
            reverse("bpjs_bridge:worklist"),
        ],
        None: [
            reverse("antrean:status_tiket", args=[t.token_publik]),
            reverse("antrean:tv", args=[puskesmas.kunci_display]),
        ],
    }
    dengan_jam = 0
    for petugas, urls in halaman.items():
        c = Client()
        if petugas is not None:
            c.force_login(petugas.user)
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200, url
            teks = teks_terlihat(r.content.decode())
            assert not JAM_TITIK_DUA.search(teks), (url, JAM_TITIK_DUA.findall(teks))
            assert not TANGGAL_GARING.search(teks), (url, TANGGAL_GARING.findall(teks))
            assert utc not in teks, url
            dengan_jam += lokal in teks
    assert dengan_jam >= 5  # the loket list, ticket, print, poli, downtime pages, TV clock…


def test_an_empty_login_says_which_fields_are_missing(client, db):
    html = client.post(reverse("masuk"), {"username": "", "password": ""}).content.decode()
    assert "Nama pengguna wajib diisi." in html and "Kata sandi wajib diisi." in html


def test_every_page_has_our_icon_and_no_doubled_names(client, admin_puskesmas):
    admin_puskesmas.user.first_name = "Admin"
    admin_puskesmas.user.last_name = "Puskesmas"
    admin_puskesmas.user.save()
    client.force_login(admin_puskesmas.user)
    html = client.get(reverse("downtime:beranda")).content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert "Admin Puskesmas · Admin Puskesmas" not in html
    assert finders.find("img/favicon.svg")


def test_an_english_browser_still_gets_indonesian_days_and_decimals(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    html = client.get(reverse("antrean:laporan"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    teks = html.content.decode()
    hari = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
    assert any(h in teks for h in hari) and 'lang="id"' in teks
    assert "Tuesday" not in teks and "Monday" not in teks
