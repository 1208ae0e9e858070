"""Demo data: the demo Puskesmas sends to our SATUSEHAT simulator (`make run` starts it), its
units mapped to the simulator's seeded Locations and practitioners. Leaves a Puskesmas that
already has its own SATUSEHAT settings alone."""

from __future__ import annotations

from django.conf import settings

from integrasi.models import PengaturanIntegrasi
from integrasi.services import pengaturan_simpan
from puskesmas.models import Puskesmas

from .services import pemetaan_pasang
from .simulator.app import DEMO_CLIENT_ID, DEMO_ORG, DEMO_SECRET, DEMO_UNIT, PRAKTISI, lokasi_demo

# Unit → the simulator practitioner on duty there.
PRAKTISI_UNIT = {"KIA": 3, "ANAK": 1, "GIGI": 4}


def siapkan_demo(puskesmas: Puskesmas) -> bool:
    """True when it configured something."""
    p = PengaturanIntegrasi.objects.filter(puskesmas=puskesmas).first()
    if p is not None and (p.ss_aktif or p.ss_client_id):
        return False
    pengaturan_simpan(
        puskesmas=puskesmas,
        oleh=None,
        data={
            "ss_aktif": True,
            "ss_client_id": DEMO_CLIENT_ID,
            "ss_client_secret": DEMO_SECRET,
            "ss_organization_id": DEMO_ORG,
            "ss_lingkungan": "dev",
            "ss_base_url": settings.SATUSEHAT_BASE_URL,
        },
    )
    for unit in puskesmas.unit_layanan.filter(kode__in=DEMO_UNIT):
        nik, ihs, nama = PRAKTISI[PRAKTISI_UNIT.get(unit.kode, 0)]
        pemetaan_pasang(
            unit=unit,
            location_id=lokasi_demo(DEMO_ORG, unit.kode),
            location_nama=f"Ruang {unit.kode}",
            praktisi_nik=nik,
            praktisi_ihs=ihs,
            praktisi_nama=nama,
        )
    return True
