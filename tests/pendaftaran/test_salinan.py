"""The loket's offline copy of returning patients (pendaftaran/salinan.py, /loket/salinan.json):
who is in it, what it holds (no address, identifiers only hashed), paging and incremental
refresh. The browser half is tests/js/salinan.test.js; both use the same hash."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.utils import timezone

from pendaftaran import salinan
from pendaftaran.models import Pasien
from tests.factories import PasienFactory, buat_nik

URL = "/loket/salinan.json"


def test_the_hash_is_the_one_the_browser_computes():
    # The same literal is asserted in tests/js/salinan.test.js.
    assert salinan.sidik("garamuji", "3204105203800001") == "bd56cddb7fe12ab00871"
    assert salinan.sidik("garamuji", "") == ""


def test_the_copy_holds_what_the_counter_needs_and_no_identifier_in_clear(
    client_loket, pasien_bpjs
):
    r = client_loket.get(URL)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    body = r.json()
    (p,) = body["pasien"]
    assert p["id"] == pasien_bpjs.pk and p["nama"] == "Siti Aminah"
    assert p["h_nik"] == salinan.sidik(body["garam"], pasien_bpjs.nik)
    assert p["h_bpjs"] == salinan.sidik(body["garam"], pasien_bpjs.no_bpjs)
    assert p["nik4"] == pasien_bpjs.nik[-4:]
    teks = json.dumps(body)
    for rahasia in (pasien_bpjs.nik, pasien_bpjs.no_bpjs, pasien_bpjs.alamat):
        assert rahasia and rahasia not in teks
    assert body["setelah"] is None


def test_only_patients_seen_or_registered_in_the_last_two_years_are_in_it(
    client_loket, puskesmas, pasien_bpjs
):
    lama = PasienFactory(puskesmas=puskesmas, nama="Pasien Lama Sekali")
    Pasien.objects.filter(pk=lama.pk).update(dibuat_pada=timezone.now() - timedelta(days=800))
    ids = [p["id"] for p in client_loket.get(URL).json()["pasien"]]
    assert pasien_bpjs.pk in ids and lama.pk not in ids


def test_the_copy_pages_and_a_refresh_gets_only_what_changed(client_loket, puskesmas, monkeypatch):
    monkeypatch.setattr(salinan, "HALAMAN", 2)
    semua = [
        PasienFactory(puskesmas=puskesmas, nik=buat_nik(date(1990, 1, 1), "L", serial=60 + i))
        for i in range(5)
    ]
    dilihat, setelah, waktu = [], 0, None
    while setelah is not None:
        body = client_loket.get(URL, {"setelah": setelah}).json()
        waktu = waktu or body["waktu"]
        dilihat += [p["id"] for p in body["pasien"]]
        setelah = body["setelah"]
    assert dilihat == [p.pk for p in semua]
    baru = PasienFactory(puskesmas=puskesmas, nama="Pasien Baru Sekali")
    body = client_loket.get(URL, {"sejak": waktu}).json()
    assert [p["id"] for p in body["pasien"]] == [baru.pk]


def test_bad_paging_is_a_400_naming_the_field_and_poli_staff_get_nothing(
    client_loket, client, perawat_poli
):
    r = client_loket.get(URL, {"setelah": "x"})
    assert r.status_code == 400 and "setelah" in r.json()["galat"]
    r = client_loket.get(URL, {"sejak": "kemarin"})
    assert r.status_code == 400 and "sejak" in r.json()["galat"]
    client.force_login(perawat_poli.user)
    assert client.get(URL).status_code in (302, 403)
