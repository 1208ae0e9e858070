"""Every table is keyed by Puskesmas, and every hot query says which Puskesmas it reads (issue
15, "Beyond one machine"): what lets the tables be distributed by `puskesmas_id` (Citus) for the
nation without a query that needs every shard on the way of a registration.

A table without its own `puskesmas_id` must be listed in TANPA_KOLOM with the foreign-key path
that ties each row to exactly one Puskesmas; the test walks that path, so a list entry cannot
lie. Before distributing, those tables get the column (co-located with their parent).
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from puskesmas.models import Puskesmas
from tests.factories import PasienFactory

APP_KAMI = (
    "puskesmas", "antrean", "pendaftaran", "bpjs_bridge", "downtime", "audit",
    "integrasi", "satusehat",
)  # fmt: skip

# Tables that are Puskesmas-scoped through a parent row (path of foreign keys to Puskesmas).
TANPA_KOLOM: dict[str, str] = {
    "antrean.PenomoranHarian": "unit__puskesmas",
    "antrean.Tiket": "kunjungan__puskesmas",
    "antrean.TiketRiwayat": "tiket__kunjungan__puskesmas",
    "bpjs_bridge.PercobaanBpjs": "permintaan__puskesmas",
    "bpjs_bridge.TindakanWorklist": "permintaan__puskesmas",
    "downtime.BlokNomorOffline": "loket__puskesmas",
    "downtime.KontakLoket": "loket__puskesmas",
    "downtime.KeputusanTinjau": "entri__puskesmas",
    "puskesmas.ApiToken": "user__petugas__puskesmas",
    "satusehat.EncounterKunjungan": "kunjungan__puskesmas",
    "satusehat.IhsPasien": "pasien__puskesmas",
    "satusehat.PemetaanUnit": "unit__puskesmas",
    "satusehat.PercobaanSatusehat": "kiriman__puskesmas",
}
# Not tenant data: the tenant table itself (distributed by its id), and what Citus keeps as
# reference tables on every node (accounts, sessions, Django's own bookkeeping).
BUKAN_DATA_TENANT = {"puskesmas.Puskesmas"}
# Hot queries allowed without a puskesmas_id condition, each for a stated reason.
KUERI_GLOBAL = (
    # Idempotency: a client UUID is unique across the whole deployment, so the lookup is by the
    # UUID alone and the result is then refused unless it is this Puskesmas' (services.py).
    re.compile(r'FROM "pendaftaran_kunjungan" WHERE "pendaftaran_kunjungan"."client_uuid" = '),
)
# Tenant tables a hot query may name without a puskesmas_id condition because it filters by a
# row already loaded under the caller's Puskesmas (its primary or parent key), or by the
# signed-in user, which is how a request learns its Puskesmas in the first place.
KUNCI_INDUK = re.compile(r'"(unit_id|kunjungan_id|tiket_id|pasien_id|loket_id|user_id|id)" (=|IN)')


def _model_tenant():
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label in APP_KAMI and label not in BUKAN_DATA_TENANT:
            yield label, model


def test_every_table_of_our_apps_carries_puskesmas_id_or_a_checked_path_to_it():
    tanpa = []
    for label, model in _model_tenant():
        kolom = {f.column for f in model._meta.concrete_fields}
        if "puskesmas_id" in kolom:
            assert label not in TANPA_KOLOM, f"{label} has the column now: drop it from the list"
            continue
        if label not in TANPA_KOLOM:
            tanpa.append(label)
            continue
        # Walk the documented path: every hop a non-null-able single foreign key.
        m = model
        for langkah in TANPA_KOLOM[label].split("__"):
            f = m._meta.get_field(langkah)
            assert f.is_relation and not f.many_to_many, f"{label}: {langkah} is no single FK"
            m = f.related_model
        assert m is Puskesmas, f"{label}: {TANPA_KOLOM[label]} does not end at Puskesmas"
    assert not tanpa, f"tables without puskesmas_id and without a documented path: {tanpa}"


def _tabel_tenant_berkolom() -> set[str]:
    return {
        m._meta.db_table
        for _, m in _model_tenant()
        if "puskesmas_id" in {f.column for f in m._meta.concrete_fields}
    }


def _tanpa_puskesmas(kueri: list[dict]) -> list[str]:
    """SELECTs of a tenant table with a puskesmas_id column whose WHERE names neither the
    Puskesmas nor a key of a row the request already loaded under its Puskesmas."""
    tabel = _tabel_tenant_berkolom()
    salah = []
    for q in kueri:
        sql = q["sql"]
        if not sql.startswith("SELECT") or any(p.search(sql) for p in KUERI_GLOBAL):
            continue
        dari = re.search(r'FROM "(\w+)"', sql)
        if dari is None or dari.group(1) not in tabel:
            continue
        where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""
        if '"puskesmas_id"' not in where and not KUNCI_INDUK.search(where):
            salah.append(sql[:300])
    return salah


@pytest.mark.django_db
def test_the_hot_requests_scope_every_tenant_query_to_one_puskesmas(
    client_loket, petugas_loket, perawat_poli, puskesmas, pasien_bpjs, unit
):
    from puskesmas.services import api_token_buat

    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=petugas_loket.user)[1]}")
    pasien = PasienFactory(puskesmas=puskesmas, no_bpjs="0001234500097")
    with CaptureQueriesContext(connection) as kueri:
        for p in (pasien_bpjs, pasien):
            badan = {"client_uuid": str(uuid.uuid4()), "pasien_id": p.pk, "unit_id": unit.pk,
                     "penjamin": "bpjs", "keluhan": "Demam"}  # fmt: skip
            r = api.post("/api/v1/kunjungan", json.dumps(badan), content_type="application/json")
            assert r.status_code == 201, r.content
        assert api.get("/api/v1/pasien", {"q": "Siti"}).status_code == 200
        assert api.get(f"/api/v1/antrean/{unit.pk}").status_code == 200
        r = client_loket.get(reverse("pendaftaran:cari"), {"q": "Siti"}, HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        # The poll-heavy pages: the poli list and the hall TV's fragment.
        poli = Client()
        poli.force_login(perawat_poli.user)
        r = poli.get(reverse("antrean:poli_unit", args=[unit.pk]), HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        tv = reverse("antrean:tv", args=[puskesmas.kunci_display])
        assert Client().get(tv, HTTP_HX_REQUEST="true").status_code == 200
    assert len(kueri.captured_queries) > 20  # the requests really ran their queries
    assert _tanpa_puskesmas(kueri.captured_queries) == []


def test_the_scoping_check_itself_catches_an_unscoped_query():
    pasien = 'SELECT "pendaftaran_pasien"."id" FROM "pendaftaran_pasien" WHERE '
    kueri = [
        {"sql": pasien + '"pendaftaran_pasien"."nama_cari" LIKE \'siti%\''},
        {"sql": pasien + '("pendaftaran_pasien"."puskesmas_id" = 1 AND "nik" = \'x\')'},
    ]
    assert len(_tanpa_puskesmas(kueri)) == 1


# --- Bounded by one Puskesmas in the plan, not only in the SQL --------------------------------

# A district in small: our Puskesmas among TETANGGA neighbours of the same size, every patient
# named from the same few first names, so a name's rows across the district far outnumber one
# Puskesmas' and a plan that reads through them shows.
TETANGGA = 299
PASIEN_PER_PKM = 150
# Ours is a big one: scanning all of it costs the planner more than an index on the name, so
# the name indexes are what the searches take (and must enter by our Puskesmas).
PASIEN_KITA = 1500
# Neighbours with a day of tickets: enough that one day's tickets outnumber any bound.
TETANGGA_BERTIKET = 20
# A hot query may read this many rows in a scan node: our Puskesmas' patients (the planner may
# take all of them for a later-word search), never a district's.
BATAS_BARIS = PASIEN_KITA + 1


def _baris_dibaca(rencana: dict) -> list[tuple[str, int]]:
    """(node, rows read) of every scan node in an EXPLAIN (ANALYZE, FORMAT JSON) plan: what it
    returned over all its loops plus what its filters and rechecks threw away."""
    hasil = []
    simpul = [rencana]
    while simpul:
        n = simpul.pop()
        simpul.extend(n.get("Plans", []))
        if "Scan" in n["Node Type"] and n["Node Type"] not in ("CTE Scan", "Subquery Scan"):
            loops = n.get("Actual Loops", 1)
            dibaca = n.get("Actual Rows", 0) * loops
            dibaca += (
                n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0)
            ) * loops
            nama = f"{n['Node Type']} {n.get('Index Name') or n.get('Relation Name', '')}"
            hasil.append((nama, int(dibaca)))
    return hasil


# The tables that grow with every visit: a scan of one must enter its index by the tenant key
# (or a parent row's key), never by a name or a date alone and never as a sequential scan.
TABEL_BESAR = {"pendaftaran_pasien", "pendaftaran_kunjungan", "antrean_tiket"}
# client_uuid: the idempotency lookup, unique across the deployment (KUERI_GLOBAL): one row.
KUNCI_MASUK = re.compile(r"\b(puskesmas_id|unit_id|kunjungan_id|pasien_id|id|client_uuid) = ")


def _masuk_tanpa_kunci(rencana: dict) -> list[str]:
    """Scan nodes on TABEL_BESAR that do not enter by a tenant key: a Seq Scan, or an index
    scan whose Index Cond names none (a bitmap heap scan is judged by its index scans)."""
    salah, simpul = [], [(rencana, None)]
    while simpul:
        n, induk = simpul.pop()
        simpul.extend((c, n) for c in n.get("Plans", []))
        tabel = n.get("Relation Name") or (induk or {}).get("Relation Name")
        if tabel not in TABEL_BESAR:
            continue
        jenis = n["Node Type"]
        if jenis == "Seq Scan" or (
            jenis in ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
            and not KUNCI_MASUK.search(n.get("Index Cond", ""))
        ):
            salah.append(f"{jenis} {n.get('Index Name', '')} on {tabel}: {n.get('Index Cond')}")
    return salah


def _distrik(puskesmas) -> None:
    """Neighbours set up as ours is (five clusters, nine units, patients), and a day of tickets
    in some of them: yesterday's analysed as autovacuum leaves a table, today's not yet, so the
    statistics undercount today's tickets as they do on a real morning."""
    from datetime import date, timedelta

    from django.utils import timezone

    from antrean.models import Klaster, Tiket, UnitLayanan
    from pendaftaran.dedupe import normalisasi_nama
    from pendaftaran.models import Kunjungan, Pasien
    from puskesmas.demo import KLASTER, UNIT

    depan = ["Siti", "Sri", "Dewi", "Budi", "Agus", "Nur"]
    belakang = ["Aminah", "Rahayu", "Santoso", "Kita", "Lestari", "Wijaya", "Hidayat"]

    def pasien(pkm_id: int, awal_rm: int, jumlah: int = PASIEN_PER_PKM) -> list:
        return [
            Pasien(
                puskesmas_id=pkm_id, no_rm=f"{awal_rm + i:06d}",
                nama=(n := f"{depan[i % 6]} {belakang[i % 7]} {i}"), nama_cari=normalisasi_nama(n),
                tanggal_lahir=date(1970, 1, 1) + timedelta(days=i), jenis_kelamin="P",
            )
            for i in range(jumlah)
        ]  # fmt: skip

    Pasien.objects.bulk_create(pasien(puskesmas.pk, 500000, PASIEN_KITA))
    lain = Puskesmas.objects.bulk_create(
        Puskesmas(nama=f"Puskesmas Tetangga {j}", kode_faskes=f"0114T{j:03d}")
        for j in range(TETANGGA)
    )
    klaster = {
        (k.puskesmas_id, k.nomor): k
        for k in Klaster.objects.bulk_create(
            Klaster(puskesmas=p, nomor=n, nama=nama) for p in lain for n, nama, _ in KLASTER
        )
    }
    unit = UnitLayanan.objects.bulk_create(
        UnitLayanan(puskesmas=p, klaster=klaster[p.pk, k], kode=kode, nama=nama, layanan=lay,
                    prefix=prefix, urutan=i)
        for p in lain for i, (k, kode, nama, lay, prefix, _, _) in enumerate(UNIT)
    )  # fmt: skip
    orang = Pasien.objects.bulk_create(x for p in lain for x in pasien(p.pk, 1))
    umum = [u for u in unit if u.kode == "UMUM"][:TETANGGA_BERTIKET]
    milik = {p.pk: [] for p in lain}
    for o in orang:
        milik[o.puskesmas_id].append(o)

    def hari(tanggal, status):
        for u in umum:
            kunjungan = Kunjungan.objects.bulk_create(
                Kunjungan(puskesmas_id=u.puskesmas_id, pasien=p, tanggal=tanggal, unit=u,
                          klaster_id=u.klaster_id, penjamin="umum", dibuat_klien=timezone.now())
                for p in milik[u.puskesmas_id]
            )  # fmt: skip
            Tiket.objects.bulk_create(
                Tiket(kunjungan=k, unit=u, tanggal=tanggal, nomor=i + 1, urut=i + 1,
                      kode=f"A{i + 1:03d}", status=status, waktu_masuk=timezone.now())
                for i, k in enumerate(kunjungan)
            )  # fmt: skip

    hari(timezone.localdate() - timedelta(days=1), "selesai")
    with connection.cursor() as c:
        c.execute("ANALYZE")
    hari(timezone.localdate(), "menunggu")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plans")
