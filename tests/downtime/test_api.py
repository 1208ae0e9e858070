"""The JSON contract the offline browser relies on: /status, /offline/blok, /replay."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from antrean.models import Tiket
from downtime import services
from downtime.models import BlokNomorOffline, EntriReplay, EpisodeDowntime
from pendaftaran.models import Kunjungan
from puskesmas.services import api_token_buat

from .conftest import entri, pasien_baru


def _post(client, url, data, **kw):
    return client.post(url, json.dumps(data), content_type="application/json", **kw)


@pytest.fixture
def bearer(petugas_loket):
    _, raw = api_token_buat(user=petugas_loket.user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- Status ---------------------------------------------------------------------------------


def test_status_tells_time_downtime_and_a_version_that_changes(client_loket, admin_puskesmas):
    r = client_loket.get("/api/v1/status")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    s0 = r.json()
    assert s0["downtime"] is None and s0["loket"]["kode"] == "L1"
    assert s0["bpjs"]["tersedia"] is True
    ep = services.downtime_mulai(
        puskesmas=admin_puskesmas.puskesmas, alasan="pemeliharaan", keterangan="update server"
    )
    s1 = client_loket.get("/api/v1/status").json()
    assert s1["versi"] != s0["versi"]
    assert s1["downtime"]["episode_id"] == ep.pk
    assert s1["downtime"]["alasan_label"] == "Pemeliharaan terencana"
    assert s1["downtime"]["cakupan"] == "puskesmas"
    services.downtime_selesai(episode=ep)
    s2 = client_loket.get("/api/v1/status").json()
    assert s2["downtime"] is None and s2["versi"] not in (s0["versi"], s1["versi"])


def test_status_shows_an_open_bpjs_episode(client_loket, puskesmas):
    services.episode_bpjs_mulai(puskesmas=puskesmas, keterangan="circuit breaker terbuka")
    assert services.episode_bpjs_mulai(puskesmas=puskesmas).pk == EpisodeDowntime.objects.get().pk
    assert client_loket.get("/api/v1/status").json()["bpjs"]["tersedia"] is False
    services.episode_bpjs_selesai(puskesmas=puskesmas)
    assert client_loket.get("/api/v1/status").json()["bpjs"]["tersedia"] is True
    assert services.episode_bpjs_selesai(puskesmas=puskesmas) is None


def test_status_for_a_loket_under_its_own_downtime(client_loket, petugas_loket_2):
    services.downtime_mulai(
        puskesmas=petugas_loket_2.puskesmas, loket=petugas_loket_2.loket, alasan="listrik"
    )
    assert client_loket.get("/api/v1/status").json()["downtime"] is None
    s = client_loket.get("/api/v1/status?loket=L2").json()
    assert s["downtime"]["cakupan"] == "loket" and s["downtime"]["loket"] == "L2"
    r = client_loket.get("/api/v1/status?loket=L9")
    assert r.status_code == 422 and r.json()["galat"]["loket"]


def test_the_api_needs_a_login_or_a_token(client, puskesmas, bearer):
    r = client.get("/api/v1/status")
    assert r.status_code == 401 and r.json()["kode"] == "tidak_terautentikasi"
    assert client.get("/api/v1/status", **bearer).status_code == 200
    assert _post(client, "/api/v1/replay", {"entri": []}).status_code == 401


# --- Blocks ---------------------------------------------------------------------------------


def test_a_loket_gets_a_block_per_unit_and_the_same_block_again_on_reload(client_loket):
    r = _post(client_loket, "/api/v1/offline/blok", {"unit": ["UMUM", "GIGI"], "jumlah": 20})
    assert r.status_code == 200, r.content
    b = r.json()
    assert b["loket"] == "L1" and [x["unit"] for x in b["blok"]] == ["UMUM", "GIGI"]
    umum = b["blok"][0]
    assert umum["terakhir"] - umum["pertama"] == 19 and umum["sisa"] == 20 and umum["prefix"] == "A"
    lagi = _post(client_loket, "/api/v1/offline/blok", {"unit": ["UMUM"], "jumlah": 20}).json()
    assert lagi["blok"][0]["blok_id"] == umum["blok_id"]
    baru = _post(client_loket, "/api/v1/offline/blok", {"unit": ["UMUM"], "baru": True}).json()
    assert baru["blok"][0]["pertama"] == umum["terakhir"] + 1


def test_blocks_and_online_numbers_never_collide(
    petugas_loket, petugas_loket_2, pasien_umum, pasien_bpjs, unit
):
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    hari = timezone.localdate()
    pkm = petugas_loket.puskesmas

    def daring(pasien):
        return kunjungan_daftar(
            puskesmas=pkm,
            pasien=pasien,
            unit=unit,
            data=DataKunjungan(penjamin="umum"),
            client_uuid=uuid.uuid4(),
        ).kunjungan.tiket_pertama.nomor

    online = [daring(pasien_umum)]
    b1 = services.blok_ambil(loket=petugas_loket.loket, unit=unit, tanggal=hari, jumlah=5).blok
    online.append(daring(pasien_bpjs))
    b2 = services.blok_ambil(loket=petugas_loket_2.loket, unit=unit, tanggal=hari, jumlah=5).blok
    b3 = services.blok_ambil(
        loket=petugas_loket.loket, unit=unit, tanggal=hari, jumlah=5, baru=True
    ).blok
    dipakai = list(online)
    for b in (b1, b2, b3):
        dipakai.extend(range(b.pertama, b.terakhir + 1))
    assert len(dipakai) == len(set(dipakai)) == 17


def test_a_nearly_spent_block_is_replaced_and_marked(petugas_loket, pagi):
    from .test_replay import _replay

    unit = petugas_loket.puskesmas.unit_layanan.get(kode="UMUM")
    hari = timezone.localdate(pagi)
    blok = services.blok_ambil(loket=petugas_loket.loket, unit=unit, tanggal=hari, jumlah=4).blok
    batch = [
        entri(pasien_baru(nama=f"Blok {n}", serial=200 + n), pada=pagi, nomor=blok.pertama + n)
        for n in range(4)
    ]
    _replay(batch, petugas_loket)
    blok.refresh_from_db()
    assert blok.habis_pada is not None  # every number has a ticket
    baru = services.blok_ambil(loket=petugas_loket.loket, unit=unit, tanggal=hari, jumlah=4)
    assert baru.blok.pk != blok.pk and baru.sisa == 4


@pytest.mark.parametrize(
    "body,field",
    [
        ({"jumlah": 0}, "jumlah"),
        ({"jumlah": 1000}, "jumlah"),
        ({"unit": ["NOPE"]}, "unit"),
        ({"loket": "L9"}, "loket"),
        ({"unit": "UMUM"}, "unit"),
    ],
)
def test_bad_block_requests_are_4xx_json(client_loket, body, field):
    r = _post(client_loket, "/api/v1/offline/blok", body)
    assert 400 <= r.status_code < 500
    assert field in r.json()["galat"]
    assert not BlokNomorOffline.objects.exists()


def test_poli_staff_may_not_take_blocks_or_replay(client, perawat_poli):
    client.force_login(perawat_poli.user)
    r = _post(client, "/api/v1/offline/blok", {})
    assert r.status_code == 403 and r.json()["kode"] == "tidak_berhak"
    assert _post(client, "/api/v1/replay", {"entri": []}).status_code == 403
    assert client.get("/api/v1/status").status_code == 200


# --- Replay ---------------------------------------------------------------------------------


def test_replay_over_http_is_idempotent_and_reports_per_entry(client_loket, bearer, client, pagi):
    batch = {
        "offline_sejak": (pagi - timedelta(minutes=10)).isoformat(),
        "online_kembali": (pagi + timedelta(minutes=30)).isoformat(),
        "jumlah_offline": 2,
        "entri": [
            entri(pasien_baru(serial=301), pada=pagi),
            # BPJS without a card or a NIK: refused, nothing to look the participant up by.
            entri(pasien_baru(nama="Yanto", jk="L", serial=None), pada=pagi, penjamin="bpjs"),
        ],
    }
    r = _post(client_loket, "/api/v1/replay", batch)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["selesai"] is True
    assert body["jumlah"] == {"dibuat": 1, "ditolak": 1}
    assert [h["status"] for h in body["hasil"]] == ["dibuat", "ditolak"]
    assert "penjamin" in body["hasil"][1]["galat"]
    # Sent again (e.g. the answer was lost) — by the integrator token this time.
    again = _post(client, "/api/v1/replay", batch, **bearer).json()
    assert [h["ulang"] for h in again["hasil"]] == [True, True]
    assert [h["status"] for h in again["hasil"]] == ["dibuat", "ditolak"]
    assert Kunjungan.objects.count() == 1 and EntriReplay.objects.count() == 2
    assert Tiket.objects.count() == 1
    assert EpisodeDowntime.objects.get().entri_tercatat == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"entri": "nope"},
        {"entri": [{}] * 201},
        {"entri": [], "offline_sejak": "kemarin"},
        {"entri": [], "mode": "lain"},
        {"entri": [], "jumlah_offline": -1},
    ],
)
def test_bad_replay_batches_are_4xx_json_never_500(client_loket, body):
    r = _post(client_loket, "/api/v1/replay", body)
    assert 400 <= r.status_code < 500, r.content
    assert r.json()["kode"]


def test_a_replay_body_that_is_not_json_is_a_4xx(client_loket):
    r = client_loket.post("/api/v1/replay", "{{{", content_type="application/json")
    assert 400 <= r.status_code < 500 and r.json()["kode"] == "tidak_valid"


def test_garbage_entries_inside_a_batch_are_answered_one_by_one(client_loket, pagi):
    aneh = [
        None,
        {"client_uuid": "bukan-uuid"},
        {"client_uuid": str(uuid.uuid4()), "dibuat_klien": "x", "pasien": 5, "kunjungan": []},
        {
            "client_uuid": str(uuid.uuid4()),
            "dibuat_klien": pagi.isoformat(),
            "pasien": {"id": "abc"},
            "kunjungan": {"unit": "UMUM", "penjamin": "umum"},
            "nomor_antrean": "tiga",
        },
        {
            "client_uuid": str(uuid.uuid4()),
            "dibuat_klien": pagi.isoformat(),
            "pasien": {"nama": ["x"], "tanggal_lahir": 12, "jenis_kelamin": None},
            "kunjungan": {"unit": 7, "penjamin": "umum", "hamil": "ya"},
        },
    ]
    r = _post(client_loket, "/api/v1/replay", {"entri": aneh})
    assert r.status_code == 200, r.content
    assert [h["status"] for h in r.json()["hasil"]] == ["ditolak"] * 5
    assert EntriReplay.objects.count() == 3  # the three with a usable UUID are kept


def test_a_uuid_of_another_puskesmas_is_not_revealed(client_loket, puskesmas_lain, pagi):
    from tests.factories import PetugasFactory

    from .test_replay import _replay

    e = entri(pasien_baru(serial=401), pada=pagi)
    asing = PetugasFactory(puskesmas=puskesmas_lain, peran="loket")
    asing.loket = None
    _replay([e], asing)  # stored under the other Puskesmas (rejected: no such unit there)
    h = _post(client_loket, "/api/v1/replay", {"entri": [e]}).json()["hasil"][0]
    assert h["status"] == "ditolak" and h["galat"] == {"client_uuid": ["UUID klien sudah dipakai."]}
    assert "pasien" not in h or h.get("pasien") is None
