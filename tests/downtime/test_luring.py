"""The bounded local patient copy the loket keeps for offline search (luring/pasien.json)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditLog
from pendaftaran import services
from pendaftaran.models import Kunjungan
from pendaftaran.validasi import DataKunjungan
from tests.factories import PasienFactory

pytestmark = pytest.mark.django_db


def _datang(pasien, unit, hari_lalu: int) -> None:
    k = services.kunjungan_daftar(
        puskesmas=pasien.puskesmas,
        pasien=pasien,
        unit=unit,
        data=DataKunjungan(penjamin="umum"),
        client_uuid=uuid.uuid4(),
    ).kunjungan
    Kunjungan.objects.filter(pk=k.pk).update(
        tanggal=timezone.localdate() - timedelta(days=hari_lalu)
    )


def test_only_recent_visitors_of_this_puskesmas_are_sent_and_the_transfer_is_audited(
    client_loket, petugas_loket, puskesmas, puskesmas_lain, unit
):
    baru = PasienFactory(puskesmas=puskesmas, nama="Baru Datang")
    lama = PasienFactory(puskesmas=puskesmas, nama="Lama Tak Datang")
    _datang(baru, unit, hari_lalu=3)
    _datang(lama, unit, hari_lalu=40)
    PasienFactory(puskesmas=puskesmas_lain, nama="Puskesmas Lain")

    r = client_loket.get(reverse("luring_pasien"))
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert [p["nama"] for p in r.json()["pasien"]] == ["Baru Datang"]
    log = AuditLog.objects.get(aksi="pasien_lihat")
    assert log.user == petugas_loket.user and "1 pasien" in log.ringkasan
