"""`muat_demo` configures the demo Puskesmas against the SATUSEHAT simulator."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from satusehat.models import EncounterKunjungan, PemetaanUnit
from tests.satusehat.conftest import proses_semua

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_puskesmas_sends_its_visits_to_the_simulator(ss_sim, ss_settings, daftar):
    from pendaftaran.models import Pasien
    from puskesmas.models import Puskesmas
    from tests.factories import PasienFactory

    ss_settings.SATUSEHAT_BASE_URL = ss_sim.url
    call_command("muat_demo", pasien=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    pkm = Puskesmas.objects.get()
    assert PemetaanUnit.objects.filter(unit__puskesmas=pkm).count() == 9
    _, p = next(iter(ss_sim.simulator.pasien.items()))
    pasien = PasienFactory(puskesmas=pkm, nik=p["nik"], no_bpjs=None)
    k = daftar(pasien, unit="KIA")
    assert proses_semua(k) == ["berhasil"]
    assert EncounterKunjungan.objects.filter(kunjungan=k).exists()
    call_command("muat_demo", pasien=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Pasien.objects.count() == 1  # safe to run again
