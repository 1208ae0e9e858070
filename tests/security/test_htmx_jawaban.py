"""Every htmx form gets its own fragment back (or an HX-Redirect), never a whole page drawn
inside the page: two top bars and two <main> were what declaring downtime used to show."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from downtime import services as downtime
from pendaftaran import services as pendaftaran
from pendaftaran.validasi import DataKunjungan

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _klien(petugas) -> Client:
    c = Client()
    c.force_login(petugas.user)
    return c


def _bukan_halaman_penuh(r) -> bool:
    if "HX-Redirect" in r or "HX-Location" in r:
        return True
    html = r.content.decode()
    return "<html" not in html and "<main" not in html and 'class="topbar"' not in html


def test_every_htmx_form_answers_with_a_fragment_or_a_redirect(
    puskesmas, admin_puskesmas, petugas_loket, perawat_poli, pasien_umum, unit
):
    k = pendaftaran.kunjungan_daftar(
        puskesmas=puskesmas,
        pasien=pasien_umum,
        unit=unit,
        data=DataKunjungan(penjamin="umum"),
        client_uuid=uuid.uuid4(),
        loket=petugas_loket.loket,
    ).kunjungan
    ep = downtime.downtime_mulai(puskesmas=puskesmas, alasan="listrik", loket=petugas_loket.loket)
    loket, admin, poli = _klien(petugas_loket), _klien(admin_puskesmas), _klien(perawat_poli)
    kasus = [
        (admin, reverse("downtime:mulai"), {"alasan": ""}),  # field error
        (admin, reverse("downtime:mulai"), {"alasan": "erm"}),  # Puskesmas-wide: confirm first
        (admin, reverse("downtime:mulai"), {"alasan": "erm", "konfirmasi": "1"}),  # done
        (admin, reverse("downtime:episode", args=[ep.pk]), {"direspons_pada": "bukan waktu"}),
        (admin, reverse("downtime:episode", args=[ep.pk]), {"penyebab": "Kabel LAN"}),
        (loket, reverse("downtime:susulan"), {}),
        (loket, reverse("pendaftaran:pasien_baru"), {}),
        (loket, reverse("pendaftaran:daftar", args=[pasien_umum.pk]), {}),
        (loket, reverse("pendaftaran:batal", args=[k.pk]), {"alasan": ""}),
        (poli, reverse("antrean:aksi", args=[unit.pk, "panggil-berikutnya"]), {}),
    ]
    masalah = []
    for klien, url, data in kasus:
        r = klien.post(url, data, **HTMX)
        if r.status_code >= 500 or not _bukan_halaman_penuh(r):
            masalah.append(f"POST {url} {data}: {r.status_code}")
    assert not masalah, "\n".join(masalah)
