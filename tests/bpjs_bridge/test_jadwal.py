"""The doctor and hours reported to Antrean FKTP are the session in force at the patient's
time, from BPJS's schedule for that poli and day."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.utils import timezone

from antrean.models import Tiket
from bpjs_bridge.client import JadwalDokter
from bpjs_bridge.services import pilih_jadwal
from tests.bpjs_bridge.conftest import panggilan
from tests.bpjs_bridge.test_outbox import proses_semua

PAGI = JadwalDokter(101, "dr. PAGI", "08:00-12:00", 40)
SIANG = JadwalDokter(102, "dr. SIANG", "13:00-16:00", 25)


@pytest.mark.parametrize(
    ("jam", "dokter"),
    [
        (time(7, 15), PAGI),  # before the first session: the next to start
        (time(8, 0), PAGI),
        (time(11, 59), PAGI),
        (time(12, 30), SIANG),  # the lunch gap: the afternoon session is next
        (time(14, 0), SIANG),
        (time(17, 0), SIANG),  # after the last: the last of the day
    ],
)
def test_the_session_in_force_at_the_patients_time_is_chosen(jam, dokter):
    assert pilih_jadwal([SIANG, PAGI], jam) == dokter  # BPJS's order does not matter


def test_unreadable_hours_fall_back_to_the_first_and_no_schedule_is_none():
    aneh = JadwalDokter(9, "dr. X", "pagi", 1)
    assert pilih_jadwal([aneh], time(9)) == aneh
    assert pilih_jadwal([], time(9)) is None


@pytest.mark.django_db
def test_morning_and_afternoon_patients_are_reported_under_their_own_doctor(
    bpjs_settings, sim, peserta_pasien, daftar_bpjs
):
    hari = timezone.localdate()
    dokter = []
    for i, jam in enumerate((time(9, 30), time(14, 10))):
        k = daftar_bpjs(peserta_pasien("aktif", i))
        pada = timezone.make_aware(datetime.combine(hari, jam))
        Tiket.objects.filter(kunjungan=k).update(waktu_masuk=pada)
        proses_semua(k)
        (add,) = panggilan(sim, "POST", "antrean/add")[-1:]
        dokter.append((add["body"]["kodedokter"], add["body"]["jampraktek"]))
    # The schedule is read once and cached; the choice is made per patient.
    assert dokter == [(101, "08:00-12:00"), (102, "13:00-16:00")]
    assert len(panggilan(sim, "GET", "ref/dokter")) == 1
