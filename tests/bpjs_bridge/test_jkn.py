"""The Antrean FKTP web services Mobile JKN calls on us (/bpjs/jkn/...), protocol §4.2."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from antrean.models import Tiket
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan
from pendaftaran.models import Kunjungan, Pasien

pytestmark = pytest.mark.django_db
BASE = "/bpjs/jkn"


@pytest.fixture
def token(client, puskesmas) -> str:
    r = client.get(f"{BASE}/auth", HTTP_X_USERNAME="mobilejkn", HTTP_X_PASSWORD="mobilejkn-demo")
    body = r.json()
    assert body["metadata"] == {"message": "Ok", "code": 200}
    return body["response"]["token"]


@pytest.fixture
def jkn(client, token):
    h = {"HTTP_X_TOKEN": token, "HTTP_X_USERNAME": "mobilejkn"}

    class Jkn:
        def get(self, path: str):
            return client.get(BASE + path, **h).json()

        def post(self, path: str, body):
            return client.post(BASE + path, json.dumps(body), "application/json", **h).json()

        def put(self, path: str, body):
            return client.put(BASE + path, json.dumps(body), "application/json", **h).json()

    return Jkn()


def hari_ini() -> str:
    return timezone.localdate().isoformat()


def booking(pasien, **lain):
    return {
        "nomorkartu": pasien.no_bpjs,
        "nik": pasien.nik,
        "kodepoli": "001",
        "tanggalperiksa": hari_ini(),
        "keluhan": "batuk",
        **lain,
    }


def test_auth_refuses_a_wrong_password_with_code_201(client, puskesmas):
    r = client.get(f"{BASE}/auth", HTTP_X_USERNAME="mobilejkn", HTTP_X_PASSWORD="salah")
    assert r.status_code == 200
    assert r.json() == {
        "metadata": {"message": "Username atau password tidak sesuai.", "code": 201}
    }


def test_requests_without_a_valid_token_are_refused(client, puskesmas, token):
    r = client.get(f"{BASE}/antrean/status/001/{hari_ini()}", HTTP_X_USERNAME="mobilejkn")
    assert r.json()["metadata"]["code"] == 201
    r = client.get(
        f"{BASE}/antrean/status/001/{hari_ini()}",
        HTTP_X_TOKEN=token + "x",
        HTTP_X_USERNAME="mobilejkn",
    )
    assert r.json()["metadata"] == {"message": "Token tidak valid.", "code": 201}
    r = client.get(
        f"{BASE}/antrean/status/001/{hari_ini()}", HTTP_X_TOKEN=token, HTTP_X_USERNAME="lain"
    )
    assert r.json()["metadata"]["code"] == 201


def test_an_expired_token_is_refused(client, puskesmas, token, settings):
    settings.JKN_TOKEN_DETIK = -1
    r = client.get(
        f"{BASE}/antrean/status/001/{hari_ini()}", HTTP_X_TOKEN=token, HTTP_X_USERNAME="mobilejkn"
    )
    assert "kedaluwarsa" in r.json()["metadata"]["message"]


def test_online_booking_becomes_a_ticket_in_the_same_queue_as_walk_ins(
    jkn, pasien_bpjs, pasien_umum, daftar_bpjs, django_capture_on_commit_callbacks
):
    walk_in = daftar_bpjs(pasien_umum, penjamin="umum")
    with django_capture_on_commit_callbacks():
        body = jkn.post("/antrean", booking(pasien_bpjs))
    assert body["metadata"] == {"message": "Ok", "code": 200}
    r = body["response"]
    k = Kunjungan.objects.get(pasien=pasien_bpjs)
    tiket = k.tiket_pertama
    assert (k.sumber, k.penjamin, k.keluhan, k.unit.kode) == ("mobile_jkn", "bpjs", "batuk", "UMUM")
    assert tiket.unit == walk_in.unit and tiket.nomor == walk_in.tiket_pertama.nomor + 1
    assert r["nomorantrean"] == tiket.kode and r["angkaantrean"] == tiket.nomor
    assert r["namapoli"] == "Poli Umum" and r["sisaantrean"] == 1
    assert r["antreanpanggil"] == "-"
    # BPJS already knows an online booking: eligibility + PCare, but no antrean/add back.
    jenis = set(PermintaanBpjs.objects.filter(kunjungan=k).values_list("jenis", flat=True))
    assert jenis == {JenisPermintaan.CEK_PESERTA, JenisPermintaan.PENDAFTARAN_ADD}


def test_the_counter_finds_the_online_registrant_by_nik_or_card_with_todays_ticket(
    jkn, pasien_bpjs, puskesmas
):
    from pendaftaran.selectors import pasien_cari

    jkn.post("/antrean", booking(pasien_bpjs))
    for q in (pasien_bpjs.nik, pasien_bpjs.no_bpjs):
        (ketemu,) = pasien_cari(puskesmas=puskesmas, q=q)
        assert ketemu == pasien_bpjs
        assert ketemu.kunjungan.get().tiket_pertama is not None


def test_a_repeated_booking_returns_the_same_number(jkn, pasien_bpjs):
    a = jkn.post("/antrean", booking(pasien_bpjs))
    b = jkn.post("/antrean", booking(pasien_bpjs))
    assert a["response"]["nomorantrean"] == b["response"]["nomorantrean"]
    assert Kunjungan.objects.filter(pasien=pasien_bpjs).count() == 1


def test_booking_when_already_registered_at_the_counter_is_refused(
    jkn, pasien_bpjs, daftar_bpjs, django_capture_on_commit_callbacks
):
    k = daftar_bpjs(pasien_bpjs)
    body = jkn.post("/antrean", booking(pasien_bpjs))
    assert body["metadata"]["code"] == 201
    assert k.tiket_pertama.kode in body["metadata"]["message"]


def test_an_unknown_patient_gets_202_then_registers_through_post_peserta(jkn, puskesmas):
    from datetime import date

    from tests.factories import buat_nik

    nik = buat_nik(date(1990, 5, 17), "P", serial=77)
    body = jkn.post(
        "/antrean",
        {"nomorkartu": "0000000000777", "nik": nik, "kodepoli": "001",
         "tanggalperiksa": hari_ini(), "keluhan": "pusing"},
    )  # fmt: skip
    assert body["metadata"]["code"] == 202
    assert "Pasien baru" in body["metadata"]["message"]
    peserta = {
        "nomorkartu": "0000000000777", "nik": nik, "nomorkk": "3204100000000001",
        "nama": "DEWI LESTARI", "jeniskelamin": "P", "tanggallahir": "1990-05-17",
        "alamat": "Jl. Mawar 3", "kodeprop": "32", "namaprop": "JAWA BARAT", "kodedati2": "0204",
        "namadati2": "KAB. BANDUNG", "kodekec": "1", "namakec": "BANJARAN", "kodekel": "1",
        "namakel": "SUKAMAJU", "rw": "002", "rt": "003",
    }  # fmt: skip
    body = jkn.post("/peserta", peserta)
    assert body["metadata"] == {"message": "Ok", "code": 200}
    pasien = Pasien.objects.get(nik=nik)
    assert body["response"] == {"norm": pasien.no_rm}
    assert pasien.no_bpjs == "0000000000777" and pasien.nama == "DEWI LESTARI"
    assert "RT 003/RW 002" in pasien.alamat and "Banjaran" in pasien.alamat
    assert jkn.post("/peserta", peserta)["response"] == {"norm": pasien.no_rm}  # repeat
    assert (
        jkn.post("/antrean", {**peserta, "kodepoli": "001", "tanggalperiksa": hari_ini()})[
            "metadata"
        ]["code"]
        == 200
    )


@pytest.mark.parametrize(
    ("ubah", "pesan"),
    [
        ({"nomorkartu": ""}, "Nomor kartu belum diisi."),
        ({"nomorkartu": "12345"}, "Nomor kartu harus 13 digit."),
        ({"nomorkartu": "00012345678AB"}, "Format nomor kartu tidak sesuai (harus angka)."),
        ({"nik": "123"}, "NIK harus 16 digit angka."),
        ({"tanggalperiksa": "24-11-2026"}, "Format tanggal periksa harus yyyy-mm-dd."),
        ({"tanggalperiksa": "2020-01-01"}, "Tanggal periksa tidak boleh tanggal yang sudah lewat."),
        ({"kodepoli": "999"}, "Poli 999 tidak tersedia di Puskesmas ini."),
        ({"kodepoli": ""}, "Kode poli belum diisi."),
    ],
)
def test_booking_validation_answers_201_with_a_message_naming_the_field(
    jkn, pasien_bpjs, ubah, pesan
):
    body = jkn.post("/antrean", booking(pasien_bpjs, **ubah))
    assert body["metadata"] == {"message": pesan, "code": 201}
    assert not Kunjungan.objects.exists()


def test_a_body_that_is_not_json_is_refused_with_the_envelope(client, token, puskesmas):
    r = client.post(
        f"{BASE}/antrean", "bukan json", "application/json",
        HTTP_X_TOKEN=token, HTTP_X_USERNAME="mobilejkn",
    )  # fmt: skip
    assert r.json()["metadata"] == {
        "message": "Badan permintaan bukan JSON yang valid.",
        "code": 201,
    }


def test_status_and_sisapeserta_follow_the_queue(jkn, pasien_bpjs, pasien_umum, daftar_bpjs):
    from antrean.services import panggil_berikutnya

    walk_in = daftar_bpjs(pasien_umum, penjamin="umum")
    jkn.post("/antrean", booking(pasien_bpjs))
    status = jkn.get(f"/antrean/status/001/{hari_ini()}")
    assert status["metadata"]["code"] == 200
    assert status["response"]["totalantrean"] == 2
    assert status["response"]["sisaantrean"] == 2
    sisa = jkn.get(f"/antrean/sisapeserta/{pasien_bpjs.no_bpjs}/001/{hari_ini()}")
    assert sisa["response"]["sisaantrean"] == 1
    panggil_berikutnya(unit=walk_in.unit)
    sisa = jkn.get(f"/antrean/sisapeserta/{pasien_bpjs.no_bpjs}/001/{hari_ini()}")
    assert sisa["response"]["sisaantrean"] == 0
    assert sisa["response"]["antreanpanggil"] == walk_in.tiket_pertama.kode
    assert jkn.get(f"/antrean/status/001/{hari_ini()}")["response"]["sisaantrean"] == 1
    nihil = jkn.get(f"/antrean/sisapeserta/0009999999999/001/{hari_ini()}")
    assert nihil["metadata"]["code"] == 201


def test_put_batal_cancels_the_booking_without_echoing_it_back_to_bpjs(jkn, pasien_bpjs):
    jkn.post("/antrean", booking(pasien_bpjs))
    body = jkn.put(
        "/antrean/batal",
        {"nomorkartu": pasien_bpjs.no_bpjs, "kodepoli": "001", "tanggalperiksa": hari_ini(),
         "keterangan": "sudah sembuh"},
    )  # fmt: skip
    assert body["metadata"] == {"message": "Ok", "code": 200}
    k = Kunjungan.objects.get(pasien=pasien_bpjs)
    assert k.status == "batal" and "sudah sembuh" in k.alasan_batal
    assert Tiket.objects.get(kunjungan=k).status == "batal"
    assert not PermintaanBpjs.objects.filter(jenis=JenisPermintaan.ANTREAN_BATAL).exists()
    assert set(PermintaanBpjs.objects.values_list("status", flat=True)) == {
        StatusPermintaan.DIBATALKAN
    }
    again = jkn.put(
        "/antrean/batal",
        {"nomorkartu": pasien_bpjs.no_bpjs, "kodepoli": "001", "tanggalperiksa": hari_ini()},
    )
    assert again["metadata"]["code"] == 201


def test_batal_is_refused_once_the_patient_was_called(jkn, pasien_bpjs):
    from antrean.services import panggil_berikutnya

    jkn.post("/antrean", booking(pasien_bpjs))
    k = Kunjungan.objects.get(pasien=pasien_bpjs)
    panggil_berikutnya(unit=k.unit)
    body = jkn.put(
        "/antrean/batal",
        {"nomorkartu": pasien_bpjs.no_bpjs, "kodepoli": "001", "tanggalperiksa": hari_ini()},
    )
    assert body["metadata"]["code"] == 201
    assert "Dipanggil" in body["metadata"]["message"]


def test_a_booking_for_a_later_day_takes_a_number_in_that_days_queue(
    jkn, pasien_bpjs, pasien_umum, daftar_bpjs
):
    from antrean.selectors import antrean_unit
    from bpjs_bridge.services import permintaan_proses
    from pendaftaran.services import awal_hari

    lusa = timezone.localdate() + timedelta(days=2)
    body = jkn.post("/antrean", booking(pasien_bpjs, tanggalperiksa=lusa.isoformat()))
    assert body["metadata"] == {"message": "Ok", "code": 200}
    assert body["response"]["nomorantrean"] == "A-001"
    assert body["response"]["sisaantrean"] == 0
    k = Kunjungan.objects.get(pasien=pasien_bpjs)
    tiket = k.tiket_pertama
    assert k.tanggal == tiket.tanggal == lusa
    assert tiket.waktu_masuk == awal_hari(lusa)  # waits from its day's start, not from today
    # Today's queue neither shows it nor lost a number to it.
    walk_in = daftar_bpjs(pasien_umum, penjamin="umum")
    assert walk_in.tiket_pertama.kode == "A-001"
    assert not antrean_unit(unit=k.unit, tanggal=timezone.localdate()).filter(kunjungan=k)
    # Mobile JKN sees it in that day's queue; a walk-in that day queues behind it.
    status = jkn.get(f"/antrean/status/001/{lusa}")["response"]
    assert status["totalantrean"] == 1 and status["sisaantrean"] == 1
    # Eligibility is checked now; the PCare registration waits for its day.
    cek = PermintaanBpjs.objects.get(kunjungan=k, jenis=JenisPermintaan.CEK_PESERTA)
    pcare = PermintaanBpjs.objects.get(kunjungan=k, jenis=JenisPermintaan.PENDAFTARAN_ADD)
    assert cek.jadwal <= timezone.now() < pcare.jadwal == awal_hari(lusa)
    assert permintaan_proses(permintaan_id=pcare.pk, pekerja="uji") == "tidak_diklaim"
    # Cancelled ahead of the day: the visit and its ticket close.
    batal = jkn.put(
        "/antrean/batal",
        {"nomorkartu": pasien_bpjs.no_bpjs, "kodepoli": "001", "tanggalperiksa": lusa.isoformat()},
    )
    assert batal["metadata"] == {"message": "Ok", "code": 200}
    assert Kunjungan.objects.get(pk=k.pk).status == "batal"


def test_a_booking_beyond_the_allowed_days_ahead_is_refused(jkn, pasien_bpjs, settings):
    settings.JKN_HARI_PESAN_MAKS = 3
    jauh = (timezone.localdate() + timedelta(days=4)).isoformat()
    body = jkn.post("/antrean", booking(pasien_bpjs, tanggalperiksa=jauh))
    assert body["metadata"] == {
        "message": "Tanggal periksa paling lambat 3 hari dari hari ini.",
        "code": 201,
    }
    assert not Kunjungan.objects.exists()
