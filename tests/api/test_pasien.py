from __future__ import annotations

from datetime import date

import pytest

from pendaftaran.models import Pasien
from tests.api.conftest import API, kirim
from tests.factories import PasienFactory, buat_nik

pytestmark = pytest.mark.django_db


def pasien_baru(**kw):
    lahir = kw.pop("tanggal_lahir", "1990-04-05")
    return {
        "nama": "Ahmad Fauzi",
        "tanggal_lahir": lahir,
        "jenis_kelamin": "L",
        "nik": buat_nik(date.fromisoformat(lahir), "L", serial=77),
        "no_hp": "0812-3456-7890",
        **kw,
    }


@pytest.mark.parametrize(
    "q",
    [
        "{nik}",
        "{no_bpjs}",
        "{no_rm}",
        "siti",
        "Siti Am",
        "aminah",
        "Siti 12-03-1980",
        "aminah 1980-03-12",
    ],
)
def test_search_finds_a_patient_by_any_identifier_or_name(api_client, pasien_bpjs, q):
    q = q.format(nik=pasien_bpjs.nik, no_bpjs=pasien_bpjs.no_bpjs, no_rm=pasien_bpjs.no_rm)
    r = api_client.get(f"{API}/pasien", {"q": q})
    assert r.status_code == 200, r.content
    assert [p["id"] for p in r.json()] == [pasien_bpjs.pk]
    assert r.json()[0]["no_bpjs"] == "0001234567890"  # leading zeros kept


def test_search_with_nothing_to_match_returns_an_empty_list(api_client, pasien_bpjs):
    assert api_client.get(f"{API}/pasien", {"q": "zzz tidak ada"}).json() == []
    assert api_client.get(f"{API}/pasien").json() == []


def test_search_never_returns_patients_of_another_puskesmas(api_client, petugas_lain):
    assert api_client.get(f"{API}/pasien", {"q": "warga"}).json() == []


def test_creating_a_patient_returns_201_with_a_new_medical_record_number(api_client):
    r = kirim(
        api_client,
        "/pasien",
        pasien_baru(
            nama="  Siti  Nur'aini ", jenis_kelamin="P", nik=buat_nik(date(1990, 4, 5), "P", 5)
        ),
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["nama"] == "Siti Nur'aini" and body["no_hp"] == "081234567890"
    assert len(body["no_rm"]) == 6 and body["tanpa_nik"] is False
    assert Pasien.objects.get(pk=body["id"]).dibuat_oleh.username == "loket1"


def test_a_known_nik_answers_409_with_the_existing_patient(api_client, pasien_bpjs):
    r = kirim(
        api_client,
        "/pasien",
        pasien_baru(
            nama="Siti A.", tanggal_lahir="1980-03-12", jenis_kelamin="P", nik=pasien_bpjs.nik
        ),
    )
    assert r.status_code == 409
    body = r.json()
    assert body["kode"] == "pasien_sudah_ada"
    assert body["pasien"]["id"] == pasien_bpjs.pk
    assert "Siti Aminah" in body["galat"]["nik"][0]
    assert Pasien.objects.count() == 1


def test_a_known_bpjs_card_answers_409_naming_the_card_field(api_client, pasien_bpjs):
    r = kirim(api_client, "/pasien", pasien_baru(no_bpjs=pasien_bpjs.no_bpjs))
    assert r.status_code == 409 and list(r.json()["galat"]) == ["no_bpjs"]


def test_a_lookalike_without_nik_needs_confirmation_before_it_is_created(api_client, puskesmas):
    PasienFactory(
        puskesmas=puskesmas,
        nama="Muhammad Rizki",
        tanggal_lahir=date(2024, 1, 9),
        nik=None,
        no_bpjs=None,
    )
    data = pasien_baru(nama="Muhamad Rizky", tanggal_lahir="2024-01-09", nik="")
    r = kirim(api_client, "/pasien", data)
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["kode"] == "kemungkinan_duplikat"
    assert body["kandidat"][0]["pasien"]["nama"] == "Muhammad Rizki"
    assert body["kandidat"][0]["skor"] >= 85

    r = kirim(api_client, "/pasien", {**data, "konfirmasi_baru": True})
    assert r.status_code == 201 and r.json()["tanpa_nik"] is True


def test_invalid_patient_data_answers_422_with_indonesian_messages_per_field(api_client):
    r = kirim(
        api_client,
        "/pasien",
        pasien_baru(tanggal_lahir="2090-01-01", jenis_kelamin="X", nik="1234", no_bpjs="12"),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["kode"] == "tidak_valid" and body["pesan"]
    assert set(body["galat"]) >= {"tanggal_lahir", "jenis_kelamin", "nik", "no_bpjs"}
    assert "masa depan" in body["galat"]["tanggal_lahir"][0]
    assert "Jenis kelamin" in body["galat"]["jenis_kelamin"][0]


def test_a_missing_required_field_is_named_in_the_error(api_client):
    r = kirim(api_client, "/pasien", {"nama": "Budi", "jenis_kelamin": "L"})
    assert r.status_code == 422
    assert r.json()["galat"] == {"tanggal_lahir": ["Tanggal lahir wajib diisi."]}


def test_a_patient_is_read_by_id(api_client, pasien_bpjs):
    r = api_client.get(f"{API}/pasien/{pasien_bpjs.pk}")
    assert r.status_code == 200 and r.json()["nik"] == pasien_bpjs.nik


def test_a_patient_of_another_puskesmas_is_not_found(api_client, petugas_lain):
    lain = Pasien.objects.get(nama="Warga Tetangga")
    r = api_client.get(f"{API}/pasien/{lain.pk}")
    assert r.status_code == 404
    assert r.json()["kode"] == "tidak_ditemukan"
    # …exactly like an id that does not exist at all.
    assert api_client.get(f"{API}/pasien/987654321").json() == r.json()


def test_poli_staff_may_search_but_not_create_patients(client, perawat_poli, pasien_bpjs):
    client.force_login(perawat_poli.user)
    assert client.get(f"{API}/pasien", {"q": "siti"}).status_code == 200
    r = kirim(client, "/pasien", pasien_baru())
    assert r.status_code == 403 and r.json()["kode"] == "tidak_berhak"
    assert not Pasien.objects.filter(nama="Ahmad Fauzi").exists()


def test_search_results_are_the_bytes_the_response_schema_writes(client, api_client, perawat_poli):
    """The search writes its PasienOut rows itself (pendaftaran/api.py): the body must be what
    the schema would write, for the full view and for the masked one poli staff get, with the
    fields that may be empty or null among them."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from pendaftaran.schemas import PasienOut

    PasienFactory(puskesmas=perawat_poli.puskesmas, nama="Rina Satu", no_bpjs=None, no_hp="")
    PasienFactory(puskesmas=perawat_poli.puskesmas, nama="Rina Dua", nik=None,
                  nik_ibu=buat_nik(date(1990, 1, 2), "P", serial=5), alamat="")  # fmt: skip
    client.force_login(perawat_poli.user)
    for klien in (api_client, client):
        r = klien.get(f"{API}/pasien", {"q": "rina"})
        assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
        baris = json.loads(r.content)
        assert len(baris) == 2
        skema = [PasienOut.model_validate(b).model_dump() for b in baris]
        assert r.content == json.dumps(skema, cls=NinjaJSONEncoder).encode()
