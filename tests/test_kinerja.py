"""The cost of the hot requests, in SQL statements, pinned so a regression fails here and not
in a district's morning peak (issue 15). The figures are what the lean path achieves; the
timings themselves are shown by bench/registration_pgbench.py and bench/district.py, never
asserted here.

A test transaction turns the service's BEGIN/COMMIT into SAVEPOINT/RELEASE, which
django_assert_max_num_queries counts too, so each pin includes those two statements.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pendaftaran.models import Kunjungan
from tests.factories import PasienFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# Pins: lower them when you make a path leaner, never raise them without a reason in the commit.
# A BPJS registration (API): the patient, read in one statement with "this UUID seen?" and
# "already an open visit there today?"; SAVEPOINT; the visit, the counter upsert, the ticket and
# its log row; the BPJS eligibility check and the two rows chained behind it (one bulk INSERT);
# the audit row; RELEASE. The integration settings (both bridges) and a declared downtime come
# from puskesmas.rujukan's cache. The loket save adds its session read (the signed-in user comes
# from the same cache, puskesmas.backends); it reads the patient with the UUID / open-visit check
# in one statement, as the API does. A name search is one statement (names that start with the
# text, topped up in the same statement by names with it as a later word); the loket's adds the
# session read.
KUERI_API_DAFTAR = 10
KUERI_API_CARI = 1
KUERI_LOKET_CARI = 2
KUERI_LOKET_DAFTAR = 11


def _kunjungan(pasien, unit, penjamin: str = "bpjs") -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "pasien_id": pasien.pk,
        "unit_id": unit.pk,
        "penjamin": penjamin,
        "keluhan": "Demam 3 hari",
    }


def _post_json(client: Client, path: str, data: dict):
    return client.post("/api/v1" + path, json.dumps(data), content_type="application/json")


@pytest.fixture
def api_client(petugas_loket) -> Client:
    from puskesmas.services import api_token_buat

    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=petugas_loket.user)[1]}")


@pytest.fixture
def pemanasan(api_client, pasien_bpjs, unit):
    """One registration first: the day's counter row exists and per-process caches are warm,
    as in a morning that has begun."""
    r = _post_json(api_client, "/kunjungan", _kunjungan(pasien_bpjs, unit))
    assert r.status_code == 201, r.content
    return api_client


def test_an_api_registration_with_a_bearer_token_stays_within_its_query_pin(
    pemanasan, puskesmas, unit, django_assert_max_num_queries
):
    pasien = PasienFactory(puskesmas=puskesmas, no_bpjs="0001234500099")
    with django_assert_max_num_queries(KUERI_API_DAFTAR):
        r = _post_json(pemanasan, "/kunjungan", _kunjungan(pasien, unit))
    assert r.status_code == 201, r.content
    assert r.json()["tiket"]["nomor"] == 2


def test_an_api_search_with_a_bearer_token_stays_within_its_query_pin(
    pemanasan, pasien_bpjs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(KUERI_API_CARI):
        r = pemanasan.get("/api/v1/pasien", {"q": "Siti"})
    assert r.status_code == 200 and r.json()[0]["id"] == pasien_bpjs.pk


def test_a_bearer_call_neither_reads_nor_writes_a_session(pemanasan, pasien_bpjs, unit):
    with CaptureQueriesContext(connection) as kueri:
        r = _post_json(pemanasan, "/kunjungan", _kunjungan(pasien_bpjs, unit, "umum"))
    assert r.status_code in (201, 409), r.content
    assert not [q for q in kueri.captured_queries if "django_session" in q["sql"]]
    assert "sessionid" not in r.cookies and "sessionid" not in pemanasan.cookies


def test_a_loket_htmx_search_stays_within_its_query_pin(
    client_loket, pasien_bpjs, django_assert_max_num_queries
):
    client_loket.get(reverse("pendaftaran:cari"), {"q": "Siti"}, **HTMX)  # warm
    with django_assert_max_num_queries(KUERI_LOKET_CARI):
        r = client_loket.get(reverse("pendaftaran:cari"), {"q": "Siti"}, **HTMX)
    assert r.status_code == 200 and "Siti Aminah" in r.content.decode()


def test_a_loket_htmx_save_stays_within_its_query_pin(
    client_loket, puskesmas, pasien_bpjs, unit, django_assert_max_num_queries
):
    def daftar(pasien):
        data = {
            "client_uuid": str(uuid.uuid4()),
            "penjamin": "bpjs",
            "keluhan": "demam",
            "layanan_diminta": "",
            "unit": str(unit.pk),
        }
        return client_loket.post(reverse("pendaftaran:daftar", args=[pasien.pk]), data, **HTMX)

    assert daftar(pasien_bpjs).status_code == 200  # warm: the day's counter row exists
    pasien = PasienFactory(puskesmas=puskesmas, no_bpjs="0001234500098")
    with django_assert_max_num_queries(KUERI_LOKET_DAFTAR):
        r = daftar(pasien)
    assert r.status_code == 200, r.content
    kunjungan = Kunjungan.objects.get(pasien=pasien)
    # The panel is drawn from what was just saved, not reloaded: it must still show it all.
    isi = r.content.decode()
    assert kunjungan.tiket_pertama.kode in isi and unit.nama in isi and pasien.no_rm in isi
    assert f"Klaster {unit.klaster.nomor}" in isi


# --- The lean path keeps its guarantees ----------------------------------------------------------


def test_a_revoked_token_is_refused_on_the_very_next_call_despite_the_cache(petugas_loket):
    from puskesmas.models import ApiToken
    from puskesmas.services import api_token_buat, api_token_cabut

    token, raw = api_token_buat(user=petugas_loket.user)
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert c.get("/api/v1/unit").status_code == 200  # now cached
    api_token_cabut(token=ApiToken.objects.get(pk=token.pk))
    assert c.get("/api/v1/unit").status_code == 401


def test_a_deactivated_officer_is_refused_at_once(pemanasan, petugas_loket):
    petugas_loket.user.is_active = False
    petugas_loket.user.save()
    assert pemanasan.get("/api/v1/unit").status_code == 401


def test_a_closed_unit_is_refused_for_a_new_visit_though_units_are_cached(
    pemanasan, puskesmas, unit
):
    unit.aktif = False
    unit.save()
    pasien = PasienFactory(puskesmas=puskesmas)
    r = _post_json(pemanasan, "/kunjungan", _kunjungan(pasien, unit, "umum"))
    assert r.status_code == 422 and "unit" in r.json()["galat"]


def test_the_reference_cache_never_serves_another_puskesmas_row(
    petugas_loket, puskesmas, puskesmas_lain
):
    from puskesmas import rujukan

    loket = petugas_loket.loket
    assert rujukan.loket(puskesmas.pk, loket.pk) == loket
    assert rujukan.loket(puskesmas_lain.pk, loket.pk) is None
    assert rujukan.unit_puskesmas(puskesmas_lain.pk) == []
    assert {u.puskesmas_id for u in rujukan.unit_puskesmas(puskesmas.pk)} == {puskesmas.pk}


def test_a_bearer_call_is_judged_by_its_token_alone_never_by_a_session_cookie(
    client_loket,
):
    assert client_loket.get("/api/v1/unit").status_code == 200  # the session works on its own
    r = client_loket.get("/api/v1/unit", HTTP_AUTHORIZATION="Bearer pkm_tidak_ada")
    assert r.status_code == 401


def _daftar_api(api, puskesmas, unit) -> Kunjungan:
    """One API registration of a new patient; the visit as stored."""
    pasien = PasienFactory(puskesmas=puskesmas)
    r = _post_json(api, "/kunjungan", _kunjungan(pasien, unit, "umum"))
    assert r.status_code == 201, r.content
    return Kunjungan.objects.get(pk=r.json()["id"])


def test_integration_settings_saved_by_the_admin_apply_to_the_very_next_registration(
    pemanasan, puskesmas, unit, admin_puskesmas
):
    from integrasi.services import pengaturan_simpan
    from satusehat.models import KirimanSatusehat

    def daftar() -> Kunjungan:
        return _daftar_api(pemanasan, puskesmas, unit)

    assert not KirimanSatusehat.objects.filter(kunjungan=daftar()).exists()  # settings cached
    ss = {"ss_client_id": "cid", "ss_client_secret": "rahasia", "ss_organization_id": "100"}
    pengaturan_simpan(puskesmas=puskesmas, oleh=admin_puskesmas.user, data={"ss_aktif": True, **ss})
    assert KirimanSatusehat.objects.filter(kunjungan=daftar()).count() == 1
    pengaturan_simpan(puskesmas=puskesmas, oleh=admin_puskesmas.user, data={"ss_aktif": False})
    assert not KirimanSatusehat.objects.filter(kunjungan=daftar()).exists()


def test_a_declared_downtime_flags_the_very_next_registration_and_its_end_too(
    pemanasan, puskesmas, unit, admin_puskesmas
):
    from downtime.services import downtime_mulai, downtime_selesai

    def daftar() -> Kunjungan:
        return _daftar_api(pemanasan, puskesmas, unit)

    assert not daftar().mode_downtime  # "no downtime" is cached now
    episode = downtime_mulai(puskesmas=puskesmas, alasan="pemeliharaan", oleh=admin_puskesmas.user)
    assert daftar().mode_downtime
    downtime_selesai(episode=episode, oleh=admin_puskesmas.user)
    assert not daftar().mode_downtime


def test_a_repeat_of_a_client_uuid_returns_the_first_visit_even_for_another_unit(
    pemanasan, puskesmas, unit
):
    data = _kunjungan(PasienFactory(puskesmas=puskesmas), unit, "umum")
    pertama = _post_json(pemanasan, "/kunjungan", data)
    assert pertama.status_code == 201, pertama.content
    lain = puskesmas.unit_layanan.exclude(pk=unit.pk).filter(aktif=True).first()
    ulang = _post_json(pemanasan, "/kunjungan", {**data, "unit_id": lain.pk})
    assert ulang.status_code == 200 and ulang.json() == pertama.json()
    assert Kunjungan.objects.filter(client_uuid=data["client_uuid"]).count() == 1


# A replayed batch of 100 plain offline entries (two thirds new patients with NIK, a third
# returning ones, four units) through POST /api/v1/replay, set-wise (downtime/replay/serentak.py):
# 38 statements on PostgreSQL with cold reference caches (lokets and units come from
# puskesmas.rujukan), where the per-entry path took about 3,300; 46 before the declared-downtime
# read was shared, the No. RM range became one UPDATE … RETURNING and the stored-UUID check a
# narrow read (145 before the integration settings came from the cache). SQLite splits the bulk
# inserts by its parameter limit (bulk_create there, config/sisip.py): 47.
KUERI_REPLAY_100 = 47


def test_a_replayed_batch_of_100_stays_within_its_query_pin(
    api_client, puskesmas, petugas_loket, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    from downtime.models import EntriReplay
    from tests.downtime.conftest import entri, pasien_baru

    units = list(puskesmas.unit_layanan.filter(aktif=True).values_list("kode", flat=True))[:4]
    lama = [PasienFactory(puskesmas=puskesmas) for _ in range(34)]
    pagi = timezone.now() - timedelta(hours=2)
    batch = []
    for n in range(100):
        pasien = (
            {"no_rm": lama[n // 3].no_rm}
            if n % 3 == 2
            else pasien_baru(nama=f"Pasien Replay {n}", serial=300 + n)
        )
        batch.append(entri(pasien, pada=pagi + timedelta(seconds=n), unit=units[n % len(units)]))
    with django_assert_max_num_queries(KUERI_REPLAY_100):
        r = _post_json(api_client, "/replay", {"loket": "L1", "entri": batch})
    assert r.status_code == 200, r.content
    assert {h["status"] for h in r.json()["hasil"]} == {"dibuat"}
    assert EntriReplay.objects.count() == 100
