"""The head's compliance view (page, CSV, PDF), the worklist's "Coba lagi" and the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from pendaftaran import services as pendaftaran_services
from satusehat.models import KirimanSatusehat
from tests.satusehat.conftest import proses_semua

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kepala(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.get(user__username="kepala")


@pytest.fixture
def bulan_ini(pasien_ss, daftar, petugas_loket):
    """Four visits: two sent, one held (unit not mapped), one cancelled before sending."""
    terkirim = [daftar(pasien_ss(0)), daftar(pasien_ss(1), unit="GIGI")]
    for k in terkirim:
        proses_semua(k)
    ditahan = daftar(pasien_ss(2), unit="KIA")
    proses_semua(ditahan)
    batal = daftar(pasien_ss(3))
    pendaftaran_services.kunjungan_batal(kunjungan=batal, oleh=petugas_loket.user, alasan="x")
    return {"terkirim": terkirim, "ditahan": ditahan, "batal": batal}


def test_the_head_sees_the_share_sent_and_what_is_not_sent_with_the_action(
    client, kepala, bulan_ini
):
    client.force_login(kepala.user)
    r = client.get(reverse("satusehat:kepatuhan"))
    teks = r.content.decode()
    assert r.status_code == 200
    assert (
        'id="persen-satusehat">66,7%' in teks
    )  # Indonesian decimal comma  # 2 of 3 (the cancelled one does not count)
    assert "2 dari 3 kunjungan · target 100%" in teks
    assert "Admin: petakan unit di halaman Integrasi" in teks
    ditahan = KirimanSatusehat.objects.get(kunjungan=bulan_ini["ditahan"])
    assert reverse("satusehat:coba_lagi", args=[ditahan.pk]) in teks


def test_csv_and_pdf_carry_the_same_rows(client, kepala, bulan_ini):
    client.force_login(kepala.user)
    r = client.get(reverse("satusehat:kepatuhan_csv"))
    baris = list(csv.reader(io.StringIO(r.content.decode())))
    assert baris[0][:3] == ["Tanggal", "Jam", "No. RM"]
    assert sum(1 for b in baris[1:5] if b[8] == "Terkirim") == 2
    assert ["Terkirim ke SATUSEHAT", "2 (66.7%, target 100%)"] in baris
    pdf = client.get(reverse("satusehat:kepatuhan_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_coba_lagi_requeues_a_held_row(client, petugas_loket, bulan_ini):
    row = KirimanSatusehat.objects.get(kunjungan=bulan_ini["ditahan"])
    client.force_login(petugas_loket.user)
    r = client.post(reverse("satusehat:coba_lagi", args=[row.pk]))
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.status == "menunggu" and row.percobaan == 0


def test_the_api_gives_the_clinical_system_the_encounter_id(client, petugas_loket, bulan_ini):
    from satusehat.models import EncounterKunjungan

    client.force_login(petugas_loket.user)
    k = bulan_ini["terkirim"][0]
    r = client.get(f"/api/v1/kunjungan/{k.pk}/satusehat")
    assert r.status_code == 200
    enc = EncounterKunjungan.objects.get(kunjungan=k)
    assert r.json()["encounter_id"] == enc.encounter_id
    assert r.json()["status"] == "terkirim" and r.json()["encounter_status"] == "arrived"
    held = client.get(f"/api/v1/kunjungan/{bulan_ini['ditahan'].pk}/satusehat").json()
    assert held["status"] == "ditahan" and held["encounter_id"] is None
    assert "belum dipetakan" in held["alasan"]
