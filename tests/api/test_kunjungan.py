from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from antrean.models import Tiket
from pendaftaran.models import Kunjungan, Sumber
from tests.api.conftest import kirim

pytestmark = pytest.mark.django_db


def kunjungan(pasien, unit, **kw):
    return {
        "client_uuid": str(kw.pop("client_uuid", uuid.uuid4())),
        "pasien_id": pasien.pk,
        "unit_id": unit.pk,
        "penjamin": "bpjs",
        "keluhan": "Demam 3 hari",
        **kw,
    }


def test_registering_a_visit_answers_201_with_the_queue_ticket(api_client, pasien_bpjs, unit):
    r = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["pasien"] == {
        "id": pasien_bpjs.pk,
        "no_rm": pasien_bpjs.no_rm,
        "nama": "Siti Aminah",
    }
    assert body["unit"]["kode"] == "UMUM" and body["klaster"]["nomor"] == 3
    assert body["loket"] == "L1"  # the officer's own counter
    assert body["sumber"] == Sumber.API
    tiket = body["tiket"]
    assert tiket["kode"] == "A-001" and tiket["nomor"] == 1 and tiket["status"] == "menunggu"
    assert tiket["url_status"] == f"http://testserver/antrean/t/{tiket['token_publik']}/"
    assert "Idempotent-Replayed" not in r.headers


def test_the_same_uuid_twice_gives_one_visit_and_the_same_body(api_client, pasien_bpjs, unit):
    data = kunjungan(pasien_bpjs, unit)
    pertama = kirim(api_client, "/kunjungan", data)
    ulang = kirim(api_client, "/kunjungan", data)
    assert (pertama.status_code, ulang.status_code) == (201, 200)
    assert ulang.content == pertama.content
    assert ulang.headers["Idempotent-Replayed"] == "true"
    assert Kunjungan.objects.count() == 1 and Tiket.objects.count() == 1


def test_a_replay_still_succeeds_after_the_unit_was_closed(api_client, pasien_bpjs, unit):
    data = kunjungan(pasien_bpjs, unit)
    pertama = kirim(api_client, "/kunjungan", data)
    unit.aktif = False
    unit.save()
    ulang = kirim(api_client, "/kunjungan", data)
    assert ulang.status_code == 200 and ulang.content == pertama.content


def test_a_reused_uuid_for_another_patient_is_a_conflict(
    api_client, pasien_bpjs, pasien_umum, unit
):
    data = kunjungan(pasien_bpjs, unit)
    kirim(api_client, "/kunjungan", data)
    r = kirim(api_client, "/kunjungan", {**data, "pasien_id": pasien_umum.pk, "penjamin": "umum"})
    assert r.status_code == 409 and r.json()["kode"] == "uuid_bentrok"
    assert list(r.json()["galat"]) == ["client_uuid"]
    assert Kunjungan.objects.count() == 1


def test_a_second_open_visit_to_the_same_unit_today_is_refused_with_the_first(
    api_client, pasien_bpjs, unit
):
    pertama = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit)).json()
    r = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit))
    assert r.status_code == 409
    body = r.json()
    assert body["kode"] == "kunjungan_ganda" and "A-001" in body["galat"]["unit"][0]
    assert body["kunjungan"]["id"] == pertama["id"]


def test_a_unit_may_be_given_by_its_code_and_the_loket_by_its_code(
    api_client, pasien_umum, puskesmas
):
    data = kunjungan(
        pasien_umum, puskesmas.unit_layanan.get(kode="GIGI"), penjamin="umum", loket="l2"
    )
    del data["unit_id"]
    data["unit"] = "gigi"
    r = kirim(api_client, "/kunjungan", data)
    assert r.status_code == 201, r.content
    assert r.json()["unit"]["kode"] == "GIGI" and r.json()["loket"] == "L2"
    assert r.json()["tiket"]["kode"] == "G-001"


def test_an_unknown_loket_or_missing_unit_is_a_field_error(api_client, pasien_umum, unit):
    r = kirim(api_client, "/kunjungan", kunjungan(pasien_umum, unit, penjamin="umum", loket="L9"))
    assert r.status_code == 422 and "L9" in r.json()["galat"]["loket"][0]
    data = kunjungan(pasien_umum, unit, penjamin="umum")
    del data["unit_id"]
    r = kirim(api_client, "/kunjungan", data)
    assert r.status_code == 422 and "unit_id" in r.json()["galat"]


def test_domain_rules_answer_422_naming_the_field(api_client, pasien_umum, unit):
    # A man cannot be pregnant; BPJS needs a card number (or at least a NIK to look it up by).
    pasien_umum.nik = None
    pasien_umum.save()
    r = kirim(api_client, "/kunjungan", kunjungan(pasien_umum, unit, hamil=True))
    assert r.status_code == 422
    assert set(r.json()["galat"]) == {"hamil", "penjamin"}
    assert Kunjungan.objects.count() == 0


