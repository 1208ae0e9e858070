from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import API, kirim
from tests.factories import PasienFactory

pytestmark = pytest.mark.django_db


def test_units_are_listed_with_their_cluster_and_inactive_ones_left_out(api_client, puskesmas):
    puskesmas.unit_layanan.filter(kode="LAB").update(aktif=False)
    units = api_client.get(f"{API}/unit").json()
    kode = [u["kode"] for u in units]
    assert "UMUM" in kode and "LAB" not in kode
    umum = next(u for u in units if u["kode"] == "UMUM")
    assert umum["prefix"] == "A" and umum["klaster"]["nomor"] == 3


def test_the_queue_lists_todays_tickets_priority_first(api_client, puskesmas, unit):
    muda = PasienFactory(puskesmas=puskesmas, nama="Andi Muda", no_bpjs=None)
    tua = PasienFactory(
        puskesmas=puskesmas,
        nama="Kakek Tua",
        no_bpjs=None,
        tanggal_lahir=timezone.localdate().replace(year=1940),
    )
    for p in (muda, tua):
        r = kirim(
            api_client,
            "/kunjungan",
            {
                "client_uuid": str(uuid.uuid4()),
                "pasien_id": p.pk,
                "unit_id": unit.pk,
                "penjamin": "umum",
            },
        )
        assert r.status_code == 201, r.content
    body = api_client.get(f"{API}/antrean/{unit.pk}").json()
    assert body["unit"]["kode"] == "UMUM"
    assert body["tanggal"] == timezone.localdate().isoformat()
    assert [(t["kode"], t["pasien_nama"], t["prioritas"]) for t in body["tiket"]] == [
        ("A-002", "Kakek Tua", True),
        ("A-001", "Andi Muda", False),
    ]
    assert body["tiket"][0]["alasan_prioritas"] == "lansia"
    assert body["tiket"][0]["status"] == "menunggu" and body["tiket"][0]["waktu_masuk"]
    assert "nik" not in body["tiket"][0] and "no_bpjs" not in body["tiket"][0]


def test_the_queue_of_another_day_is_empty(api_client, pasien_umum, unit):
    kirim(
        api_client,
        "/kunjungan",
        {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": pasien_umum.pk,
            "unit_id": unit.pk,
            "penjamin": "umum",
        },
    )
    kemarin = (timezone.localdate() - timedelta(days=1)).isoformat()
    r = api_client.get(f"{API}/antrean/{unit.pk}", {"tanggal": kemarin})
    assert r.status_code == 200 and r.json()["tiket"] == []


def test_the_queue_of_another_puskesmas_unit_is_not_found(api_client, petugas_lain):
    unit_lain = petugas_lain.puskesmas.unit_layanan.get()
    r = api_client.get(f"{API}/antrean/{unit_lain.pk}")
    assert r.status_code == 404 and r.json()["kode"] == "tidak_ditemukan"


def test_poli_staff_may_read_the_queue(client, perawat_poli, unit):
    client.force_login(perawat_poli.user)
    assert client.get(f"{API}/antrean/{unit.pk}").status_code == 200
