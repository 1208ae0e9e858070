"""One person, one patient, under concurrency: two lokets replaying the same new patient at the
same moment, or a replay racing an online save, never create two records (issue 9, item 4).

Real concurrent writers need PostgreSQL (SQLite lets one writer at a time), so the threaded
tests skip elsewhere; the unique identity key is tested on both."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from downtime.models import EntriReplay
from pendaftaran import services
from pendaftaran.dedupe import kunci_identitas
from pendaftaran.models import Pasien
from pendaftaran.validasi import DataPasien
from tests.downtime.conftest import entri, pasien_baru

# Two spellings of one person each loket may have typed. The first ones share the identity
# key (the unique constraint alone would stop the second); the others do not (a dropped
# middle name), so only the lock around the look-alike check keeps them one patient.
EJAAN = [
    ("Siti Nuraini", "Siti Nuraini"),
    ("Siti Nur Aini", "Siti Nuraini"),
    ("M. Yusuf Hidayat", "Muhammad Yusuf Hidayat"),
    ("Dewi Kartika Sari", "Dewi Sari"),
    ("Siti Aminah Rahayu", "Siti Aminah"),
    ("Ni Luh Putu Ayu Lestari", "Putu Lestari"),
    ("Agus Budi Santoso", "Agus Santoso"),
]


def _serentak(*kerja) -> list:
    """Run the callables in threads released together; return their results (or errors)."""
    mulai = threading.Barrier(len(kerja))
    hasil: list = [None] * len(kerja)

    def jalan(i, f):
        try:
            mulai.wait()
            hasil[i] = f()
        except BaseException as e:
            hasil[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=jalan, args=(i, f)) for i, f in enumerate(kerja)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return hasil


def _klien(petugas) -> Client:
    c = Client()
    c.force_login(petugas.user)
    return c


def _kirim_replay(klien: Client, batch: dict):
    def f():
        r = klien.post("/api/v1/replay", json.dumps(batch), content_type="application/json")
        assert r.status_code == 200, r.content
        return r.json()["hasil"][0]

    return f


def _perlu_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_two_lokets_replaying_one_new_person_at_once_create_one_patient(
    petugas_loket, petugas_loket_2
):
    _perlu_postgresql()
    k1, k2 = _klien(petugas_loket), _klien(petugas_loket_2)
    pagi = timezone.localtime().replace(second=0, microsecond=0) - timedelta(hours=2)
    putaran = 42
    for i in range(putaran):
        nama1, nama2 = EJAAN[i % len(EJAAN)]
        lahir = date(2000, 1, 1) + timedelta(days=37 * i)
        jk = "L" if "Yusuf" in nama1 or "Agus" in nama1 else "P"
        b1 = {"entri": [entri(pasien_baru(nama1, lahir, jk, serial=None), pada=pagi, loket="L1")]}
        b2 = {
            "entri": [
                entri(
                    pasien_baru(nama2, lahir, jk, serial=None),
                    pada=pagi + timedelta(minutes=1),
                    loket="L2",
                    petugas="loket2",
                )
            ]
        }
        h1, h2 = _serentak(_kirim_replay(k1, b1), _kirim_replay(k2, b2))
        assert isinstance(h1, dict) and isinstance(h2, dict), (h1, h2)
        dibuat = Pasien.objects.filter(tanggal_lahir=lahir, jenis_kelamin=jk)
        assert dibuat.count() == 1, f"putaran {i}: {nama1} / {nama2} dibuat dua kali"
        satu = dibuat.get()
        keluar = sorted([h1, h2], key=lambda h: h["status"])
        assert [h["status"] for h in keluar] == ["dibuat", "ditinjau"], keluar
        assert keluar[0]["pasien"]["id"] == satu.pk
        assert keluar[1]["alasan"] == "mirip"
        tinjau = EntriReplay.objects.get(client_uuid=keluar[1]["client_uuid"])
        assert tinjau.kandidat == [satu.pk] and tinjau.pasien is None


@pytest.mark.django_db(transaction=True)
def test_an_online_save_racing_a_replay_of_the_same_person_makes_one_patient(
    petugas_loket, petugas_loket_2
):
    _perlu_postgresql()
    online, k2 = _klien(petugas_loket), _klien(petugas_loket_2)
    pagi = timezone.localtime().replace(second=0, microsecond=0) - timedelta(hours=2)
    for i in range(20):
        lahir = date(2023, 3, 1) + timedelta(days=11 * i)
        badan = {
            "nama": "Nur Aini Rahmawati",
            "tanggal_lahir": lahir.isoformat(),
            "jenis_kelamin": "P",
            "nik": "",
            "alamat": "Jl. Kenanga 5",
        }

        def simpan_online(badan=badan):
            r = online.post("/api/v1/pasien", json.dumps(badan), content_type="application/json")
            return r.status_code, r.json()

        batch = {
            "entri": [
                entri(
                    # Typed shorter at the other loket: another identity key, the same person.
                    pasien_baru("Nurul Aini", lahir, "P", serial=None),
                    pada=pagi,
                    loket="L2",
                    petugas="loket2",
                )
            ]
        }
        (kode, badan_online), h = _serentak(simpan_online, _kirim_replay(k2, batch))
        assert Pasien.objects.filter(tanggal_lahir=lahir).count() == 1, f"putaran {i}"
        satu = Pasien.objects.get(tanggal_lahir=lahir)
        if kode == 201:  # the online save won: the replay goes to review, pointing at it
            assert badan_online["id"] == satu.pk
            assert h["status"] == "ditinjau" and h["alasan"] == "mirip"
        else:  # the replay won: the officer online is shown the patient just created
            assert kode == 409 and badan_online["kode"] == "kemungkinan_duplikat"
            assert badan_online["kandidat"][0]["pasien"]["id"] == satu.pk
            assert h["status"] == "dibuat" and h["pasien"]["id"] == satu.pk


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_person_with_a_nik_at_once_make_one_patient(puskesmas):
    _perlu_postgresql()
    from tests.factories import buat_nik

    for i in range(10):
        lahir = date(1970, 1, 1) + timedelta(days=400 * i)
        data = DataPasien(
            nama=f"Bambang Uji {chr(65 + i)}",
            tanggal_lahir=lahir,
            jenis_kelamin="L",
            nik=buat_nik(lahir, "L", serial=40 + i),
        )
        simpan = lambda data=data: services.pasien_buat(puskesmas=puskesmas, data=data)  # noqa: E731
        hasil = _serentak(simpan, simpan)
        assert Pasien.objects.filter(nik=data.nik).count() == 1
        assert sorted(type(h).__name__ for h in hasil) == ["Pasien", "PasienSudahAda"]


def test_the_identity_key_is_the_databases_last_word(puskesmas):
    """Even a path that skipped the lock and the look-alike check (here: the ORM directly)
    cannot store a second patient with the same name key, birth date and sex without NIK."""
    from django.db import IntegrityError, transaction

    data = DataPasien(nama="Siti Nur Aini", tanggal_lahir=date(2019, 7, 4), jenis_kelamin="P")
    pertama = services.pasien_buat(puskesmas=puskesmas, data=data)
    assert pertama.kunci_identitas == kunci_identitas(
        nama="Sity Nuraini", tanggal_lahir=date(2019, 7, 4), jenis_kelamin="P"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Pasien.objects.create(
            puskesmas=puskesmas,
            no_rm="999999",
            nama="Sity Nuraini",
            nama_cari="SITY NURAINI",
            tanggal_lahir=date(2019, 7, 4),
            jenis_kelamin="P",
            kunci_identitas=pertama.kunci_identitas,
        )


def test_an_officer_may_still_register_a_confirmed_namesake(puskesmas):
    """Two different people, same name, day and sex: after the officer looked and confirmed,
    the second is saved (without the key, which stays with the first)."""
    data = DataPasien(nama="Ahmad Fauzi", tanggal_lahir=date(2015, 2, 2), jenis_kelamin="L")
    pertama = services.pasien_buat(puskesmas=puskesmas, data=data)
    with pytest.raises(services.KemungkinanDuplikat) as e:
        services.pasien_buat(puskesmas=puskesmas, data=data)
    assert [p.pk for p, _ in e.value.kandidat] == [pertama.pk]
    kedua = services.pasien_buat(puskesmas=puskesmas, data=data, konfirmasi_baru=True)
    assert kedua.pk != pertama.pk and kedua.kunci_identitas == ""
    assert pertama.kunci_identitas
