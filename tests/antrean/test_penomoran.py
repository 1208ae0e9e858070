from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from django.db import connection, connections

from antrean.models import Tiket
from antrean.services import blok_nomor_luring, nomor_berikutnya
from pendaftaran import services
from pendaftaran.validasi import DataKunjungan


@pytest.mark.django_db
def test_numbers_start_at_one_each_day_per_unit(puskesmas, unit):
    assert nomor_berikutnya(unit=unit, tanggal=date(2026, 11, 23)) == 1
    assert nomor_berikutnya(unit=unit, tanggal=date(2026, 11, 23)) == 2
    assert nomor_berikutnya(unit=unit, tanggal=date(2026, 11, 24)) == 1


@pytest.mark.django_db
def test_offline_blocks_come_from_their_own_series_and_leave_online_numbers_gap_free(
    puskesmas, unit
):
    tgl = date(2026, 11, 23)
    assert blok_nomor_luring(unit=unit, tanggal=tgl, jumlah=20) == 501
    assert blok_nomor_luring(unit=unit, tanggal=tgl, jumlah=20) == 521
    assert [nomor_berikutnya(unit=unit, tanggal=tgl) for _ in range(3)] == [1, 2, 3]


@pytest.mark.django_db
def test_a_day_busy_enough_to_reach_the_offline_series_jumps_over_reserved_numbers(
    puskesmas, unit, settings
):
    settings.ANTREAN_NOMOR_LURING_AWAL = 5
    tgl = date(2026, 11, 23)
    assert blok_nomor_luring(unit=unit, tanggal=tgl, jumlah=3) == 5  # 5–7
    online = [nomor_berikutnya(unit=unit, tanggal=tgl) for _ in range(6)]
    assert online == [1, 2, 3, 4, 8, 9]
    # A block reserved after online passed the series starts above both.
    assert blok_nomor_luring(unit=unit, tanggal=tgl, jumlah=2) == 10  # 10–11
    assert nomor_berikutnya(unit=unit, tanggal=tgl) == 12


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_registrations_get_fifty_consecutive_numbers(puskesmas, unit):
    """Fifty counters press "Simpan" at the same moment: every patient gets their own number,
    no gaps, no repeats. Real concurrency needs PostgreSQL; SQLite serialises writers."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    from tests.factories import PasienFactory

    pasien = [PasienFactory(puskesmas=puskesmas) for _ in range(50)]
    mulai = threading.Barrier(50)
    galat: list[BaseException] = []

    def daftar(p):
        try:
            mulai.wait()
            services.kunjungan_daftar(
                puskesmas=puskesmas,
                pasien=p,
                unit=unit,
                data=DataKunjungan(penjamin="umum"),
                client_uuid=uuid.uuid4(),
            )
        except BaseException as e:
            galat.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=daftar, args=(p,)) for p in pasien]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert galat == []
    nomor = sorted(Tiket.objects.filter(unit=unit).values_list("nomor", flat=True))
    assert nomor == list(range(1, 51))
