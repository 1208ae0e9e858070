"""The test clock: "minutes ago" must stay today whenever the suite runs (CI once ran just after
local midnight, 17:00 UTC, and a ticket made 25 minutes earlier was yesterday's)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tests.conftest import geser_dari_tengah_malam

pytestmark = pytest.mark.django_db(False)
WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize("jam, menit", [(0, 0), (0, 20), (1, 30), (5, 59)])
def test_just_after_midnight_the_clock_moves_to_noon_the_same_day(jam, menit):
    sekarang = datetime(2026, 12, 2, jam, menit, tzinfo=WIB)
    geser = geser_dari_tengah_malam(sekarang)
    baru = (sekarang + geser).astimezone(WIB)
    assert (baru.date(), baru.hour, baru.minute) == (sekarang.date(), 12, 0)
    assert (baru - timedelta(hours=6)).date() == sekarang.date()


@pytest.mark.parametrize("jam", [6, 12, 23])
def test_later_in_the_day_the_clock_is_left_alone(jam):
    assert geser_dari_tengah_malam(datetime(2026, 12, 2, jam, 5, tzinfo=WIB)) == timedelta(0)


def test_the_apps_read_the_clock_only_through_timezone_now():
    """So moving django.utils.timezone.now in a test moves every clock the server reads."""
    pola = re.compile(
        r"from django\.utils\.timezone import|datetime\.now\(|date\.today\(|\bNow\(\)"
        r"|CURRENT_DATE|CURRENT_TIMESTAMP|\bnow\(\)"
    )
    apps = ("antrean", "pendaftaran", "puskesmas", "downtime", "audit")
    temuan = [
        f"{p}:{i}"
        for app in apps
        for p in sorted((Path(settings.BASE_DIR) / app).rglob("*.py"))
        if "migrations" not in p.parts
        for i, baris in enumerate(p.read_text().splitlines(), 1)
        if pola.search(baris.replace("timezone.now()", ""))
    ]
    assert temuan == []
