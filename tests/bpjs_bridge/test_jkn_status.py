"""Mobile JKN status and sisa antrean per unit, never summed across units sharing one PCare
poli code (Poli Anak, Umum, Lansia and P2M are all 001 in the demo); both documented
response versions."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.core.cache import cache
from django.utils import timezone

from antrean.models import Tiket
from bpjs_bridge.selectors import kunci_jadwal
from integrasi.selectors import konfigurasi_bpjs
from tests.bpjs_bridge import test_jkn
from tests.bpjs_bridge.test_jkn import BASE, hari_ini

token, jkn = test_jkn.token, test_jkn.jkn  # the Mobile JKN client fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def antre(puskesmas, peserta_pasien, daftar_bpjs):
    """Three walk-ins at Poli Umum and one at Poli Lansia, all PCare poli 001."""
    umum = [daftar_bpjs(peserta_pasien("aktif", i), unit="UMUM") for i in range(3)]
    lansia = daftar_bpjs(peserta_pasien("aktif", 3), unit="LANSIA")
    return umum, lansia


def test_v1_status_answers_one_units_own_queue_and_names_the_others(jkn, antre):
    r = jkn.get(f"/antrean/status/001/{hari_ini()}")["response"]
    assert r["namapoli"] == "Poli Umum"
    assert (r["totalantrean"], r["sisaantrean"]) == (3, 3)  # not 4: Lansia is not added in
    assert "Poli Lansia (sisa 1)" in r["keterangan"]


def test_v2_status_lists_each_unit_and_doctors_session_on_its_own(jkn, antre, settings, puskesmas):
    settings.JKN_VERSI_ANTREAN = 2
    umum, lansia = antre
    hari = timezone.localdate()
    # Where the outbox's schedule lookup leaves it (antrean_fktp._jadwal_dokter).
    cache.set(
        kunci_jadwal(konfigurasi_bpjs(puskesmas).cons_id, "001", hari),
        [
            {"kodedokter": k, "namadokter": n, "jampraktek": j, "kapasitas": 30}
            for k, n, j in ((101, "dr. PAGI", "08:00-12:00"), (102, "dr. SIANG", "13:00-16:00"))
        ],
    )
    # One Umum patient joined the queue in the afternoon session.
    siang = timezone.make_aware(datetime.combine(hari, time(14, 0)))
    pagi = timezone.make_aware(datetime.combine(hari, time(9, 0)))
    Tiket.objects.filter(kunjungan__in=[*umum[:2], lansia]).update(waktu_masuk=pagi)
    Tiket.objects.filter(kunjungan=umum[2]).update(waktu_masuk=siang)
    body = jkn.get(f"/antrean/status/001/{hari_ini()}")
    assert body["metadata"]["code"] == 200
    baris = {(r["namapoli"], r["kodedokter"]): r for r in body["response"]}
    terisi = {k for k, r in baris.items() if r["totalantrean"]}
    assert terisi == {("Poli Umum", 101), ("Poli Umum", 102), ("Poli Lansia", 101)}
    # Units of the same code with nobody yet still answer, with their own zeros.
    kosong = {nama for (nama, _), r in baris.items() if not r["totalantrean"]}
    assert kosong == {"Poli Anak & MTBS", "Poli TB & Penyakit Menular"}
    assert baris[("Poli Umum", 101)]["totalantrean"] == 2
    assert baris[("Poli Umum", 102)]["sisaantrean"] == 1
    assert baris[("Poli Umum", 102)]["jampraktek"] == "13:00-16:00"
    assert baris[("Poli Lansia", 101)]["totalantrean"] == 1
    assert sum(r["totalantrean"] for r in body["response"]) == 4  # each ticket once


def test_sisa_antrean_answers_for_the_mobile_jkn_booking_in_its_own_unit(
    jkn, antre, pasien_bpjs, daftar_bpjs, puskesmas
):
    import uuid

    from pendaftaran.models import Sumber
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    # The same card is a walk-in at Poli Lansia (registered first) and has a Mobile JKN
    # booking at Poli Umum (same code 001): Mobile JKN asks about its booking.
    daftar_bpjs(pasien_bpjs, unit="LANSIA")
    kunjungan_daftar(
        puskesmas=puskesmas,
        pasien=pasien_bpjs,
        unit=puskesmas.unit_layanan.get(kode="UMUM"),
        data=DataKunjungan(penjamin="bpjs", keluhan="batuk"),
        client_uuid=uuid.uuid4(),
        sumber=Sumber.MOBILE_JKN,
    )
    sisa = jkn.get(f"/antrean/sisapeserta/{pasien_bpjs.no_bpjs}/001/{hari_ini()}")
    assert sisa["response"]["namapoli"] == "Poli Umum"
    assert sisa["response"]["sisaantrean"] == 3  # behind Umum's three, not Lansia's one


def test_a_wrong_method_on_status_gets_the_json_envelope_not_an_html_405(client, token):
    r = client.post(
        f"{BASE}/antrean/status/001/{hari_ini()}", HTTP_X_TOKEN=token, HTTP_X_USERNAME="mobilejkn"
    )
    assert r.status_code == 405 and r["Content-Type"] == "application/json"
    assert r.json()["metadata"] == {
        "message": "Metode POST tidak didukung; gunakan GET.",
        "code": 201,
    }
