"""Property tests for the offline replay endpoint (POST /api/v1/replay): whatever a browser's
outbox holds — garbage, half entries, Indonesian names with apostrophes, dates at the edges —
the answer is JSON, never a 5xx, with one final result per entry; and sending the same batch
again creates nothing new and answers the same."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pendaftaran.models import Kunjungan, Pasien
from tests.downtime.conftest import entri, pasien_baru

STATUS_AKHIR = {"dibuat", "dilampirkan", "duplikat", "ditinjau", "ditolak", "gagal_sementara"}
HP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)

json_apa_saja = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda anak: (
        st.lists(anak, max_size=4) | st.dictionaries(st.text(max_size=12), anak, max_size=4)
    ),
    max_leaves=12,
)
nama = st.one_of(
    st.sampled_from(["Siti Nur'aini", "I Gusti Ayu Ngurah", "Sukarno", "D'Costa", "A" * 150]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=160),
)
tanggal = st.one_of(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat),
    st.sampled_from(["", "2024-02-30", "31-12-1990", "1990-13-01", "0000-00-00"]),
)


def _kirim(client, batch: list) -> object:
    return client.post(
        "/api/v1/replay",
        json.dumps({"loket": "L1", "mode": "offline", "entri": batch}),
        content_type="application/json",
    )


def _periksa_jawaban(response, batch: list) -> dict:
    assert response.status_code < 500, response.content[:500]
    body = response.json()
    if response.status_code == 200:
        assert len(body["hasil"]) == len(batch)
        assert {h["status"] for h in body["hasil"]} <= STATUS_AKHIR
    else:
        assert "kode" in body and "pesan" in body
    return body


def test_arbitrary_json_entries_never_crash_the_replay(client_loket, unit):
    @HP
    @given(batch=st.lists(json_apa_saja, max_size=5))
    def periksa(batch):
        _periksa_jawaban(_kirim(client_loket, batch), batch)

    periksa()


def test_entries_with_hostile_fields_end_in_a_final_status(client_loket, unit):
    @HP
    @given(
        nama=nama,
        lahir=tanggal,
        jk=st.sampled_from(["L", "P", "", "X"]),
        nik=st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=16, max_size=16)),
        menit_lalu=st.integers(-600, 60 * 24 * 40),
        unit_kode=st.sampled_from(["UMUM", "GIGI", "TIDAKADA", ""]),
    )
    def periksa(nama, lahir, jk, nik, menit_lalu, unit_kode):
        from django.utils import timezone

        p = pasien_baru(nama=nama, jk=jk, serial=None, nik=nik)
        p["tanggal_lahir"] = lahir
        e = entri(p, pada=timezone.now() - timedelta(minutes=menit_lalu), unit=unit_kode)
        _periksa_jawaban(_kirim(client_loket, [e]), [e])

    periksa()


def test_sending_a_batch_twice_creates_nothing_new_and_answers_the_same(client_loket, unit):
    @HP
    @given(
        nama=st.sampled_from(["Siti Nur'aini", "Made", "Ahmad Yani"]),
        lahir=st.dates(date(1930, 1, 1), date(2020, 12, 31)),
        jk=st.sampled_from(["L", "P"]),
        jumlah=st.integers(1, 4),
    )
    def periksa(nama, lahir, jk, jumlah):
        from django.utils import timezone

        from tests.factories import buat_nik

        batch = []
        for i in range(jumlah):
            serial = uuid.uuid4().int % 9000 + 1
            p = pasien_baru(nama=f"{nama} {i}", lahir=lahir, jk=jk, serial=None)
            p["nik"] = buat_nik(lahir, jk, serial=serial)
            batch.append(entri(p, pada=timezone.now() - timedelta(minutes=30 + i)))
        pertama = _periksa_jawaban(_kirim(client_loket, batch), batch)
        assert any(h["status"] == "dibuat" for h in pertama["hasil"]), pertama["hasil"]
        jumlah_db = (Pasien.objects.count(), Kunjungan.objects.count())
        kedua = _periksa_jawaban(_kirim(client_loket, batch), batch)
        assert (Pasien.objects.count(), Kunjungan.objects.count()) == jumlah_db

        def ringkas(body):
            return sorted(
                (h.get("client_uuid"), h["status"], h.get("kunjungan_id") or h.get("kunjungan"))
                for h in body["hasil"]
            )

        assert ringkas(pertama) == ringkas(kedua)

    periksa()
