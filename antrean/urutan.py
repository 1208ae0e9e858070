"""Queue order and waiting-time arithmetic. Pure functions over plain values, no ORM: the same
rules order the poli page, pick the ticket "call next" takes, count a patient's position on the
status page, and feed the daily report — so they are unit-tested here once.

The order within a unit:
1. priority tickets first (elderly 60+, pregnant, disability, emergency, failed online booking —
   derived from the visit when the ticket is issued, see services.alasan_prioritas);
2. then by `urut`, which is the ticket number until a skipped patient is re-queued at the end;
3. then by the time the patient joined (a re-queued ticket sorts before the newcomer who takes
   the same `urut`, because it was put back before that newcomer arrived), then by number.
Mobile JKN bookings carry their own number from the same daily counter and follow these rules
like any walk-in: fairness between online and walk-in patients is the number order.
Tickets made offline or on paper carry a number from the offline series (A-501…) and reach the
server late; their `urut` is the last online number issued before the patient came
(services.urut_menurut_waktu), so rule 3 puts them right behind that patient.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar


class Antre(Protocol):
    prioritas: bool
    urut: int
    waktu_masuk: datetime
    nomor: int


T = TypeVar("T", bound=Antre)

# The same order for the database (order_by) as for kunci() below.
URUTAN_SQL = ("-prioritas", "urut", "waktu_masuk", "nomor")


def kunci(t: Antre) -> tuple[int, int, datetime, int]:
    return (0 if t.prioritas else 1, t.urut, t.waktu_masuk, t.nomor)


def urutkan(tiket: Iterable[T]) -> list[T]:
    return sorted(tiket, key=kunci)


def posisi(target: Antre, menunggu: Iterable[Antre]) -> int:
    """How many waiting tickets are ahead of `target` (0 = next to be called)."""
    k = kunci(target)
    return sum(1 for t in menunggu if t is not target and kunci(t) < k)


def urut_antre_ulang(terakhir_diterbitkan: int) -> int:
    """`urut` for a skipped ticket put back in the queue: behind everyone numbered so far, ahead
    of whoever registers next (they get terakhir + 1 and a later waktu_masuk)."""
    return terakhir_diterbitkan + 1


def perkiraan_menit(posisi_antre: int, menit_per_pasien: int, loket_aktif: int = 1) -> int:
    """Estimated wait shown to the patient: the patients ahead, times the unit's typical minutes
    per patient, shared across the rooms currently serving. Never 0 while someone is ahead."""
    if posisi_antre <= 0:
        return 0
    return max(1, math.ceil(posisi_antre * menit_per_pasien / max(1, loket_aktif)))


@dataclass(frozen=True)
class Statistik:
    jumlah: int
    rata_rata: float | None
    median: float | None
    p90: float | None
    terlama: float | None


def persentil(nilai_urut: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (the same definition as numpy's default and
    statistics.quantiles(method='inclusive')); `nilai_urut` must be sorted."""
    if not nilai_urut:
        return None
    if len(nilai_urut) == 1:
        return float(nilai_urut[0])
    posisi_p = (len(nilai_urut) - 1) * p / 100
    bawah = math.floor(posisi_p)
    atas = min(bawah + 1, len(nilai_urut) - 1)
    return nilai_urut[bawah] + (nilai_urut[atas] - nilai_urut[bawah]) * (posisi_p - bawah)


def statistik(nilai: Iterable[float]) -> Statistik:
    """Mean, median, 90th percentile and maximum of waiting times (any unit, e.g. minutes)."""
    data = sorted(nilai)
    if not data:
        return Statistik(0, None, None, None, None)
    return Statistik(
        jumlah=len(data),
        rata_rata=sum(data) / len(data),
        median=persentil(data, 50),
        p90=persentil(data, 90),
        terlama=data[-1],
    )
