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
