"""Candidate retrieval (selectors.kandidat_duplikat): complete at any size, closest first, and
the same answers through the API — with crowds of look-alike names around the patient."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from pendaftaran import selectors
from pendaftaran.dedupe import nama_kunci, normalisasi_nama
from pendaftaran.models import Pasien
from tests.factories import PasienFactory

LAHIR = date(1988, 4, 9)


def _banyak(puskesmas, daftar: list[tuple[str, date, str]], mulai: int = 0) -> None:
    baris = [
        (puskesmas.pk, f"{mulai + i:07d}", n, normalisasi_nama(n), nama_kunci(n), t, jk)
        for i, (n, t, jk) in enumerate(daftar)
    ]
    if connection.vendor == "postgresql":
        # COPY: 100,000 rows in seconds, not a minute of ORM inserts.
        kolom = "puskesmas_id, no_rm, nama, nama_cari, nama_kunci, tanggal_lahir, jenis_kelamin"
        tetap = "nik_ibu, kunci_identitas, alamat, no_hp, dibuat_pada, diubah_pada"
        with connection.cursor() as c:
            sql = f"COPY pendaftaran_pasien ({kolom}, {tetap}) FROM STDIN"
            with c.cursor.copy(sql) as salin:
                sekarang = timezone.now()
                for b in baris:
                    salin.write_row((*b, "", "", "", "", sekarang, sekarang))
        return
    Pasien.objects.bulk_create(
        [
            Pasien(
                puskesmas_id=b[0],
                no_rm=b[1],
                nama=b[2],
                nama_cari=b[3],
                nama_kunci=b[4],
                tanggal_lahir=b[5],
                jenis_kelamin=b[6],
            )
            for b in baris
        ],
        batch_size=5000,
    )


def _kerumunan(n_latar: int) -> list[tuple[str, date, str]]:
    """Background patients, then the crowds that defeated the old check: hundreds whose first
    word is "M." or a Balinese prefix within a year of LAHIR, and 300 born on LAHIR itself."""
    rng = random.Random(5)
    kata = ["Yusuf", "Hidayat", "Rizki", "Sudarsana", "Luh", "Ayu", "Arif", "Putra", "Santoso"]
    kata += ["Wirawan", "Saputra", "Lestari", "Rahmat", "Hakim", "Fauzi", "Ramadhan", "Darma"]
    hasil = []
    for i in range(n_latar):
        lahir = date(1940, 1, 1) + timedelta(days=rng.randrange(30_000))
        hasil.append((f"{rng.choice(kata)} {rng.choice(kata)} Latar{i}", lahir, rng.choice("LP")))
    lain = [k for k in kata if k not in ("Yusuf", "Hidayat")]  # no true copy in the crowd
    for i in range(1500):
        awal = rng.choice(["M.", "I Made", "Ni Luh", "Muh."])
        lahir = LAHIR + timedelta(days=rng.randint(-365, 365)) if i % 5 else LAHIR
        nama = f"{awal} {rng.choice(lain)} {rng.choice(kata)}"
        hasil.append((nama, lahir, "P" if awal == "Ni Luh" else "L"))
    return hasil


@pytest.fixture
def ramai(puskesmas):
    # 100,000 patients on PostgreSQL, as at a large Puskesmas; fewer on SQLite (no index
    # difference there: the same B-tree on birth date and on the name key).
    n = 100_000 if connection.vendor == "postgresql" else 20_000
    _banyak(puskesmas, _kerumunan(n))
    return PasienFactory(
        puskesmas=puskesmas,
        nama="M. Yusuf Hidayat",
        tanggal_lahir=LAHIR,
        jenis_kelamin="L",
        nik=None,
        no_bpjs=None,
    )


def test_the_candidate_check_finds_the_patient_among_crowds_of_lookalikes_at_100000(
    puskesmas, ramai, petugas_loket
):
    for ditulis in ("M. Yusuf Hidayat", "Muhammad Yusuf Hidayat", "Moch. Yusuf Hidayat"):
        hasil = selectors.kandidat_duplikat(
            puskesmas=puskesmas, nama=ditulis, tanggal_lahir=LAHIR, jenis_kelamin="L"
        )
        assert hasil and hasil[0][0].pk == ramai.pk, ditulis
    # The same through the API: a new patient without NIK is stopped at the copy.
    klien = Client()
    klien.force_login(petugas_loket.user)
    badan = {
        "nama": "Muh Yusuf Hidayat",
        "tanggal_lahir": LAHIR.isoformat(),
        "jenis_kelamin": "L",
        "nik": "",
    }
    r = klien.post("/api/v1/pasien", json.dumps(badan), content_type="application/json")
    assert r.status_code == 409, r.content
    assert r.json()["kandidat"][0]["pasien"]["id"] == ramai.pk
    assert not Pasien.objects.filter(nama="Muh Yusuf Hidayat").exists()


def test_candidates_come_closest_first_and_the_best_is_never_cut_off(puskesmas):
    """More look-alikes than `batas`: every one is scored before the list is cut, so the exact
    copy — stored last — still comes first."""
    lahir = date(2001, 2, 3)
    # Forty women written "Dewi Sari" (the name without its middle part) born that day...
    _banyak(puskesmas, [("Dewi Sari", lahir, "P") for _ in range(40)])
    _banyak(puskesmas, [("Dewi Sartika", lahir, "P")], mulai=100)  # another person: not offered
    tepat = PasienFactory(
        puskesmas=puskesmas, nama="Dewi Kartika Sari", tanggal_lahir=lahir, jenis_kelamin="P"
    )
    hasil = selectors.kandidat_duplikat(
        puskesmas=puskesmas, nama="Dewi Kartika Sari", tanggal_lahir=lahir, jenis_kelamin="P"
    )
    assert hasil[0][0].pk == tepat.pk and hasil[0][1] == 100
    assert len(hasil) == 5
    assert [s for _, s in hasil] == sorted((s for _, s in hasil), reverse=True)
    assert "Dewi Sartika" not in [p.nama for p, _ in hasil]


def test_a_swapped_or_mistyped_birth_date_is_searched_too(puskesmas):
    tukar = PasienFactory(
        puskesmas=puskesmas, nama="Siti Nuraini", tanggal_lahir=date(1985, 12, 3), jenis_kelamin="P"
    )
    salah = PasienFactory(
        puskesmas=puskesmas,
        nama="Rina Wulandari",
        tanggal_lahir=date(1991, 3, 13),
        jenis_kelamin="P",
        alamat="Dusun Krajan RT 03",
    )
    PasienFactory(  # the same name one digit away, at another address: another person
        puskesmas=puskesmas,
        nama="Rina Wulandari",
        tanggal_lahir=date(1991, 3, 22),
        jenis_kelamin="P",
        alamat="Perum Griya Asri C-4",
    )

    def cek(nama, lahir, alamat=""):
        return [
            p.pk
            for p, _ in selectors.kandidat_duplikat(
                puskesmas=puskesmas,
                nama=nama,
                tanggal_lahir=lahir,
                jenis_kelamin="P",
                alamat=alamat,
            )
        ]

    assert cek("Siti Nur Aini", date(1985, 3, 12)) == [tukar.pk]
    assert cek("Rina Wulandari", date(1991, 3, 12), "Dsn. Krajan RT 3") == [salah.pk]
    assert cek("Rina Wulandari", date(1991, 3, 12), "Jl. Mawar 1") == []


def test_a_name_search_gives_the_first_twenty_prefix_matches_in_byte_order_then_later_words(
    puskesmas, puskesmas_lain
):
    # 25 names start with "siti", sorted with spaces counting (a locale collation would put
    # "sitia" between "siti a…" names); one more has it as a later word; another Puskesmas'
    # "Siti" is never seen.
    nama = [f"Siti {chr(ord('A') + i)}" for i in range(24)] + ["Sitia Zahra"]
    for n in reversed(nama):
        PasienFactory(puskesmas=puskesmas, nama=n)
    PasienFactory(puskesmas=puskesmas, nama="Nur Siti")
    PasienFactory(puskesmas=puskesmas_lain, nama="Siti Aaa")

    hasil = selectors.pasien_cari(puskesmas=puskesmas, q="siti")
    assert [p.nama for p in hasil] == sorted(nama, key=normalisasi_nama)[:20]
    assert all(p.puskesmas_id == puskesmas.pk for p in hasil)

    sedikit = selectors.pasien_cari(puskesmas=puskesmas, q="sitia")
    assert [p.nama for p in sedikit] == ["Sitia Zahra"]
    kata = selectors.pasien_cari(puskesmas=puskesmas, q="nur")
    assert [p.nama for p in kata] == ["Nur Siti"]
    assert [p.nama for p in selectors.pasien_cari(puskesmas=puskesmas, q="siti x")] == ["Siti X"]


def test_a_name_search_tops_up_prefix_matches_with_later_words_in_one_statement(
    puskesmas, puskesmas_lain, django_assert_num_queries
):
    for n in ("Sri Ani Lestari", "Ani Rahma", "Dewi Ani", "Ani Ani", "Ani Budi"):
        PasienFactory(puskesmas=puskesmas, nama=n)
    PasienFactory(puskesmas=puskesmas_lain, nama="Ani Lain")
    PasienFactory(puskesmas=puskesmas_lain, nama="Budi Ani")

    with django_assert_num_queries(1):
        hasil = selectors.pasien_cari(puskesmas=puskesmas, q="ani")
    # Names that start with it first (byte order), then later words; "Ani Ani" only once.
    assert [p.nama for p in hasil] == ["Ani Ani", "Ani Budi", "Ani Rahma", "Dewi Ani",
                                       "Sri Ani Lestari"]  # fmt: skip
    assert [p.nama for p in selectors.pasien_cari(puskesmas=puskesmas, q="ani", batas=2)] == [
        "Ani Ani",
        "Ani Budi",
    ]
    sisa = selectors.pasien_cari(puskesmas=puskesmas, q="ani", batas=4)
    assert [p.nama for p in sisa] == ["Ani Ani", "Ani Budi", "Ani Rahma", "Dewi Ani"]


def _cari_orm(puskesmas, q: str, batas: int = 20) -> list[int]:
    """The search as plain ORM queries (what pasien_cari ran before its shapes were compiled
    once): the reference the compiled statements must agree with."""
    from pendaftaran import nik as nik_rules

    basis = Pasien.objects.filter(puskesmas=puskesmas)
    angka = nik_rules.bersihkan(q.strip())
    if angka.isdigit():
        if len(angka) == 16:
            qs = basis.filter(Q(nik=angka) | (Q(nik_ibu=angka) & ~Q(nik_ibu=""))).order_by(
                "tanggal_lahir"
            )
        elif len(angka) == 13:
            qs = basis.filter(no_bpjs=angka)
        else:
            qs = basis.filter(no_rm=angka.zfill(6))
        return [p.pk for p in qs[:batas]]
    nama = normalisasi_nama(q)
    awal = sorted(basis.filter(nama_cari__startswith=nama)[:200], key=lambda p: (p.nama_cari, p.pk))
    kata = sorted(
        basis.filter(nama_cari__contains=" " + nama).exclude(nama_cari__startswith=nama)[:200],
        key=lambda p: (p.nama_cari, p.pk),
    )
    return [p.pk for p in (awal + kata)[:batas]]


def test_every_compiled_search_shape_finds_what_the_orm_query_finds(puskesmas, puskesmas_lain):
    """pasien_cari compiles each shape once per process (_KueriPasien) and fills in each
    request's values: per shape, the same patients in the same order as its ORM query, never
    another Puskesmas' patient (the same identifiers exist there too), and LIKE characters in
    the text matched literally."""
    from pendaftaran.selectors import _KueriPasien

    ibu = PasienFactory(puskesmas=puskesmas, nama="Wati Ibu")
    bayi = PasienFactory(
        puskesmas=puskesmas, nama="Bayi Ny Wati", nik=None, nik_ibu=ibu.nik,
        tanggal_lahir=date(2026, 11, 2),
    )  # fmt: skip
    for i, n in enumerate(["Ani Rahma", "Ani_Budi", "Dewi Ani", "Sri Ani%", "Anita", "Rani Ani"]):
        PasienFactory(puskesmas=puskesmas, nama=n, no_rm=f"{400 + i:06d}")
    # The same identifiers in the other Puskesmas.
    lain = [
        PasienFactory(puskesmas=puskesmas_lain, nama="Ani Lain", nik=ibu.nik, no_bpjs=ibu.no_bpjs,
                      no_rm=ibu.no_rm),
        PasienFactory(puskesmas=puskesmas_lain, nama="Wati Lain", nik=None, nik_ibu=ibu.nik,
                      no_rm="000401"),
    ]  # fmt: skip
    pertanyaan = [ibu.nik, ibu.nik[:6] + " " + ibu.nik[6:], ibu.no_bpjs, ibu.no_rm,
                  str(int(ibu.no_rm)), "000401", "ani", "ANI", "ani ", "wati", "an", "ani_",
                  "ani%", "sri ani", "zzz", "ani rahma"]  # fmt: skip
    for q in pertanyaan:
        hasil = [p.pk for p in selectors.pasien_cari(puskesmas=puskesmas, q=q)]
        assert hasil == _cari_orm(puskesmas, q), q
        assert not {p.pk for p in lain} & set(hasil), q
    assert [p.pk for p in selectors.pasien_cari(puskesmas=puskesmas, q=ibu.nik)] == [
        ibu.pk,
        bayi.pk,
    ]
    assert [p.nama for p in selectors.pasien_cari(puskesmas=puskesmas, q="ani", batas=2)] == [
        "Ani_Budi", "Ani Rahma",
    ]  # fmt: skip
    # The text reaches LIKE escaped: "_" and "%" match themselves only (nama_cari never holds
    # them, pasien_cari strips them first; the compiled shape must not rely on that).
    from pendaftaran.selectors import _cari_nama

    for teks in ("AN_", "A%", "ANI"):
        orm = Pasien.objects.filter(puskesmas=puskesmas, nama_cari__startswith=teks)
        assert {p.pk for p in orm} <= {p.pk for p in _cari_nama(puskesmas.pk, teks, 20)}
        assert bool(_cari_nama(puskesmas.pk, teks, 20)) == (teks == "ANI")
    with pytest.raises(RuntimeError):  # a shape whose stand-in is not a parameter is refused
        _KueriPasien(lambda pkm, nilai: Pasien.objects.all().query.sql_with_params())(1, "x")


def _simpul(plan: dict):
    yield plan
    for anak in plan.get("Plans", []):
        yield from _simpul(anak)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plans")
def test_the_name_search_hands_its_puskesmas_to_the_trigram_index(puskesmas):
    """The trigram index leads with puskesmas_id (migration 0007, btree_gin): the search's
    Puskesmas must be a condition of the index scan, not a filter on every Puskesmas' matches
    afterwards. btree_gin's operator class compares bigint with bigint only, so this holds only
    while the search casts its id (selectors._sql_nama). The planner is left no other path: the
    search runs against a copy of the table whose only index is the trigram one."""
    with connection.cursor() as c:
        c.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'pasien_nama_trgm_idx'")
        if c.fetchone() is None:
            pytest.skip("btree_gin is not installed here: the search scans one Puskesmas' btree")
        c.execute("CREATE TEMP TABLE pasien_uji (LIKE pendaftaran_pasien INCLUDING DEFAULTS)")
        c.execute(
            "CREATE INDEX pasien_uji_trgm ON pasien_uji "
            "USING gin (puskesmas_id, nama_cari gin_trgm_ops)"
        )
        c.execute("SET LOCAL enable_seqscan = off")
        sql, param = selectors._sql_nama(puskesmas.pk, "ani")
        assert '"pendaftaran_pasien"' in sql
        c.execute(
            "EXPLAIN (FORMAT JSON) " + sql.replace('"pendaftaran_pasien"', "pasien_uji"),
            [*param, 20, 20],
        )
        plan = c.fetchone()[0][0]["Plan"]
    pindai = [s for s in _simpul(plan) if s.get("Index Name") == "pasien_uji_trgm"]
    assert len(pindai) == 2, plan  # the prefix half and the later-word half
    for s in pindai:
        assert "puskesmas_id" in s["Index Cond"], s
        assert "nama_cari" in s["Index Cond"], s
