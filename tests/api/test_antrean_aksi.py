"""The poli's moves through the JSON API: every transition, its refusals, and who may make them.
The same services as the poli page's buttons (tests/antrean/test_transisi.py covers the state
machine itself); here the contract an ERM or a calling machine relies on."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from antrean.models import StatusTiket, Tiket
from pendaftaran import services as pendaftaran
from pendaftaran.validasi import DataKunjungan
from puskesmas.services import api_token_buat
from tests.api.conftest import kirim
from tests.factories import PasienFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def poli(perawat_poli) -> Client:
    """Poli Umum's nurse (cluster 3) through a bearer token of her own account."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=perawat_poli.user)[1]}")


@pytest.fixture
def tiket(puskesmas, unit):
    def buat() -> Tiket:
        return pendaftaran.kunjungan_daftar(
            puskesmas=puskesmas,
            pasien=PasienFactory(puskesmas=puskesmas),
            unit=unit,
            data=DataKunjungan(penjamin="umum"),
            client_uuid=uuid.uuid4(),
        ).kunjungan.tiket.get()

    return buat


def aksi(client: Client, t: Tiket, nama: str, **body):
    return kirim(client, f"/tiket/{t.pk}/{nama}", body)


def test_call_next_answers_the_called_ticket_then_409_when_nobody_waits(poli, tiket, unit):
    pertama = tiket()
    r = kirim(poli, f"/antrean/{unit.pk}/panggil-berikutnya", {})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["kode"], body["status"]) == (pertama.kode, "dipanggil")
    assert body["pasien_nama"] == pertama.kunjungan.pasien.nama
    kosong = kirim(poli, f"/antrean/{unit.pk}/panggil-berikutnya", {})
    assert kosong.status_code == 409 and kosong.json()["kode"] == "antrean_kosong"


def test_every_move_of_a_ticket_through_the_api(poli, tiket, puskesmas):
    lab = puskesmas.unit_layanan.get(kode="LAB")
    t = tiket()
    langkah = [
        ("panggil", {}, "dipanggil"),
        ("panggil-ulang", {}, "dipanggil"),
        ("lewati", {"alasan": "tidak ada"}, "dilewati"),
        ("antre-ulang", {}, "menunggu"),
        ("panggil", {}, "dipanggil"),
        ("mulai", {}, "dilayani"),
        ("selesai", {}, "selesai"),
    ]
    for nama, body, status in langkah:
        r = aksi(poli, t, nama, **body)
        assert r.status_code == 200, (nama, r.content)
        assert r.json()["status"] == status, nama
    assert [x.aksi for x in t.riwayat.order_by("pada", "pk")][1:] == [
        "panggil",
        "panggil_ulang",
        "lewati",
        "antre_ulang",
        "panggil",
        "mulai",
        "selesai",
    ]
    # Cancel needs a reason; transfer needs a unit and answers the new ticket.
    kedua = tiket()
    r = aksi(poli, kedua, "batal")
    assert r.status_code == 422 and "alasan" in r.json()["galat"]
    assert aksi(poli, kedua, "batal", alasan="pulang").json()["status"] == "batal"
    ketiga = tiket()
    aksi(poli, ketiga, "panggil")
    r = aksi(poli, ketiga, "rujuk")
    assert r.status_code == 422 and "unit_tujuan" in r.json()["galat"]
    r = aksi(poli, ketiga, "rujuk", unit_tujuan=lab.pk, alasan="cek darah")
    assert r.status_code == 200
    assert (r.json()["unit_id"], r.json()["status"]) == (lab.pk, "menunggu")
    assert Tiket.objects.get(pk=ketiga.pk).status == StatusTiket.SELESAI


def test_an_impossible_move_is_409_naming_the_tickets_state(poli, tiket):
    t = tiket()
    r = aksi(poli, t, "selesai")
    assert r.status_code == 409
    assert r.json()["kode"] == "transisi_ditolak"
    assert f"Tiket {t.kode} masih menunggu" in r.json()["pesan"]
    r = aksi(poli, t, "ulangi")
    assert r.status_code == 422 and "aksi" in r.json()["galat"]


def test_loket_staff_may_not_move_tickets_and_other_clusters_are_not_found(
    api_client, poli, tiket, puskesmas
):
    t = tiket()
    assert aksi(api_client, t, "panggil").status_code == 403  # a loket officer's token
    kia = puskesmas.unit_layanan.get(kode="KIA")  # cluster 2: not this nurse's
    assert kirim(poli, f"/antrean/{kia.pk}/panggil-berikutnya", {}).status_code == 404
    assert Tiket.objects.get(pk=t.pk).status == StatusTiket.MENUNGGU