@pytest.mark.django_db
def test_the_hot_requests_read_only_their_own_puskesmas_rows_in_the_plan(
    client_loket, petugas_loket, perawat_poli, puskesmas, pasien_bpjs, unit
):
    """A query can name its Puskesmas and still read the whole district: a join through the
    unit filtered after a scan of every ticket of the day, a name search on an index of every
    patient. On one server for ten districts that is 300 Puskesmas' rows per request. Each hot
    request's SELECTs are run again under EXPLAIN ANALYZE beside a busy neighbour: no scan
    may read more than BATAS_BARIS rows."""
    from puskesmas.services import api_token_buat

    _distrik(puskesmas)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=petugas_loket.user)[1]}")
    api_poli = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=perawat_poli.user)[1]}")
    poli = Client()
    poli.force_login(perawat_poli.user)
    pasien = [pasien_bpjs, *puskesmas.pasien.exclude(pk=pasien_bpjs.pk).order_by("pk")[:5]]
    with CaptureQueriesContext(connection) as kueri:
        for p in pasien:
            badan = {"client_uuid": str(uuid.uuid4()), "pasien_id": p.pk, "unit_id": unit.pk,
                     "penjamin": "umum", "keluhan": "Demam"}  # fmt: skip
            r = api.post("/api/v1/kunjungan", json.dumps(badan), content_type="application/json")
            assert r.status_code == 201, r.content
        for q in ("Sit", "Siti", "Siti Ki", "Ami", "Budi Wi", "Rahayu"):
            assert api.get("/api/v1/pasien", {"q": q}).status_code == 200
            r = client_loket.get(reverse("pendaftaran:cari"), {"q": q}, HTTP_HX_REQUEST="true")
            assert r.status_code == 200
        assert api.get(f"/api/v1/antrean/{unit.pk}").status_code == 200
        r = poli.get(reverse("antrean:poli_unit", args=[unit.pk]), HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        tv = reverse("antrean:tv", args=[puskesmas.kunci_display])
        assert Client().get(tv, HTTP_HX_REQUEST="true").status_code == 200
        assert Client().get(tv).status_code == 200
        r = api_poli.post(f"/api/v1/antrean/{unit.pk}/panggil-berikutnya")
        assert r.status_code == 200, r.content
    dibaca, masuk = [], []
    with connection.cursor() as c:
        for q in kueri.captured_queries:
            if not q["sql"].startswith(("SELECT", "WITH")):
                continue
            c.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + q["sql"])
            rencana = c.fetchone()[0][0]["Plan"]
            dibaca += [(n, baris, q["sql"][:400]) for n, baris in _baris_dibaca(rencana)]
            masuk += [(m, q["sql"][:400]) for m in _masuk_tanpa_kunci(rencana)]
    assert len(dibaca) > 20  # the plans were really read
    lebih = sorted({d for d in dibaca if d[1] > BATAS_BARIS}, key=lambda d: -d[1])
    assert lebih == [], "\n".join(f"{n}: {b} rows in {sql}" for n, b, sql in lebih)
    assert masuk == [], "\n".join(f"{m} in {sql}" for m, sql in masuk)
