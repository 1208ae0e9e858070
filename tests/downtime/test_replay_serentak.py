"""Issue 15: the set-wise batch (downtime/replay/serentak.py) gives the per-entry path's
outcomes, numbers and rows, and keeps its guarantees under concurrency.

The differential test replays one generated batch twice on the same starting data (the first
run inside a savepoint that is rolled back): once with REPLAY_SERENTAK off (every entry through
replay_entri) and once set-wise, and compares the answers and every row written."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from antrean.models import PenomoranHarian, Tiket, TiketRiwayat
from audit.models import AuditLog
from bpjs_bridge.models import PermintaanBpjs
from downtime import replay, services
from downtime.models import BlokNomorOffline, EntriReplay, EpisodeDowntime, NomorLuring
from downtime.replay import batch as batch_mod
from downtime.replay import serentak
from pendaftaran.models import Kunjungan, Pasien
from pendaftaran.services import kunjungan_daftar
from pendaftaran.validasi import DataKunjungan
from satusehat.models import KirimanSatusehat
from tests.factories import PasienFactory, buat_nik

from .conftest import entri, pasien_baru

pytestmark = pytest.mark.django_db


class _Batal(Exception):
    pass


def _replay(batch, petugas):
    return replay.replay_batch(
        batch,
        puskesmas=petugas.puskesmas,
        pengirim=petugas.user,
        meta=replay.MetaBatch(loket=petugas.loket),
    )


def _keadaan(hasil: list[dict]) -> dict:
    """Everything a replay answered and wrote, by natural keys (never by row ids, which a
    rolled-back savepoint does not give back)."""
    rm = dict(Pasien.objects.values_list("pk", "no_rm"))
    kuuid = dict(Kunjungan.objects.values_list("pk", "client_uuid"))
    tkode = dict(Tiket.objects.values_list("pk", "kode"))

    def jawaban(h: dict) -> tuple:
        t = h.get("tiket") or {}
        d = h.get("duplikat_dari") or {}
        return (
            h["client_uuid"],
            h["status"],
            h["ulang"],
            h.get("alasan"),
            h.get("pesan"),
            h.get("galat"),
            (h.get("pasien") or {}).get("no_rm"),
            t.get("kode"),
            t.get("unit"),
            h.get("nomor_diminta"),
            h.get("nomor_baru"),
            d.get("tiket"),
            d.get("loket"),
            h.get("perlu_diberitahu"),
        )

    return {
        "jawaban": [jawaban(h) for h in hasil],
        "pasien": sorted(
            Pasien.objects.values_list(
                "no_rm",
                "nik",
                "no_bpjs",
                "nama",
                "nama_cari",
                "nama_kunci",
                "kunci_identitas",
                "tanggal_lahir",
                "jenis_kelamin",
                "alamat",
                "dibuat_oleh_id",
            ),
            key=str,
        ),
        "kunjungan": sorted(
            (
                str(k.client_uuid),
                rm[k.pasien_id],
                k.unit_id,
                k.tanggal,
                k.klaster_id,
                k.layanan_saran,
                k.saran_diubah,
                k.penjamin,
                k.keluhan,
                k.sumber,
                k.mode_downtime,
                k.petugas_id,
                k.loket_id,
                k.dibuat_klien,
                k.status,
            )
            for k in Kunjungan.objects.all()
        ),
        "tiket": sorted(
            (
                str(kuuid[t.kunjungan_id]),
                t.unit_id,
                t.tanggal,
                t.nomor,
                t.kode,
                t.kode_cetak,
                t.urut,
                t.luring,
                t.waktu_masuk,
                t.prioritas,
                t.alasan_prioritas,
                t.status,
                t.dibuat_oleh_id,
            )
            for t in Tiket.objects.all()
        ),
        "riwayat": Counter(
            (tkode[r.tiket_id], r.aksi, r.dari, r.ke, r.oleh_id) for r in TiketRiwayat.objects.all()
        ),
        "audit": Counter(AuditLog.objects.values_list("aksi", "username", "puskesmas_id")),
        "bpjs": Counter(
            (str(kuuid[p.kunjungan_id]), p.jenis, p.rantai, str(p.payload))
            for p in PermintaanBpjs.objects.all()
        ),
        "satusehat": Counter(
            (str(kuuid[k.kunjungan_id]), k.jenis) for k in KirimanSatusehat.objects.all()
        ),
        "nomor_luring": sorted(
            NomorLuring.objects.values_list("unit_id", "tanggal", "nomor", "client_uuid"),
            key=str,
        ),
        "penghitung": sorted(
            PenomoranHarian.objects.values_list("unit_id", "tanggal", "terakhir", "terakhir_luring")
        ),
        "blok_habis": sorted(
            (p, h is None) for p, h in BlokNomorOffline.objects.values_list("pertama", "habis_pada")
        ),
        "entri": sorted(
            (
                str(e.client_uuid),
                e.status,
                e.status_awal,
                e.alasan_tinjau,
                e.pesan,
                e.galat,
                sorted(rm.get(k, k) for k in e.kandidat),
                rm.get(e.pasien_id),
                str(kuuid.get(e.kunjungan_id)),
                str(kuuid.get(e.kunjungan_dipertahankan_id)),
                e.nomor_diminta,
                e.nomor_baru,
                e.sumber,
                e.loket_id,
                e.petugas_id,
                e.episode.jenis if e.episode_id else None,
                e.diselesaikan_pada is None,
            )
            for e in EntriReplay.objects.select_related("episode")
        ),
        # The episodes the batch opened or widened, and their reconciliation mark.
        "episode": sorted(
            EpisodeDowntime.objects.values_list(
                "jenis", "loket_id", "mulai", "selesai", "entri_tercatat", "rekonsiliasi_selesai"
            ),
            key=str,
        ),
    }


def _skenario(petugas, petugas_2, rng: random.Random) -> list[dict]:
    """A batch with every kind of entry, in the state it meets on the server."""
    pkm = petugas.puskesmas
    units = list(pkm.unit_layanan.filter(aktif=True).order_by("pk"))
    kode = [u.kode for u in units]
    sekarang = timezone.localtime()
    pagi = sekarang.replace(second=0, microsecond=0) - timedelta(hours=3)
    # Known patients: one comes back offline, one already has today's visit in UMUM (online),
    # one without NIK whom an offline namesake resembles.
    lama = PasienFactory(puskesmas=pkm, nama="Budi Santoso", tanggal_lahir=date(1970, 1, 5))
    sudah = PasienFactory(puskesmas=pkm, nama="Rina Wati", tanggal_lahir=date(1985, 4, 9))
    mirip = PasienFactory(
        puskesmas=pkm, nama="Siti Aminah", tanggal_lahir=date(1960, 8, 17), jenis_kelamin="P"
    )
    Pasien.objects.filter(pk=mirip.pk).update(nik=None)
    umum = pkm.unit_layanan.get(kode="UMUM")
    kunjungan_daftar(
        puskesmas=pkm,
        pasien=sudah,
        unit=umum,
        data=DataKunjungan(penjamin="umum"),
        client_uuid=uuid.uuid4(),
    )
    hilang = uuid.uuid4()  # saved online, the answer lost: the loket queued it offline too
    hilang_pasien = PasienFactory(puskesmas=pkm)
    kunjungan_daftar(
        puskesmas=pkm,
        pasien=hilang_pasien,
        unit=umum,
        data=DataKunjungan(penjamin="umum"),
        client_uuid=hilang,
    )
    blok = services.blok_ambil(
        loket=petugas.loket, unit=umum, tanggal=timezone.localdate(), jumlah=10
    ).blok
    m = iter(range(1000))

    def pada() -> datetime:
        return pagi + timedelta(minutes=next(m))

    batch: list[dict] = []
    n1 = pasien_baru(nama="Ahmad Fauzi", lahir=date(1991, 2, 3), jk="L", serial=501)
    batch.append(entri(n1, pada=pada()))
    batch.append(
        entri(pasien_baru(nama="Dewi Sartika", serial=502), pada=pada(), nomor=blok.pertama)
    )
    batch.append(entri({**n1, "client_uuid": str(uuid.uuid4())}, pada=pada(), loket="L2"))  # dup
    # The same person typed again for another unit: attached to the patient just created.
    batch.append(entri({**n1, "client_uuid": str(uuid.uuid4())}, pada=pada(), unit=kode[1]))
    batch.append(entri({"no_rm": lama.no_rm}, pada=pada()))
    batch.append(entri({"no_rm": sudah.no_rm}, pada=pada()))  # duplicate against the database
    batch.append(
        entri(
            pasien_baru(nama="Orang Lain", lahir=lama.tanggal_lahir, jk="L", nik=lama.nik),
            pada=pada(),
        )
    )  # a known NIK under another name: review
    batch.append(
        entri(
            pasien_baru(nama="Siti Aminah", lahir=date(1960, 8, 17), jk="P", serial=None),
            pada=pada(),
        )
    )  # no NIK, a look-alike: review
    batch.append(
        entri(pasien_baru(nama="Tanpa Nik Baru", lahir=date(2001, 6, 6), serial=None), pada=pada())
    )
    ulang = entri(pasien_baru(nama="Dikirim Dua Kali", serial=503), pada=pada())
    batch += [ulang, dict(ulang)]
    batch.append({**entri({"no_rm": hilang_pasien.no_rm}, pada=pada()), "client_uuid": str(hilang)})
    masa_depan = entri(pasien_baru(nama="Jam Maju", serial=504), pada=sekarang + timedelta(hours=3))
    batch.append(masa_depan)
    batch.append(
        entri(pasien_baru(nama="Jam Lama", serial=505), pada=sekarang - timedelta(hours=30))
    )
    batch.append(
        entri(pasien_baru(nama="Nomor Dipakai", serial=506), pada=pada(), nomor=blok.pertama)
    )
    batch.append(entri(pasien_baru(nama="Nomor Asing", serial=507), pada=pada(), nomor=950))
    batch.append(
        entri(pasien_baru(nama="Nomor Sendiri", serial=508), pada=pada(), nomor=blok.pertama + 1)
    )
    kertas = entri(pasien_baru(nama="Dari Kertas", serial=509), pada=pada(), sudah_dilayani=True)
    kertas["mode"] = "susulan"
    batch.append(kertas)
    batch.append(entri(pasien_baru(nama="Salah Tanggal", tanggal_lahir="17-05-1990"), pada=pada()))
    bayi = pasien_baru(nama="Satu Orang", serial=510)
    batch.append(entri(bayi, pada=pada()))
    batch.append(entri({**bayi, "nik": ""}, pada=pada(), unit=kode[2]))  # same pasien_uuid
    lahir = date(1975, 7, 7)
    batch.append(
        entri(
            pasien_baru(nama="Peserta Bpjs", lahir=lahir, serial=511, no_bpjs="0001234567890"),
            pada=pada(),
            penjamin="bpjs",
        )
    )
    # Reviews the set-wise path decides from its read (issue 15): a mother's NIK typed for her
    # baby, a NIK of one patient with the card of another, a card held under another name, a
    # known NIK under another name typed at two lokets (and sent twice), and one against a
    # patient this very batch creates (its message quotes a No. RM not written yet).
    ibu = PasienFactory(
        puskesmas=pkm, nama="Ibu Sulastri", tanggal_lahir=date(1988, 2, 2), jenis_kelamin="P"
    )
    batch.append(
        entri(
            pasien_baru(
                nama="Bayi Sulastri", lahir=timezone.localdate() - timedelta(days=20), nik=ibu.nik
            ),
            pada=pada(),
        )
    )
    pemegang_kartu = PasienFactory(puskesmas=pkm, nama="Pemegang Kartu")
    batch.append(
        entri(
            pasien_baru(
                nama=lama.nama,
                lahir=lama.tanggal_lahir,
                jk="L",
                nik=lama.nik,
                no_bpjs=pemegang_kartu.no_bpjs,
            ),
            pada=pada(),
            penjamin="bpjs",
        )
    )
    batch.append(
        entri(
            pasien_baru(nama="Kartu Pinjaman", serial=512, no_bpjs=pemegang_kartu.no_bpjs),
            pada=pada(),
        )
    )
    konflik = entri(
        pasien_baru(nama="Bukan Rina", lahir=sudah.tanggal_lahir, jk="L", nik=sudah.nik)
    )
    konflik["dibuat_klien"] = pada().isoformat()
    batch += [konflik, dict(konflik)]
    batch.append(
        entri(
            {
                **pasien_baru(
                    nama="Bukan Rina Juga", lahir=sudah.tanggal_lahir, jk="L", nik=sudah.nik
                )
            },
            pada=pada(),
            loket="L2",
        )
    )
    batch.append(
        entri(
            pasien_baru(nama="Bukan Ahmad", lahir=date(1991, 2, 3), jk="L", nik=n1["nik"]),
            pada=pada(),
        )
    )
    # And the plain majority: new patients with NIK and returning ones, mixed units and lokets.
    for j in range(25):
        if j % 4 == 3:
            p = {"no_rm": PasienFactory(puskesmas=pkm).no_rm}
        else:
            p = pasien_baru(nama=f"Pasien Biasa {j}", lahir=date(1950 + j, 3, 4), serial=600 + j)
        batch.append(entri(p, pada=pada(), unit=rng.choice(kode), loket=rng.choice(["L1", "L2"])))
    rng.shuffle(batch)
    return batch


def _satusehat_aktif(petugas) -> None:
    """SATUSEHAT on for the Puskesmas: every new visit gets its Encounter row (the sending
    itself runs after commit, which these tests never reach)."""
    from integrasi.services import pengaturan_simpan

    pengaturan_simpan(
        puskesmas=petugas.puskesmas,
        oleh=petugas.user,
        data={
            "ss_aktif": True,
            "ss_client_id": "klien-uji",
            "ss_client_secret": "rahasia-uji",
            "ss_organization_id": "org-uji",
            "ss_lingkungan": "dev",
            "ss_base_url": "http://127.0.0.1:9",
        },
    )


@pytest.mark.parametrize("satusehat", [False, True], ids=["tanpa-satusehat", "satusehat"])
@pytest.mark.parametrize("benih", [1, 2, 3])
def test_the_set_wise_batch_answers_and_writes_exactly_what_the_per_entry_path_does(
    petugas_loket, petugas_loket_2, settings, monkeypatch, benih, satusehat
):
    if satusehat:
        _satusehat_aktif(petugas_loket)
    batch = _skenario(petugas_loket, petugas_loket_2, random.Random(benih))
    # One server instant for both runs: messages and server-time queue places quote it.
    tetap = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: tetap)
    settings.REPLAY_SERENTAK = False
    try:
        with transaction.atomic():
            per_entri = _keadaan(_replay(batch, petugas_loket)[0])
            raise _Batal
    except _Batal:
        pass
    assert not EntriReplay.objects.exists()

    settings.REPLAY_SERENTAK = True
    ditulis: list[int] = []
    asli = serentak.tulis

    def hitung(run, **kw):
        ditulis.append(len(run))
        return asli(run, **kw)

    monkeypatch.setattr(serentak, "tulis", hitung)
    satu_satu: list[str] = []
    import sys

    [
        print(
            e["pasien"].get("nama"), h["status"], h["pesan"][:60], h.get("galat"), file=sys.stderr
        )
        for e, h in zip(batch, _replay.__wrapped__ if False else [], strict=False)
    ]
    asli_entri = batch_mod.replay_entri

    def per_entri_dicatat(raw, **kw):
        satu_satu.append(((raw.get("pasien") or {}).get("nama")) or "")
        return asli_entri(raw, **kw)

    monkeypatch.setattr(batch_mod, "replay_entri", per_entri_dicatat)
    hasil, selesai = _replay(batch, petugas_loket)
    assert selesai
    set_wise = _keadaan(hasil)
    for kunci in per_entri:
        assert set_wise[kunci] == per_entri[kunci], kunci
    assert bool(set_wise["satusehat"]) == satusehat  # the Encounter rows really compared
    assert sum(ditulis) >= 20  # the plain entries really went the set-wise way
    # The reviews known from the read went set-wise too; the no-NIK look-alike one by one.
    sendiri = ["Orang Lain", "Bayi Sulastri", "Kartu Pinjaman", "Bukan Rina Juga", "Budi Santoso"]
    assert [n for n in satu_satu if n in sendiri] == [], satu_satu
    assert satu_satu.count("Bukan Rina") == 1  # only its second sending: answered as stored
    assert "Siti Aminah" in satu_satu
    status = Counter(h["status"] for h in hasil)
    assert {"dibuat", "dilampirkan", "duplikat", "ditinjau", "ditolak"} <= set(status)

    # Sent again: every answer from the stored rows, nothing new.
    jumlah = (Kunjungan.objects.count(), Tiket.objects.count(), AuditLog.objects.count())
    lagi, _ = _replay(batch, petugas_loket)
    assert all(h["ulang"] for h in lagi if h.get("disimpan", True))
    assert (Kunjungan.objects.count(), Tiket.objects.count(), AuditLog.objects.count()) == jumlah


def test_plain_numbers_of_a_run_follow_the_entries_time_with_no_gap(petugas_loket, pagi):
    batch = [
        entri(pasien_baru(nama=f"Urut {n}", serial=700 + n), pada=pagi + timedelta(minutes=n))
        for n in range(30)
    ]
    random.Random(5).shuffle(batch)
    hasil, _ = _replay(batch, petugas_loket)
    nomor = {h["client_uuid"]: h["tiket"]["nomor"] for h in hasil}
    urut = sorted(batch, key=lambda e: e["dibuat_klien"])
    assert [nomor[e["client_uuid"]] for e in urut] == list(range(1, 31))


def test_the_counter_range_jumps_the_reserved_offline_series_like_single_numbers(
    petugas_loket, settings
):
    from antrean.services import nomor_berikutnya, nomor_berikutnya_banyak

    settings.ANTREAN_NOMOR_LURING_AWAL = 10
    pkm = petugas_loket.puskesmas
    unit = pkm.unit_layanan.get(kode="UMUM")
    lain = pkm.unit_layanan.exclude(pk=unit.pk).first()
    hari = timezone.localdate()
    for u in (unit, lain):
        services.blok_ambil(loket=petugas_loket.loket, unit=u, tanggal=hari, jumlah=5)  # 10–14
    satu = [nomor_berikutnya(unit=unit, tanggal=hari) for _ in range(12)]
    banyak = nomor_berikutnya_banyak(unit=lain, tanggal=hari, jumlah=7)
    banyak += nomor_berikutnya_banyak(unit=lain, tanggal=hari, jumlah=5)
    assert banyak == satu == [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17]


# --- concurrency (PostgreSQL) -------------------------------------------------------------


def _postgresql(settings, serentak_aktif: bool) -> None:
    settings.REPLAY_SERENTAK = serentak_aktif
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks")


def _paralel(*kerja):
    galat: list[BaseException] = []

    def jalan(f):
        try:
            f()
        except BaseException as e:
            galat.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=jalan, args=(f,)) for f in kerja]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not galat, galat


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("serentak_aktif", [True, False])
def test_two_lokets_replaying_the_same_new_patients_at_once_make_each_patient_once(
    petugas_loket, petugas_loket_2, pagi, settings, serentak_aktif
):
    _postgresql(settings, serentak_aktif)
    orang = [pasien_baru(nama=f"Rebutan {n}", serial=800 + n) for n in range(15)]
    satu = [entri(p, pada=pagi + timedelta(minutes=n)) for n, p in enumerate(orang)]
    dua = [
        entri({**p, "client_uuid": str(uuid.uuid4())}, pada=pagi + timedelta(minutes=n), loket="L2")
        for n, p in enumerate(orang)
    ]
    dua += [
        entri(pasien_baru(nama=f"Sendiri {n}", serial=850 + n), pada=pagi, loket="L2")
        for n in range(10)
    ]
    hasil: dict[str, list] = {}
    _paralel(
        lambda: hasil.__setitem__("1", _replay(satu, petugas_loket)[0]),
        lambda: hasil.__setitem__("2", _replay(dua, petugas_loket_2)[0]),
    )
    assert Pasien.objects.filter(nama__startswith="Rebutan").count() == 15
    assert Pasien.objects.count() == 25
    # Each person has one visit in UMUM; the other loket's entry is its duplicate.
    assert Kunjungan.objects.count() == 25
    for a, b in zip(hasil["1"], hasil["2"], strict=False):
        assert {a["status"], b["status"]} == {"dibuat", "duplikat"}
    assert EntriReplay.objects.count() == 40
    nomor = sorted(Tiket.objects.values_list("nomor", flat=True))
    assert nomor == list(range(1, 26))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("serentak_aktif", [True, False])
def test_a_replay_next_to_online_registrations_shares_the_numbers_without_gap_or_clash(
    petugas_loket, pagi, settings, serentak_aktif
):
    _postgresql(settings, serentak_aktif)
    pkm = petugas_loket.puskesmas
    umum = pkm.unit_layanan.get(kode="UMUM")
    lahir = date(1988, 8, 8)
    online = [PasienFactory(puskesmas=pkm, nik=buat_nik(lahir, "L", 900 + n)) for n in range(20)]
    batch = [
        entri(pasien_baru(nama=f"Luring {n}", serial=950 + n), pada=pagi + timedelta(minutes=n))
        for n in range(40)
    ]
    # One of the offline entries is a patient the online counter registers at the same time.
    batch.append(entri({"no_rm": online[0].no_rm}, pada=pagi))

    def daring():
        for p in online:
            try:
                kunjungan_daftar(
                    puskesmas=pkm,
                    pasien=p,
                    unit=umum,
                    data=DataKunjungan(penjamin="umum"),
                    client_uuid=uuid.uuid4(),
                )
            except Exception as e:  # the one duplicate may lose to the replay
                assert "sudah terdaftar" in str(e)

    hasil: list = []
    _paralel(daring, lambda: hasil.extend(_replay(batch, petugas_loket)[0]))
    assert Kunjungan.objects.filter(pasien=online[0], unit=umum).count() == 1
    assert Kunjungan.objects.count() == 60
    nomor = sorted(Tiket.objects.values_list("nomor", flat=True))
    assert nomor == list(range(1, 61))
    assert Counter(h["status"] for h in hasil)["dibuat"] in (40, 41)


def test_a_nik_registered_elsewhere_between_the_reads_and_the_write_sends_the_run_entry_by_entry(
    petugas_loket, pagi, monkeypatch
):
    """Another loket saves the same new patient after the batch was read: the run meets it under
    the Puskesmas lock, rolls back whole and its entries are replayed one by one."""
    from pendaftaran.services import pasien_buat
    from pendaftaran.validasi import DataPasien

    orang = pasien_baru(nama="Datang Bersamaan", serial=990)
    batch = [
        entri(orang, pada=pagi),
        entri(pasien_baru(nama="Tetangga Antrean", serial=991), pada=pagi + timedelta(minutes=1)),
    ]
    asli = serentak.tulis

    def loket_lain_dulu(run, **kw):
        pasien_buat(
            puskesmas=petugas_loket.puskesmas,
            data=DataPasien(
                nama=orang["nama"],
                tanggal_lahir=date.fromisoformat(orang["tanggal_lahir"]),
                jenis_kelamin=orang["jenis_kelamin"],
                nik=orang["nik"],
            ),
        )
        monkeypatch.setattr(serentak, "tulis", asli)
        return asli(run, **kw)

    monkeypatch.setattr(serentak, "tulis", loket_lain_dulu)
    hasil, selesai = _replay(batch, petugas_loket)
    assert selesai
    assert [h["status"] for h in hasil] == ["dilampirkan", "dibuat"]
    assert Pasien.objects.filter(nik=orang["nik"]).count() == 1
    assert Pasien.objects.count() == 2 and EntriReplay.objects.count() == 2
    assert sorted(Tiket.objects.values_list("nomor", flat=True)) == [1, 2]


def test_a_conflict_with_a_patient_the_batch_creates_waits_for_its_number(
    petugas_loket, pagi, monkeypatch
):
    """The review's message quotes the holder's No. RM: the holder's run is written first and
    the conflicting entry goes one by one (and so, conservatively, the next one on that NIK)."""
    orang = pasien_baru(nama="Pemilik Asli", lahir=date(1992, 4, 4), jk="L", serial=993)
    lain = {**orang, "client_uuid": str(uuid.uuid4()), "nama": "Orang Berbeda"}
    batch = [
        entri(orang, pada=pagi),
        entri(lain, pada=pagi + timedelta(minutes=1)),
        entri({**lain, "client_uuid": str(uuid.uuid4())}, pada=pagi + timedelta(minutes=2)),
    ]
    ditulis: list[int] = []
    asli = serentak.tulis
    monkeypatch.setattr(
        serentak, "tulis", lambda run, **kw: ditulis.append(len(run)) or asli(run, **kw)
    )
    hasil, _ = _replay(batch, petugas_loket)
    rm = Pasien.objects.get(nik=orang["nik"]).no_rm
    assert [h["status"] for h in hasil] == ["dibuat", "ditinjau", "ditinjau"]
    assert all(f"RM {rm}" in h["pesan"] for h in hasil[1:])
    assert ditulis == [1]  # the holder's run, written before the first conflict


def test_a_loket_renamed_or_a_unit_closed_is_seen_by_the_very_next_batch(petugas_loket, pagi):
    """Lokets and units come from the per-process reference cache (puskesmas.rujukan): a save
    of either starts a new generation, so the next batch resolves its codes afresh."""
    from puskesmas import rujukan

    pkm = petugas_loket.puskesmas
    hasil, _ = _replay([entri(pasien_baru(nama="Sebelum", serial=994), pada=pagi)], petugas_loket)
    assert hasil[0]["status"] == "dibuat"
    assert rujukan.loket_puskesmas(pkm.pk)  # cached now
    loket = pkm.loket.get(kode="L1")
    loket.kode = "L9"
    loket.save()
    umum = pkm.unit_layanan.get(kode="UMUM")
    umum.aktif = False
    umum.save()
    lama = entri(pasien_baru(nama="Loket Lama", serial=995), pada=pagi, unit="GIGI")
    tutup = entri(pasien_baru(nama="Unit Tutup", serial=996), pada=pagi, loket="L9")
    baru = entri(pasien_baru(nama="Loket Baru", serial=997), pada=pagi, loket="L9", unit="GIGI")
    hasil, _ = _replay([lama, tutup, baru], petugas_loket)
    assert [h["status"] for h in hasil] == ["ditolak", "ditolak", "dibuat"]
    assert "Loket L1 tidak ditemukan" in hasil[0]["galat"]["loket"][0]
    assert EntriReplay.objects.get(client_uuid=baru["client_uuid"]).loket_id == loket.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("serentak_aktif", [True, False])
def test_a_review_decided_from_the_read_stands_beside_an_online_visit_of_the_nik_holder(
    petugas_loket, pagi, settings, serentak_aktif
):
    """While a batch with two 'known NIK under another name' entries replays, the online loket
    registers the NIK's holder: the holder gets one visit, both entries wait in review pointing
    at the holder, and every unit's day stays numbered without gap."""
    _postgresql(settings, serentak_aktif)
    pkm = petugas_loket.puskesmas
    umum = pkm.unit_layanan.get(kode="UMUM")
    lahir = date(1979, 9, 9)
    pemegang = PasienFactory(puskesmas=pkm, tanggal_lahir=lahir, nik=buat_nik(lahir, "L", 977))
    batch = [
        entri(pasien_baru(nama=f"Biasa {n}", serial=960 + n), pada=pagi + timedelta(minutes=n))
        for n in range(20)
    ]
    for n, loket in enumerate(["L1", "L2"]):
        orang = pasien_baru(nama=f"Bukan Pemegang {n}", lahir=lahir, jk="L", nik=pemegang.nik)
        batch.append(entri(orang, pada=pagi + timedelta(minutes=30 + n), loket=loket))
    hasil: list = []
    _paralel(
        lambda: kunjungan_daftar(
            puskesmas=pkm,
            pasien=pemegang,
            unit=umum,
            data=DataKunjungan(penjamin="umum"),
            client_uuid=uuid.uuid4(),
        ),
        lambda: hasil.extend(_replay(batch, petugas_loket)[0]),
    )
    assert [h["status"] for h in hasil] == ["dibuat"] * 20 + ["ditinjau"] * 2
    for e in EntriReplay.objects.filter(status="ditinjau"):
        assert e.kandidat == [pemegang.pk] and e.pasien_id is None and e.kunjungan_id is None
    assert Kunjungan.objects.filter(pasien=pemegang).count() == 1
    assert Pasien.objects.filter(nik=pemegang.nik).count() == 1
    assert EntriReplay.objects.count() == 22 and Kunjungan.objects.count() == 21
    per_hari: dict = {}
    for unit_id, tgl, nomor in Tiket.objects.values_list("unit_id", "tanggal", "nomor"):
        per_hari.setdefault((unit_id, tgl), []).append(nomor)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in per_hari.values())


