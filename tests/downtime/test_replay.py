"""Replay of offline entries through the service: every outcome, ordering, idempotency and a
replay interrupted half-way."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from antrean.models import Tiket
from downtime import replay, services
from downtime.models import EntriReplay, EpisodeDowntime, JenisEpisode
from downtime.replay import entri as replay_entri_mod
from downtime.replay import serentak as replay_serentak
from pendaftaran.models import Kunjungan, Pasien, Sumber
from tests.factories import PasienFactory

from .conftest import entri, pasien_baru


def _replay(batch, petugas, **meta):
    hasil, selesai = replay.replay_batch(
        batch,
        puskesmas=petugas.puskesmas,
        pengirim=petugas.user,
        meta=replay.MetaBatch(loket=petugas.loket, **meta),
    )
    return hasil, selesai


def test_a_new_patient_entered_offline_is_created_with_visit_and_ticket(petugas_loket, pagi):
    e = entri(pasien_baru(), pada=pagi)
    (h,), selesai = _replay([e], petugas_loket)
    assert selesai
    assert h["status"] == "dibuat"
    k = Kunjungan.objects.get(client_uuid=e["client_uuid"])
    assert k.sumber == Sumber.OFFLINE and k.mode_downtime
    assert k.dibuat_klien == pagi and k.loket == petugas_loket.loket
    assert k.petugas == petugas_loket.user
    assert k.pasien.nama == "Dewi Lestari"
    tiket = k.tiket.get()
    assert tiket.waktu_masuk == pagi
    assert h["tiket"]["kode"] == tiket.kode
    assert h["pasien"]["no_rm"] == k.pasien.no_rm


def test_the_same_batch_sent_twice_creates_nothing_new_and_answers_the_same(petugas_loket, pagi):
    batch = [
        entri(pasien_baru(serial=11), pada=pagi),
        entri(pasien_baru(nama="Rudi Hartono", jk="L", serial=12), pada=pagi, unit="GIGI"),
    ]
    pertama, _ = _replay(batch, petugas_loket)
    jumlah = (Pasien.objects.count(), Kunjungan.objects.count(), Tiket.objects.count())
    kedua, _ = _replay(batch, petugas_loket)
    assert (Pasien.objects.count(), Kunjungan.objects.count(), Tiket.objects.count()) == jumlah
    assert EntriReplay.objects.count() == 2
    for a, b in zip(pertama, kedua, strict=True):
        assert b["ulang"] is True
        assert {**a, "ulang": True} == b


def test_a_known_nik_attaches_the_visit_to_the_existing_patient(petugas_loket, pasien_bpjs, pagi):
    data = pasien_baru(
        nama="SITI AMINAH",
        lahir=pasien_bpjs.tanggal_lahir,
        jk="P",
        serial=None,
        nik=pasien_bpjs.nik,
    )
    (h,), _ = _replay([entri(data, pada=pagi, penjamin="bpjs")], petugas_loket)
    assert h["status"] == "dilampirkan"
    assert h["pasien"]["id"] == pasien_bpjs.pk
    assert Pasien.objects.filter(nik=pasien_bpjs.nik).count() == 1
    assert Kunjungan.objects.get(pasien=pasien_bpjs).penjamin == "bpjs"


def test_a_returning_patient_picked_offline_by_no_rm_gets_the_visit(
    petugas_loket, pasien_umum, pagi
):
    (h,), _ = _replay([entri({"no_rm": pasien_umum.no_rm}, pada=pagi)], petugas_loket)
    assert h["status"] == "dibuat"
    assert Kunjungan.objects.get().pasien == pasien_umum


def test_same_nik_same_unit_at_two_lokets_keeps_one_visit_and_marks_the_other(
    petugas_loket, petugas_loket_2, pagi
):
    data = pasien_baru(serial=21)
    di_l1 = entri({**data}, pada=pagi, loket="L1")
    di_l2 = entri(
        {**data, "client_uuid": "0b7c1f9e-1111-4a2b-9c3d-222222222222"},
        pada=pagi + timedelta(minutes=4),
        loket="L2",
        petugas="loket2",
    )
    (h1,), _ = _replay([di_l1], petugas_loket)
    (h2,), _ = _replay([di_l2], petugas_loket_2)
    assert h1["status"] == "dibuat"
    assert h2["status"] == "duplikat"
    assert h2["duplikat_dari"]["kunjungan_id"] == h1["kunjungan_id"]
    assert h2["duplikat_dari"]["loket"] == "L1"
    assert Kunjungan.objects.count() == 1
    assert Pasien.objects.count() == 1
    e2 = EntriReplay.objects.get(client_uuid=di_l2["client_uuid"])
    assert e2.kunjungan_dipertahankan_id == h1["kunjungan_id"] and e2.kunjungan_id is None


def test_same_nik_in_another_unit_is_a_second_valid_visit(petugas_loket, petugas_loket_2, pagi):
    data = pasien_baru(serial=22)
    (h1,), _ = _replay([entri(data, pada=pagi)], petugas_loket)
    (h2,), _ = _replay([entri(data, pada=pagi, loket="L2", unit="LAB")], petugas_loket_2)
    assert (h1["status"], h2["status"]) == ("dibuat", "dibuat")
    assert h2["pasien"]["id"] == h1["pasien"]["id"]


def test_a_known_nik_with_another_name_or_birth_date_goes_to_review(
    petugas_loket, pasien_bpjs, pagi
):
    nama_lain = pasien_baru(
        nama="Bambang Wijaya",
        lahir=pasien_bpjs.tanggal_lahir,
        jk="P",
        serial=None,
        nik=pasien_bpjs.nik,
    )
    lahir_lain = pasien_baru(
        nama="Siti Aminah",
        lahir=pasien_bpjs.tanggal_lahir.replace(year=1981),
        jk="P",
        serial=None,
        nik=pasien_bpjs.nik,
    )
    # The NIK's own date part must agree with the typed birth date, else it is a typing error
    # (rejected, not a conflict): for the birth-date case use the card number instead.
    lahir_lain["nik"] = ""
    lahir_lain["no_bpjs"] = pasien_bpjs.no_bpjs
    hasil, _ = _replay([entri(nama_lain, pada=pagi), entri(lahir_lain, pada=pagi)], petugas_loket)
    assert [h["status"] for h in hasil] == ["ditinjau", "ditinjau"]
    assert all(h["alasan"] == "konflik_nik" for h in hasil)
    assert "Siti Aminah" in hasil[0]["pesan"]
    assert Kunjungan.objects.count() == 0
    assert Pasien.objects.count() == 1
    e = EntriReplay.objects.get(client_uuid=hasil[0]["client_uuid"])
    assert e.kandidat == [pasien_bpjs.pk]


def test_a_patient_without_nik_resembling_known_patients_goes_to_review(petugas_loket, pagi):
    ada = PasienFactory(
        puskesmas=petugas_loket.puskesmas,
        nama="Ahmad Fauzi",
        tanggal_lahir=date(2001, 2, 3),
        nik=None,
    )
    mirip = pasien_baru(nama="Achmad Fauzi", lahir=date(2001, 2, 3), jk="L", serial=None)
    (h,), _ = _replay([entri(mirip, pada=pagi)], petugas_loket)
    assert h["status"] == "ditinjau" and h["alasan"] == "mirip"
    assert EntriReplay.objects.get().kandidat == [ada.pk]


def test_a_patient_without_nik_and_no_lookalike_is_created(petugas_loket, pagi):
    data = pasien_baru(
        nama="Bayi Ny. Rahma", lahir=timezone.localdate() - timedelta(days=3), jk="L", serial=None
    )
    (h,), _ = _replay([entri(data, pada=pagi, unit="ANAK")], petugas_loket)
    assert h["status"] == "dibuat"
    assert Pasien.objects.get().tanpa_nik


def test_an_invalid_entry_is_rejected_with_field_messages_and_kept(petugas_loket, pagi):
    rusak = pasien_baru(serial=None, nik="12345", tanggal_lahir="2099-01-01")
    e = entri(rusak, pada=pagi, unit="TIDAKADA", penjamin="bpjs")
    (h,), selesai = _replay([e], petugas_loket)
    assert selesai
    assert h["status"] == "ditolak"
    assert set(h["galat"]) >= {"nik", "tanggal_lahir", "unit"}
    assert any("NIK" in m for m in h["galat"]["nik"])
    simpan = EntriReplay.objects.get(client_uuid=e["client_uuid"])
    assert simpan.payload["pasien"]["nik"] == "12345"
    assert Kunjungan.objects.count() == 0 and Pasien.objects.count() == 0


def test_a_rejected_visit_leaves_no_orphan_patient(petugas_loket, pagi):
    # BPJS payer without a card number or NIK: the visit is refused, so the patient is not kept.
    (h,), _ = _replay([entri(pasien_baru(serial=None), pada=pagi, penjamin="bpjs")], petugas_loket)
    assert h["status"] == "ditolak" and "penjamin" in h["galat"]
    assert Pasien.objects.count() == 0


def test_entries_without_uuid_or_not_objects_are_answered_not_stored(petugas_loket, pagi):
    hasil, selesai = _replay([{"pasien": {}}, "x", entri(pasien_baru(), pada=pagi)], petugas_loket)
    assert selesai
    assert [h["status"] for h in hasil] == ["ditolak", "ditolak", "dibuat"]
    assert hasil[0]["disimpan"] is False
    assert EntriReplay.objects.count() == 1


def test_entries_are_replayed_in_order_of_original_time_with_their_offline_numbers(
    petugas_loket, pagi
):
    loket, pkm = petugas_loket.loket, petugas_loket.puskesmas
    unit = pkm.unit_layanan.get(kode="UMUM")
    tanggal = timezone.localdate(pagi)
    blok = services.blok_ambil(loket=loket, unit=unit, tanggal=tanggal, jumlah=10).blok
    # Sent newest first: the server still processes them by their original time.
    batch = [
        entri(
            pasien_baru(nama=f"Pasien {n}", serial=40 + n),
            pada=pagi + timedelta(minutes=n),
            nomor=blok.pertama + n,
        )
        for n in (2, 0, 1)
    ]
    hasil, _ = _replay(batch, petugas_loket)
    assert [h["status"] for h in hasil] == ["dibuat"] * 3
    assert [h["tiket"]["nomor"] for h in hasil] == [
        blok.pertama + 2,
        blok.pertama,
        blok.pertama + 1,
    ]
    assert not any(h["nomor_baru"] for h in hasil)
    no_rm = [h["pasien"]["no_rm"] for h in hasil]
    assert no_rm[1] < no_rm[2] < no_rm[0]  # created in original-time order
    waktu = list(Tiket.objects.order_by("nomor").values_list("waktu_masuk", flat=True))
    assert waktu == sorted(waktu)


def test_a_number_outside_the_lokets_block_gets_a_fresh_number_and_says_so(
    petugas_loket, petugas_loket_2, pagi
):
    pkm = petugas_loket.puskesmas
    unit = pkm.unit_layanan.get(kode="UMUM")
    tanggal = timezone.localdate(pagi)
    blok_l2 = services.blok_ambil(
        loket=petugas_loket_2.loket, unit=unit, tanggal=tanggal, jumlah=5
    ).blok
    # Loket 1 claims a number of loket 2's block, and one that was never reserved at all.
    batch = [
        entri(pasien_baru(serial=51), pada=pagi, nomor=blok_l2.pertama),
        entri(pasien_baru(nama="Lain Lagi", serial=52), pada=pagi, nomor=999),
    ]
    hasil, _ = _replay(batch, petugas_loket)
    assert all(h["nomor_baru"] for h in hasil)
    nomor = {h["tiket"]["nomor"] for h in hasil}
    assert not nomor & set(range(blok_l2.pertama, blok_l2.terakhir + 1))
    assert 999 not in nomor
    assert "bukan milik blok" in hasil[0]["pesan"]


def test_a_used_offline_number_is_not_given_twice(petugas_loket, pagi):
    unit = petugas_loket.puskesmas.unit_layanan.get(kode="UMUM")
    blok = services.blok_ambil(
        loket=petugas_loket.loket, unit=unit, tanggal=timezone.localdate(pagi), jumlah=3
    ).blok
    batch = [
        entri(pasien_baru(serial=61), pada=pagi, nomor=blok.pertama),
        entri(pasien_baru(nama="Kedua Orang", serial=62), pada=pagi, nomor=blok.pertama),
    ]
    hasil, _ = _replay(batch, petugas_loket)
    assert hasil[0]["tiket"]["nomor"] == blok.pertama and not hasil[0]["nomor_baru"]
    assert hasil[1]["nomor_baru"] and hasil[1]["tiket"]["nomor"] != blok.pertama


def test_two_visits_of_one_new_patient_share_the_patient_record(petugas_loket, pagi):
    data = pasien_baru(serial=None, nama="Tanpa Identitas", lahir=date(1970, 1, 1), jk="L")
    batch = [entri(data, pada=pagi), entri(data, pada=pagi + timedelta(minutes=1), unit="LAB")]
    hasil, _ = _replay(batch, petugas_loket)
    assert [h["status"] for h in hasil] == ["dibuat", "dibuat"]
    assert hasil[0]["pasien"]["id"] == hasil[1]["pasien"]["id"]
    assert Pasien.objects.count() == 1


def test_a_visit_already_saved_online_under_the_same_uuid_is_not_duplicated(
    petugas_loket, pasien_umum, pagi
):
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    e = entri({"no_rm": pasien_umum.no_rm}, pada=pagi)
    kunjungan_daftar(
        puskesmas=petugas_loket.puskesmas,
        pasien=pasien_umum,
        unit=petugas_loket.puskesmas.unit_layanan.get(kode="UMUM"),
        data=DataKunjungan(penjamin="umum"),
        client_uuid=e["client_uuid"],
    )
    (h,), _ = _replay([e], petugas_loket)
    assert h["status"] == "dibuat"
    assert Kunjungan.objects.count() == 1


def test_an_interrupted_replay_keeps_what_was_done_and_resumes_without_duplicates(
    petugas_loket, pagi, monkeypatch, settings
):
    settings.REPLAY_SERENTAK = False  # the per-entry path: each entry its own transaction
    batch = [
        entri(pasien_baru(nama=f"Urut {n}", serial=70 + n), pada=pagi + timedelta(minutes=n))
        for n in range(5)
    ]
    asli = replay_entri_mod._daftar
    panggilan = {"n": 0}

    def putus_di_ketiga(*args, **kwargs):
        panggilan["n"] += 1
        if panggilan["n"] == 3:
            raise OperationalError("server closed the connection unexpectedly")
        return asli(*args, **kwargs)

    monkeypatch.setattr(replay_entri_mod, "_daftar", putus_di_ketiga)
    hasil, selesai = _replay(batch, petugas_loket)
    assert not selesai
    assert [h["status"] for h in hasil] == ["dibuat", "dibuat"] + ["gagal_sementara"] * 3
    assert Kunjungan.objects.count() == 2 and EntriReplay.objects.count() == 2

    monkeypatch.setattr(replay_entri_mod, "_daftar", asli)
    hasil, selesai = _replay(batch, petugas_loket)
    assert selesai
    assert [h["status"] for h in hasil] == ["dibuat"] * 5
    assert [h["ulang"] for h in hasil] == [True, True, False, False, False]
    assert Kunjungan.objects.count() == 5 and Pasien.objects.count() == 5


def test_an_unexpected_bug_in_one_entry_stores_it_for_review_and_goes_on(
    petugas_loket, pagi, monkeypatch, settings
):
    settings.REPLAY_SERENTAK = False
    batch = [entri(pasien_baru(nama=f"Bug {n}", serial=80 + n), pada=pagi) for n in range(3)]
    asli = replay_entri_mod._daftar

    def rusak(entri_, u, pasien, oleh):
        if pasien.nama == "Bug 1":
            raise KeyError("boom")
        return asli(entri_, u, pasien, oleh)

    monkeypatch.setattr(replay_entri_mod, "_daftar", rusak)
    hasil, selesai = _replay(batch, petugas_loket)
    assert selesai
    assert [h["status"] for h in hasil] == ["dibuat", "ditinjau", "dibuat"]
    assert hasil[1]["alasan"] == "galat_sistem"
    e = EntriReplay.objects.get(client_uuid=batch[1]["client_uuid"])
    assert e.payload["pasien"]["nama"] == "Bug 1"
    assert not Pasien.objects.filter(nama="Bug 1").exists()


def test_a_set_wise_run_cut_off_by_the_database_stores_none_of_it_and_resumes_whole(
    petugas_loket, pagi, monkeypatch
):
    batch = [
        entri(pasien_baru(nama=f"Serentak {n}", serial=90 + n), pada=pagi + timedelta(minutes=n))
        for n in range(5)
    ]
    asli = replay_serentak.catat_banyak

    def putus(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(replay_serentak, "catat_banyak", putus)
    hasil, selesai = _replay(batch, petugas_loket)
    assert not selesai
    assert [h["status"] for h in hasil] == ["gagal_sementara"] * 5
    assert EntriReplay.objects.count() == Kunjungan.objects.count() == Pasien.objects.count() == 0
    assert not Tiket.objects.exists()

    monkeypatch.setattr(replay_serentak, "catat_banyak", asli)
    hasil, selesai = _replay(batch, petugas_loket)
    assert selesai and [h["status"] for h in hasil] == ["dibuat"] * 5
    assert sorted(Tiket.objects.values_list("nomor", flat=True)) == [1, 2, 3, 4, 5]
    hasil, _ = _replay(batch, petugas_loket)
    assert all(h["ulang"] for h in hasil) and Kunjungan.objects.count() == 5


def test_a_bug_in_the_set_wise_write_replays_the_run_entry_by_entry(
    petugas_loket, pagi, monkeypatch
):
    batch = [entri(pasien_baru(nama=f"Bug {n}", serial=80 + n), pada=pagi) for n in range(3)]

    def rusak(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(replay_serentak, "catat_banyak", rusak)
    hasil, selesai = _replay(batch, petugas_loket)
    assert selesai and [h["status"] for h in hasil] == ["dibuat"] * 3
    assert Pasien.objects.count() == 3 and EntriReplay.objects.count() == 3


def test_an_offline_batch_records_a_loket_network_episode_with_counts(
    petugas_loket, pasien_bpjs, pagi
):
    dup = pasien_baru(serial=91)
    konflik = pasien_baru(
        nama="Orang Lain", lahir=pasien_bpjs.tanggal_lahir, jk="P", serial=None, nik=pasien_bpjs.nik
    )
    batch = [
        entri(dup, pada=pagi + timedelta(minutes=1)),
        entri({**dup, "client_uuid": None}, pada=pagi + timedelta(minutes=2)),
        entri(konflik, pada=pagi + timedelta(minutes=3)),
    ]
    sejak, kembali = pagi - timedelta(minutes=5), pagi + timedelta(minutes=20)
    _replay(batch, petugas_loket, offline_sejak=sejak, online_kembali=kembali, jumlah_offline=4)
    ep = EpisodeDowntime.objects.get()
    assert ep.jenis == JenisEpisode.JARINGAN_LOKET and ep.loket == petugas_loket.loket
    assert (ep.mulai, ep.selesai) == (sejak, kembali)
    assert ep.entri_tercatat == 4
    assert ep.rekonsiliasi_selesai is None  # a conflict is still open
    from downtime.selectors import episode_dengan_hitungan

    e = episode_dengan_hitungan(puskesmas=petugas_loket.puskesmas).get()
    assert (e.n_replay, e.n_duplikat, e.n_konflik, e.n_terbuka) == (3, 1, 1, 1)
    # Re-sending, or the next batch of the same outage, lands on the same episode.
    _replay(
        batch, petugas_loket, offline_sejak=sejak, online_kembali=kembali + timedelta(minutes=1)
    )
    assert EpisodeDowntime.objects.count() == 1


def test_entries_made_during_declared_downtime_join_that_episode(
    admin_puskesmas, petugas_loket, pagi
):
    ep = services.downtime_mulai(
        puskesmas=petugas_loket.puskesmas,
        alasan="listrik",
        pada=pagi - timedelta(minutes=10),
        oleh=admin_puskesmas.user,
    )
    (h,), _ = _replay([entri(pasien_baru(serial=95), pada=pagi)], petugas_loket)
    assert h["episode_id"] == ep.pk
    assert EpisodeDowntime.objects.count() == 1
    services.downtime_selesai(episode=ep)
    ep.refresh_from_db()
    assert ep.rekonsiliasi_selesai is not None


def test_a_nul_character_in_a_payload_does_not_break_storage(petugas_loket, pagi):
    (h,), _ = _replay(
        [entri(pasien_baru(nama="Nu\x00ra Sari", serial=96), pada=pagi)], petugas_loket
    )
    assert h["status"] == "dibuat"
    assert Pasien.objects.get().nama == "Nura Sari"


def test_an_entry_is_checked_and_cleaned_as_periksa_json_and_tanpa_nul_do():
    from config.security import JSON_UKURAN_ENTRI, JsonTerlaluRumit, periksa_json
    from downtime.replay.urai import _tanpa_nul, entri_bersih

    polos = {"pasien": {"nama": "Ayu", "x": [1, None]}}
    assert entri_bersih(polos) is polos  # nothing to strip: no copy
    mirip = {"nama": "teks \\u0000 bukan NUL"}  # looks like one when encoded: walked, kept
    assert entri_bersih(mirip) == mirip
    kotor = {"pa\x00sien": {"nama": ["Nu\x00ra"]}, "k": "\x00"}
    assert entri_bersih(kotor) == _tanpa_nul(kotor) == {"pasien": {"nama": ["Nura"]}, "k": ""}
    dalam: dict = {}
    for _ in range(20):
        dalam = {"a": dalam}
    besar = {"teks": "x" * JSON_UKURAN_ENTRI}
    for rusak in (dalam, besar):
        with pytest.raises(JsonTerlaluRumit) as e:
            entri_bersih(rusak)
        with pytest.raises(JsonTerlaluRumit) as asli:
            periksa_json(rusak)
        assert str(e.value) == str(asli.value)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_concurrently_by_two_tabs_is_stored_once(petugas_loket, pagi):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")
    batch = [
        entri(pasien_baru(nama=f"Paralel {n}", serial=900 + n), pada=pagi + timedelta(minutes=n))
        for n in range(8)
    ]
    hasil: list = []

    def kirim():
        try:
            hasil.append(_replay(batch, petugas_loket)[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=kirim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Kunjungan.objects.count() == 8 and EntriReplay.objects.count() == 8
    assert Pasien.objects.count() == 8
    for a, b in zip(*hasil, strict=True):
        assert a["status"] == b["status"] == "dibuat"
        assert a["kunjungan_id"] == b["kunjungan_id"]


def test_a_replayed_ticket_waits_where_the_patient_really_came_not_by_its_number(
    petugas_loket, pagi
):
    """An offline ticket carries a number from the offline series (A-501…) but joins the
    queue by the time the officer registered the patient: behind who came earlier, ahead of who
    came later — also when the replay arrives an hour after both."""
    from antrean.selectors import antrean_unit
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    loket, pkm = petugas_loket.loket, petugas_loket.puskesmas
    unit = pkm.unit_layanan.get(kode="UMUM")
    tanggal = timezone.localdate(pagi)
    blok = services.blok_ambil(loket=loket, unit=unit, tanggal=tanggal, jumlah=10).blok
    assert blok.pertama == 501

    def daring(menit: int) -> str:
        return kunjungan_daftar(
            puskesmas=pkm,
            pasien=PasienFactory(puskesmas=pkm),
            unit=unit,
            data=DataKunjungan(penjamin="umum"),
            client_uuid=uuid.uuid4(),
            dibuat_klien=pagi + timedelta(minutes=menit),
            percaya_waktu_klien=True,  # stands for a registration made at that time
        ).kunjungan.tiket_pertama.kode

    awal, akhir = daring(-10), daring(+10)
    assert (awal, akhir) == ("A-001", "A-002")  # the reserved block left no hole online
    (h,), _ = _replay([entri(pasien_baru(), pada=pagi, nomor=blok.pertama)], petugas_loket)
    assert h["tiket"]["kode"] == "A-501" and not h["nomor_baru"]
    menunggu = [t.kode for t in antrean_unit(unit=unit, tanggal=tanggal)]
    assert menunggu == ["A-001", "A-501", "A-002"]
