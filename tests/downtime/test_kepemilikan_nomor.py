"""Issue 9, server side: a number shown to a patient is theirs for the day, a client time is
believed only on the server's evidence, and the loket is told every outcome it must pass on.

Each test is a sequence a real Puskesmas goes through, driven through the public API
(/api/v1/offline/blok, /replay, /status, /offline/pemberitahuan)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from antrean import live
from antrean.models import StatusTiket, Tiket
from downtime import services
from downtime.models import EntriReplay, KontakLoket, NomorLuring

from .conftest import entri, pasien_baru

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _blok(client, unit="UMUM") -> dict:
    r = _post(client, "/api/v1/offline/blok", {"loket": "L1", "unit": [unit], "jumlah": 10})
    assert r.status_code == 200, r.content
    return r.json()["blok"][0]


def _replay(client, batch) -> list[dict]:
    r = _post(client, "/api/v1/replay", {"loket": "L1", "entri": batch})
    assert r.status_code == 200, r.content
    return r.json()["hasil"]


# --- numbers owned durably ------------------------------------------------------------------


@pytest.mark.parametrize("nasib", ["duplikat", "ditolak", "ditinjau"])
def test_a_number_whose_entry_ended_without_a_ticket_is_never_free_again(
    client_loket, petugas_loket, nasib
):
    """The number was printed for a patient: whatever became of the entry, the block says it
    is used and a second entry carrying it (a loket that forgot) gets another number."""
    b = _blok(client_loket)
    n = b["pertama"]
    pasien = pasien_baru(serial=11)
    if nasib == "duplikat":
        _replay(client_loket, [entri(pasien)])  # the same patient already registered in UMUM
        e = entri({**pasien, "client_uuid": str(uuid.uuid4())}, nomor=n)
    elif nasib == "ditolak":
        e = entri({**pasien, "tanggal_lahir": "bukan-tanggal"}, nomor=n)
    else:
        e = entri({**pasien, "nik": ""}, nomor=n)
        e["pasien"]["nik"] = ""
        _replay(client_loket, [entri({**pasien_baru(serial=None), "nama": pasien["nama"]})])
    (h,) = _replay(client_loket, [e])
    if nasib != "ditinjau":  # look-alike review depends on the dedupe threshold; not asserted
        assert h["status"] == nasib, h
    assert not Tiket.objects.filter(nomor=n).exists() or h["status"] == "dibuat"
    assert NomorLuring.objects.filter(nomor=n, client_uuid=e["client_uuid"]).exists()
    assert n in _blok(client_loket)["terpakai"]

    (h2,) = _replay(client_loket, [entri(pasien_baru(nama="Pasien Lain", serial=12), nomor=n)])
    assert h2["status"] == "dibuat" and h2["nomor_baru"] is True
    assert h2["tiket"]["nomor"] != n
    tiket = Tiket.objects.get(pk=h2["tiket"]["id"])
    assert tiket.kode_cetak == f"A-{n:03d}"  # poli and TV show the slip's number beside it


def test_a_lost_answer_changes_nothing_when_the_batch_comes_again(client_loket):
    """The server stored the entry but the loket never heard: the same batch again answers the
    same number, and the number is not handed to anybody else meanwhile."""
    b = _blok(client_loket)
    e = entri(pasien_baru(serial=21), nomor=b["pertama"] + 3)
    (h1,) = _replay(client_loket, [e])
    (h2,) = _replay(client_loket, [e])
    assert h1["tiket"]["kode"] == h2["tiket"]["kode"] == f"A-{b['pertama'] + 3:03d}"
    assert h2["ulang"] is True and not h2["nomor_baru"]
    assert Tiket.objects.filter(nomor=b["pertama"] + 3).count() == 1


def test_a_number_outside_the_lokets_blocks_is_replaced_and_the_loket_is_told(client_loket):
    _blok(client_loket)
    (h,) = _replay(client_loket, [entri(pasien_baru(serial=31), nomor=999)])
    assert h["nomor_baru"] is True and h["perlu_diberitahu"] is True
    assert "A-999" in h["pesan"] and h["tiket"]["kode"] in h["pesan"]
    daftar = client_loket.get("/api/v1/offline/pemberitahuan?loket=L1").json()["entri"]
    (p,) = daftar
    assert p["nomor_cetak"] == "A-999" and p["tiket"]["kode"] == h["tiket"]["kode"]


def test_numbers_reported_by_two_lokets_never_meet(client_loket, petugas_loket):
    """Each loket's block is its own: an entry naming another loket's number is renumbered."""
    from puskesmas.models import Loket

    lain = Loket.objects.create(puskesmas=petugas_loket.puskesmas, kode="L9", nama="Loket 9")
    unit = petugas_loket.puskesmas.unit_layanan.get(kode="UMUM")
    blok_lain = services.blok_ambil(
        loket=lain, unit=unit, tanggal=timezone.localdate(), jumlah=10
    ).blok
    (h,) = _replay(client_loket, [entri(pasien_baru(serial=41), nomor=blok_lain.pertama)])
    assert h["nomor_baru"] is True


# --- every patient told -----------------------------------------------------------------------


def test_every_menyusul_entry_is_listed_with_its_final_number_until_acknowledged(client_loket):
    batch = [entri(pasien_baru(nama=f"Pasien {i}", serial=50 + i)) for i in range(3)]
    hasil = _replay(client_loket, batch)  # no number: the block ran out offline
    assert all(h["status"] == "dibuat" and h["perlu_diberitahu"] for h in hasil)
    daftar = client_loket.get("/api/v1/offline/pemberitahuan?loket=L1").json()["entri"]
    assert {p["client_uuid"] for p in daftar} == {e["client_uuid"] for e in batch}
    assert all(p["nomor_cetak"] is None and p["tiket"]["kode"].startswith("A-") for p in daftar)
    assert client_loket.get("/api/v1/status?loket=L1").json()["pemberitahuan"] == 3

    r = _post(
        client_loket,
        "/api/v1/offline/pemberitahuan/dibaca",
        {"loket": "L1", "client_uuid": [batch[0]["client_uuid"]]},
    )
    assert r.json() == {"ditandai": 1}
    sisa = client_loket.get("/api/v1/offline/pemberitahuan?loket=L1").json()["entri"]
    assert len(sisa) == 2


def test_an_admins_review_decision_comes_back_to_the_loket(client_loket, admin_puskesmas):
    from downtime import replay as replay_mod

    pemilik = pasien_baru(nama="Siti Aminah", serial=61)
    _replay(client_loket, [entri(pemilik)])
    bentrok = entri({**pasien_baru(nama="Budi Hartono", serial=61, jk="P")})
    bentrok["pasien"]["nik"] = pemilik["nik"]
    (h,) = _replay(client_loket, [bentrok])
    assert h["status"] == "ditinjau"
    _post(
        client_loket,
        "/api/v1/offline/pemberitahuan/dibaca",
        {"loket": "L1", "client_uuid": [bentrok["client_uuid"]]},
    )

    def milik_bentrok():
        daftar = client_loket.get("/api/v1/offline/pemberitahuan?loket=L1").json()["entri"]
        return [p for p in daftar if p["client_uuid"] == bentrok["client_uuid"]]

    assert not milik_bentrok()
    e = EntriReplay.objects.get(client_uuid=bentrok["client_uuid"])
    replay_mod.tinjau_pisah(entri=e, oleh=admin_puskesmas.user)
    (p,) = milik_bentrok()
    assert p["diputuskan"] is True and p["tiket"]["kode"].startswith("A-")


# --- time you can trust ---------------------------------------------------------------------


def test_a_time_a_day_ahead_is_queued_today_at_the_servers_time_with_both_times_shown(
    client_loket,
):
    besok = timezone.now() + timedelta(days=1)
    sebelum = timezone.now()
    (h,) = _replay(client_loket, [entri(pasien_baru(serial=71), pada=besok)])
    assert h["status"] == "dibuat" and h["alasan"] == "waktu"
    t = Tiket.objects.get(pk=h["tiket"]["id"])
    assert t.tanggal == timezone.localdate() and t.waktu_masuk >= sebelum
    assert timezone.localtime(besok).strftime("%d-%m-%Y") in h["pesan"]
    assert "jam server" in h["pesan"]


def test_a_time_when_the_loket_was_online_does_not_jump_the_queue(client_loket, petugas_loket):
    """The loket's heartbeat reached the server all morning: an 'offline' entry claiming 08:01
    cannot have been made then, so it queues behind everyone already waiting."""
    sekarang = timezone.now()
    KontakLoket.objects.create(
        loket=petugas_loket.loket, mulai=sekarang - timedelta(hours=4), selesai=sekarang
    )
    (h,) = _replay(
        client_loket, [entri(pasien_baru(serial=72), pada=sekarang - timedelta(hours=3))]
    )
    assert h["alasan"] == "waktu" and "tersambung" in h["pesan"]
    assert Tiket.objects.get(pk=h["tiket"]["id"]).waktu_masuk >= sekarang


def test_a_declared_downtime_of_this_loket_makes_such_a_time_believed_another_s_does_not(
    client_loket, petugas_loket, admin_puskesmas
):
    """The time check reads the declarations from the batch's own read of them (batch.py):
    one for another loket does not count, one for this loket does."""
    sekarang = timezone.now()
    pkm = petugas_loket.puskesmas
    KontakLoket.objects.create(
        loket=petugas_loket.loket, mulai=sekarang - timedelta(hours=4), selesai=sekarang
    )
    pada = sekarang - timedelta(hours=3)
    l2 = pkm.loket.get(kode="L2")
    ep = services.downtime_mulai(
        puskesmas=pkm, alasan="listrik", loket=l2, pada=pada - timedelta(minutes=5)
    )
    (h,) = _replay(client_loket, [entri(pasien_baru(serial=74), pada=pada)])
    assert h["alasan"] == "waktu"
    services.downtime_selesai(episode=ep)
    services.downtime_mulai(
        puskesmas=pkm, alasan="listrik", loket=petugas_loket.loket, pada=pada - timedelta(minutes=5)
    )
    (h,) = _replay(client_loket, [entri(pasien_baru(serial=75), pada=pada)])
    assert h["alasan"] == "" and h["status"] == "dibuat"


def test_a_time_inside_a_gap_of_the_heartbeat_is_believed(client_loket, petugas_loket):
    sekarang = timezone.now()
    loket = petugas_loket.loket
    KontakLoket.objects.create(
        loket=loket, mulai=sekarang - timedelta(hours=4), selesai=sekarang - timedelta(hours=2)
    )
    KontakLoket.objects.create(loket=loket, mulai=sekarang - timedelta(seconds=5), selesai=sekarang)
    pada = sekarang - timedelta(hours=1)
    (h,) = _replay(client_loket, [entri(pasien_baru(serial=73), pada=pada)])
    assert h["alasan"] == "" and h["status"] == "dibuat"
    assert Tiket.objects.get(pk=h["tiket"]["id"]).waktu_masuk == pada


def test_the_heartbeat_records_stretches_of_contact_and_gaps(client_loket, petugas_loket):
    loket = petugas_loket.loket
    lalu = timezone.now() - timedelta(minutes=5)
    services.kontak_loket_catat(loket=loket, pada=lalu)
    services.kontak_loket_catat(loket=loket, pada=lalu + timedelta(seconds=15))
    assert KontakLoket.objects.filter(loket=loket).count() == 1  # extended
    client_loket.get("/api/v1/status?loket=L1")  # five minutes of silence: a new stretch
    mulai = list(KontakLoket.objects.filter(loket=loket).order_by("mulai"))
    assert len(mulai) == 2 and mulai[0].selesai == lalu + timedelta(seconds=15)


def test_entries_of_the_same_second_keep_their_millisecond_order(client_loket, petugas_loket):
    from antrean.selectors import antrean_unit

    detik = (timezone.now() - timedelta(seconds=40)).replace(microsecond=0)
    a = entri(pasien_baru(nama="Ani", serial=81), pada=detik + timedelta(milliseconds=900))
    b = entri(pasien_baru(nama="Budi", serial=82, jk="L"), pada=detik + timedelta(milliseconds=100))
    _replay(client_loket, [a, b])
    unit = petugas_loket.puskesmas.unit_layanan.get(kode="UMUM")
    hari = timezone.localdate(detik)  # the Puskesmas' day, not UTC's (they differ at night)
    urut = [t.kunjungan.pasien.nama for t in antrean_unit(unit=unit, tanggal=hari)]
    assert urut == ["Budi", "Ani"]


# --- the officer is the sender, paper entries already served ---------------------------------


def test_the_officer_recorded_is_the_one_who_sent_it_not_the_name_in_the_entry(
    client_loket, petugas_loket, admin_puskesmas
):
    e = entri(pasien_baru(serial=91), petugas=admin_puskesmas.user.username)
    _replay(client_loket, [e])
    rekam = EntriReplay.objects.get(client_uuid=e["client_uuid"])
    assert rekam.petugas == petugas_loket.user
    assert rekam.kunjungan.petugas == petugas_loket.user
    assert rekam.payload["petugas"] == admin_puskesmas.user.username  # the claim is kept


def test_a_paper_entry_of_a_patient_already_served_never_waits_in_the_queue(client_loket):
    e = entri(pasien_baru(serial=92), sudah_dilayani=True)
    (h,) = _replay(client_loket, [e])
    t = Tiket.objects.get(pk=h["tiket"]["id"])
    assert t.status == StatusTiket.SELESAI


def test_an_online_save_whose_answer_was_lost_tells_the_loket_the_real_number(
    client_loket, petugas_loket, django_capture_on_commit_callbacks
):
    """The Simpan reached the server (A-001) but the answer did not; the page printed an
    offline slip A-50x for the same registration. The replay finds the online visit, keeps it,
    and the patient holding the slip is told and shown both numbers."""
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan
    from tests.factories import PasienFactory

    pkm = petugas_loket.puskesmas
    b = _blok(client_loket)
    pasien = PasienFactory(puskesmas=pkm)
    cu = uuid.uuid4()
    online = kunjungan_daftar(
        puskesmas=pkm,
        pasien=pasien,
        unit=pkm.unit_layanan.get(kode="UMUM"),
        data=DataKunjungan(penjamin="umum"),
        client_uuid=cu,
        loket=petugas_loket.loket,
    ).kunjungan
    e = entri({"id": pasien.pk}, nomor=b["pertama"])
    e["client_uuid"] = str(cu)
    sebelum = live.versi_unit(pkm.pk, online.unit_id)
    with django_capture_on_commit_callbacks(execute=True):
        (h,) = _replay(client_loket, [e])
    # The slip's number now shows beside the queue's: the unit's cached poli panel is redrawn.
    assert live.versi_unit(pkm.pk, online.unit_id)[1] != sebelum[1]
    assert h["status"] == "dibuat" and h["kunjungan_id"] == online.pk
    assert h["nomor_baru"] is True and h["perlu_diberitahu"] is True
    tiket = online.tiket_pertama
    tiket.refresh_from_db()
    assert tiket.kode_cetak == f"A-{b['pertama']:03d}"
    assert b["pertama"] in _blok(client_loket)["terpakai"]  # the slip's number stays burnt
    r = client_loket.get("/api/v1/offline/pemberitahuan?loket=L1").json()["entri"]
    assert [p["tiket"]["kode"] for p in r] == [tiket.kode]


def test_one_absurdly_nested_entry_is_refused_alone_and_the_batch_goes_on(client_loket):
    dalam: dict = {"x": 1}
    for _ in range(30):
        dalam = {"x": dalam}
    aneh = entri(pasien_baru(serial=93))
    aneh["kunjungan"]["keluhan"] = dalam
    baik = entri(pasien_baru(nama="Baik Sekali", serial=94, jk="L"))
    r = _post(client_loket, "/api/v1/replay", {"loket": "L1", "entri": [aneh, baik]})
    assert r.status_code == 200, r.content
    h_aneh, h_baik = r.json()["hasil"]
    assert h_aneh["status"] == "ditolak" and "terlalu dalam" in h_aneh["pesan"]
    assert h_baik["status"] == "dibuat"