def _pernyataan_batch(petugas, pagi, *, baru: int, lama: int, mulai: int) -> list[str]:
    pkm = petugas.puskesmas
    kembali = [PasienFactory(puskesmas=pkm) for _ in range(lama)]
    batch = [
        entri(
            pasien_baru(nama=f"Baru {mulai + n}", serial=mulai + n),
            pada=pagi + timedelta(minutes=n, seconds=mulai),
        )
        for n in range(baru)
    ] + [
        entri({"no_rm": p.no_rm}, pada=pagi + timedelta(minutes=baru + n, seconds=mulai))
        for n, p in enumerate(kembali)
    ]
    with CaptureQueriesContext(connection) as q:
        hasil, selesai = _replay(batch, petugas)
    assert selesai and {h["status"] for h in hasil} == {"dibuat"}, hasil
    return [x["sql"] for x in q.captured_queries]


def test_a_batch_of_plain_entries_takes_the_same_few_statements_whatever_its_size(
    petugas_loket, pagi
):
    # The loket's episode exists after a first batch, as for every batch after the first.
    _pernyataan_batch(petugas_loket, pagi, baru=1, lama=0, mulai=100)
    kecil = _pernyataan_batch(petugas_loket, pagi, baru=10, lama=3, mulai=200)
    besar = _pernyataan_batch(petugas_loket, pagi, baru=30, lama=10, mulai=300)
    if connection.vendor == "postgresql":  # SQLite's bulk_create splits at its parameter cap
        assert len(besar) == len(kecil), besar
        # Reads (6): declared episodes, stored UUIDs (entries and visits at once), patients
        # (by id, No. RM, NIK and card at once), earlier entries of the new patients, their
        # open visits, the loket's contact stretches. The episode (5): BEGIN, the lock, its
        # read, the widening, COMMIT. The run (12): BEGIN, No. RM (the lock), the NIK/card
        # look, patients, visits, the counter, online tickets, tickets, their log, audit,
        # entries, COMMIT. The reconciliation (2): one read, the mark. (29 before issue 15's
        # h51 round.)
        assert len(besar) <= 25, "\n".join(s[:100] for s in besar)


def test_with_satusehat_on_a_run_writes_its_encounter_rows_in_one_statement(petugas_loket, pagi):
    _satusehat_aktif(petugas_loket)
    _pernyataan_batch(petugas_loket, pagi, baru=1, lama=0, mulai=100)
    sql = _pernyataan_batch(petugas_loket, pagi, baru=10, lama=3, mulai=200)
    ditulis = [s for s in sql if s.startswith('INSERT INTO "satusehat_kirimansatusehat"')]
    assert len(ditulis) == 1, sql  # was one INSERT and a savepoint a visit
    rows = KirimanSatusehat.objects.filter(jenis="encounter_buat")
    assert sorted(rows.values_list("kunjungan_id", flat=True)) == sorted(
        Kunjungan.objects.values_list("pk", flat=True)
    )
    assert len(sql) <= 25 + 3, sql  # the INSERT and its savepoint