def test_the_officers_clock_is_kept_as_a_record_but_the_queue_follows_the_server(
    api_client, pasien_umum, unit
):
    """A naive time is read in local time and stored; but an online visit is at the counter
    now, so a clock two hours off (or a forged time) cannot move it up the queue."""
    dua_jam_lalu = timezone.localtime() - timedelta(hours=2)
    naif = dua_jam_lalu.replace(tzinfo=None, microsecond=0).isoformat()
    sebelum = timezone.now()
    r = kirim(
        api_client, "/kunjungan", kunjungan(pasien_umum, unit, penjamin="umum", dibuat_klien=naif)
    )
    assert r.status_code == 201, r.content
    k = Kunjungan.objects.get()
    assert k.dibuat_klien == dua_jam_lalu.replace(microsecond=0)
    masuk = datetime.fromisoformat(r.json()["tiket"]["waktu_masuk"])
    assert sebelum <= masuk <= timezone.now()


def test_a_time_far_in_the_future_is_refused(api_client, pasien_umum, unit):
    besok = (timezone.now() + timedelta(days=1)).isoformat()
    r = kirim(
        api_client, "/kunjungan", kunjungan(pasien_umum, unit, penjamin="umum", dibuat_klien=besok)
    )
    assert r.status_code == 422 and "dibuat_klien" in r.json()["galat"]


def test_a_patient_or_unit_of_another_puskesmas_is_not_found(
    api_client, pasien_bpjs, unit, petugas_lain
):
    pasien_lain = petugas_lain.puskesmas.pasien.get()
    unit_lain = petugas_lain.puskesmas.unit_layanan.get()
    r = kirim(api_client, "/kunjungan", kunjungan(pasien_lain, unit))
    assert r.status_code == 404 and list(r.json()["galat"]) == ["pasien_id"]
    r = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit_lain))
    assert r.status_code == 404 and list(r.json()["galat"]) == ["unit_id"]
    assert Kunjungan.objects.count() == 0


def test_a_visit_is_cancelled_with_a_reason_and_its_ticket_too(api_client, pasien_bpjs, unit):
    k = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit)).json()
    r = kirim(api_client, f"/kunjungan/{k['id']}/batal", {"alasan": "Pasien pulang"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "batal" and r.json()["tiket"]["status"] == "batal"
    assert Kunjungan.objects.get().alasan_batal == "Pasien pulang"
    # Cancelling again is harmless (a retried request).
    assert kirim(api_client, f"/kunjungan/{k['id']}/batal", {"alasan": "x"}).status_code == 200


def test_cancelling_needs_a_reason(api_client, pasien_bpjs, unit):
    k = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit)).json()
    r = kirim(api_client, f"/kunjungan/{k['id']}/batal", {"alasan": "   "})
    assert r.status_code == 422 and r.json()["galat"] == {
        "alasan": ["Alasan pembatalan wajib diisi."]
    }


def test_a_visit_of_another_puskesmas_cannot_be_cancelled(
    client, petugas_lain, api_client, pasien_bpjs, unit
):
    k = kirim(api_client, "/kunjungan", kunjungan(pasien_bpjs, unit)).json()
    client.force_login(petugas_lain.user)
    r = kirim(client, f"/kunjungan/{k['id']}/batal", {"alasan": "iseng"})
    assert r.status_code == 404
    assert Kunjungan.objects.get().status == "terdaftar"


def serentak(token: str, bodies: list[dict]) -> list[tuple[int, bytes]]:
    """POST each body to /kunjungan from its own thread, all released at the same instant."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to lose")
    mulai = threading.Barrier(len(bodies))
    hasil: list[tuple[int, bytes]] = []

    def kirim_satu(body: dict) -> None:
        try:
            c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            mulai.wait()
            r = kirim(c, "/kunjungan", body)
            hasil.append((r.status_code, r.content))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=kirim_satu, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return hasil


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_the_same_uuid_make_one_visit_on_postgresql(
    token_loket, pasien_bpjs, unit
):
    hasil = serentak(token_loket, [kunjungan(pasien_bpjs, unit)] * 8)
    assert sorted(s for s, _ in hasil) == [200] * 7 + [201], hasil
    assert len({body for _, body in hasil}) == 1  # every answer is the same visit and ticket
    assert Kunjungan.objects.count() == 1 and Tiket.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_counters_registering_one_patient_at_once_make_one_visit_on_postgresql(
    token_loket, pasien_bpjs, unit
):
    """Different client UUIDs (two lokets), same patient and unit, same instant: one visit, the
    other counter is told where the patient already queues."""
    hasil = serentak(token_loket, [kunjungan(pasien_bpjs, unit) for _ in range(6)])
    assert sorted(s for s, _ in hasil) == [201] + [409] * 5, hasil
    assert all(json.loads(b)["kode"] == "kunjungan_ganda" for s, b in hasil if s == 409)
    assert Kunjungan.objects.count() == 1 and Tiket.objects.count() == 1
