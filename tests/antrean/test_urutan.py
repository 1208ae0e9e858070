from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from antrean import urutan

T0 = datetime(2026, 11, 23, 7, 30)


@dataclass
class T:
    nomor: int
    prioritas: bool = False
    urut: int = 0
    menit: int = 0

    def __post_init__(self):
        self.urut = self.urut or self.nomor
        self.waktu_masuk = T0 + timedelta(minutes=self.menit or self.nomor)


def kode(tiket):
    return [t.nomor for t in tiket]


def test_without_priority_the_queue_follows_the_number():
    assert kode(urutan.urutkan([T(3), T(1), T(2)])) == [1, 2, 3]


def test_priority_patients_go_first_and_keep_their_number_order_among_themselves():
    q = [T(1), T(2), T(3, prioritas=True), T(4), T(5, prioritas=True)]
    assert kode(urutan.urutkan(q)) == [3, 5, 1, 2, 4]


def test_a_requeued_ticket_goes_behind_everyone_numbered_so_far_but_before_newcomers():
    # Ticket 2 was skipped and put back when the last number issued was 5.
    requeued = T(2, urut=urutan.urut_antre_ulang(5), menit=20)
    baru = T(6, menit=25)  # registered after the requeue
    q = [T(3), T(4), T(5), requeued, baru]
    assert kode(urutan.urutkan(q)) == [3, 4, 5, 2, 6]


def test_an_offline_ticket_with_an_early_number_keeps_its_number_place():
    # Numbers decide; the arrival time only breaks ties (same `urut`).
    q = [T(8, menit=1), T(3, menit=50)]
    assert kode(urutan.urutkan(q)) == [3, 8]


def test_position_counts_only_those_ahead():
    q = [T(1), T(2), T(3, prioritas=True), T(4)]
    assert urutan.posisi(q[3], q) == 3
    assert urutan.posisi(q[2], q) == 0
    assert urutan.posisi(q[0], q) == 1


def test_the_sql_order_matches_the_python_key():
    assert urutan.URUTAN_SQL == ("-prioritas", "urut", "waktu_masuk", "nomor")


@pytest.mark.parametrize(
    "posisi, menit, ruang, hasil",
    [(0, 8, 1, 0), (1, 8, 1, 8), (3, 7, 1, 21), (3, 7, 2, 11), (1, 3, 4, 1), (5, 10, 0, 50)],
)
def test_estimated_wait_shares_the_queue_between_rooms_and_is_never_zero_with_people_ahead(
    posisi, menit, ruang, hasil
):
    assert urutan.perkiraan_menit(posisi, menit, ruang) == hasil


def test_statistics_of_waiting_times():
    s = urutan.statistik([10, 2, 4, 8, 6, 1, 3, 5, 7, 9])
    assert s.jumlah == 10 and s.rata_rata == 5.5 and s.median == 5.5 and s.terlama == 10
    assert s.p90 == pytest.approx(9.1)


def test_statistics_of_nothing_are_empty_not_zero():
    s = urutan.statistik([])
    assert s.jumlah == 0 and s.rata_rata is None and s.median is None and s.p90 is None


def test_percentile_matches_the_standard_library_inclusive_method():
    import statistics

    data = sorted([3.0, 17.5, 4.2, 9.9, 12.0, 1.1, 30.0])
    desil = statistics.quantiles(data, n=10, method="inclusive")
    assert urutan.persentil(data, 90) == pytest.approx(desil[8])
    assert urutan.persentil(data, 50) == pytest.approx(statistics.median(data))
