from __future__ import annotations

import json
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


# --- The cached queue list and its ETag (antrean/api.py) --------------------------------------


@pytest.fixture
def poli_api(perawat_poli):
    from django.test import Client

    from puskesmas.services import api_token_buat

    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=perawat_poli.user)[1]}")


def _daftar(api_client, puskesmas, unit, nama: str):
    pasien = PasienFactory(puskesmas=puskesmas, nama=nama, no_bpjs=None)
    badan = {"client_uuid": str(uuid.uuid4()), "unit_id": unit.pk, "penjamin": "umum",
             "pasien_id": pasien.pk}  # fmt: skip
    r = kirim(api_client, "/kunjungan", badan)
    assert r.status_code == 201, r.content


def test_an_unchanged_queue_answers_304_to_its_etag_and_a_call_shows_at_once(
    api_client, poli_api, puskesmas, unit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _daftar(api_client, puskesmas, unit, "Siti Satu")
    r = poli_api.get(f"{API}/antrean/{unit.pk}")
    etag = r["ETag"]
    assert r.status_code == 200 and r.json()["tiket"][0]["status"] == "menunggu"
    assert "no-store" in r["Cache-Control"]  # names of patients: no shared or browser copy
    sama = poli_api.get(f"{API}/antrean/{unit.pk}", HTTP_IF_NONE_MATCH=etag)
    assert sama.status_code == 304 and sama.content == b"" and sama["ETag"] == etag
    assert poli_api.get(f"{API}/antrean/{unit.pk}").json() == r.json()  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        assert kirim(poli_api, f"/antrean/{unit.pk}/panggil-berikutnya", {}).status_code == 200
    baru = poli_api.get(f"{API}/antrean/{unit.pk}", HTTP_IF_NONE_MATCH=etag)
    assert baru.status_code == 200 and baru["ETag"] != etag
    assert baru.json()["tiket"][0]["status"] == "dipanggil"


def test_a_registration_and_a_renamed_patient_reach_the_next_cached_list(
    api_client, poli_api, puskesmas, unit, django_capture_on_commit_callbacks
):
    from pendaftaran import services
    from pendaftaran.models import Pasien
    from pendaftaran.validasi import DataPasien

    with django_capture_on_commit_callbacks(execute=True):
        _daftar(api_client, puskesmas, unit, "Budi Lama")
    assert [t["pasien_nama"] for t in poli_api.get(f"{API}/antrean/{unit.pk}").json()["tiket"]] == [
        "Budi Lama"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        _daftar(api_client, puskesmas, unit, "Dewi Baru")
    p = Pasien.objects.get(nama="Budi Lama")
    data = DataPasien(nama="Budi Santoso", tanggal_lahir=p.tanggal_lahir,
                      jenis_kelamin=p.jenis_kelamin, nik=p.nik or "")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.pasien_ubah(pasien=p, data=data)
    nama = [t["pasien_nama"] for t in poli_api.get(f"{API}/antrean/{unit.pk}").json()["tiket"]]
    assert nama == ["Budi Santoso", "Dewi Baru"]


def test_the_cached_list_is_still_refused_to_another_cluster_and_another_puskesmas(
    api_client, poli_api, puskesmas, unit, petugas_lain, django_capture_on_commit_callbacks
):
    from puskesmas.services import api_token_buat

    with django_capture_on_commit_callbacks(execute=True):
        _daftar(api_client, puskesmas, unit, "Siti Satu")
    assert poli_api.get(f"{API}/antrean/{unit.pk}").status_code == 200  # now in the cache
    tetangga = api_token_buat(user=petugas_lain.user)[1]
    r = api_client.get(f"{API}/antrean/{unit.pk}", HTTP_AUTHORIZATION=f"Bearer {tetangga}")
    assert r.status_code == 404
    kia = puskesmas.unit_layanan.get(kode="KIA")  # cluster 2: not the nurse's
    assert poli_api.get(f"{API}/antrean/{kia.pk}").status_code == 404


def test_the_list_is_written_exactly_as_its_response_schema_would_write_it(
    api_client, puskesmas, unit
):
    from ninja.responses import NinjaJSONEncoder

    from antrean.api import AntreanOut, _antrean_json

    for nama in ("Siti Satu", "Budi Dua"):
        _daftar(api_client, puskesmas, unit, nama)
    isi = _antrean_json(unit, timezone.localdate())
    skema = AntreanOut.model_validate(json.loads(isi)).model_dump()
    assert isi == json.dumps(skema, cls=NinjaJSONEncoder).encode()
    assert len(json.loads(isi)["tiket"]) == 2
