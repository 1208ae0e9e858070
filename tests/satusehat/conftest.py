"""One SATUSEHAT simulator per test session over real HTTP on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from satusehat import client as ss
from satusehat.simulator import RunningSimulator, SimConfig, start_in_thread
from satusehat.simulator.app import DEMO_CLIENT_ID, DEMO_ORG, DEMO_SECRET

SIM_CONFIG = SimConfig(count=400)


@pytest.fixture(scope="session")
def ss_simulator() -> Iterator[RunningSimulator]:
    running = start_in_thread(config=SIM_CONFIG)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def ss_sim(ss_simulator: RunningSimulator) -> Iterator[RunningSimulator]:
    """Reset before and after each test (state, faults, call log); tokens forgotten too."""
    ss_simulator.simulator.reset()
    ss.TOKEN.kosongkan()
    yield ss_simulator
    ss_simulator.simulator.reset()
    ss.TOKEN.kosongkan()


@pytest.fixture
def ss_config(ss_sim: RunningSimulator) -> ss.SatusehatConfig:
    return ss.SatusehatConfig(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_SECRET,
        organization_id=DEMO_ORG,
        base_url=ss_sim.url,
        kunci="uji",
        timeout=2.0,
        connect_timeout=1.0,
    )


@pytest.fixture
def satusehat(ss_config: ss.SatusehatConfig) -> Iterator[ss.SatusehatClient]:
    with ss.SatusehatClient(ss_config) as c:
        yield c


@pytest.fixture
def ss_control(ss_sim: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{ss_sim.url}/_sim", timeout=5.0) as c:
        yield c


def panggilan_ss(sim: RunningSimulator, method: str, path_contains: str) -> list[dict]:
    with sim.simulator._lock:
        return [
            c for c in sim.simulator.calls if c["method"] == method and path_contains in c["path"]
        ]


def nik_dikenal(sim: RunningSimulator, index: int = 0) -> tuple[str, str]:
    """(NIK, IHS) of a patient the simulator knows."""
    ihs, p = list(sim.simulator.pasien.items())[index]
    return p["nik"], ihs


# --- The outbox: the demo Puskesmas configured against the test simulator --------------------


@pytest.fixture
def ss_settings(settings, ss_sim):
    settings.SATUSEHAT_TIMEOUT = 1.0
    settings.SATUSEHAT_RETRY_DASAR = 0.1
    settings.SATUSEHAT_RETRY_BATAS = 0.4
    settings.SATUSEHAT_PERCOBAAN_MAKS = 4
    settings.SATUSEHAT_BREAKER_AMBANG = 3
    settings.SATUSEHAT_BREAKER_JEDA = 1.0
    settings.SATUSEHAT_TERBIT_LATAR = False
    settings.BPJS_TERBIT_LATAR = False
    return settings


@pytest.fixture
def pkm_satusehat(puskesmas, admin_puskesmas, ss_sim, ss_settings):
    """The demo Puskesmas sending to the simulator, Poli Umum and Poli Gigi mapped."""
    from integrasi.services import pengaturan_simpan
    from satusehat.services import pemetaan_pasang

    pengaturan_simpan(
        puskesmas=puskesmas,
        oleh=admin_puskesmas.user,
        data={
            "ss_aktif": True,
            "ss_client_id": DEMO_CLIENT_ID,
            "ss_client_secret": DEMO_SECRET,
            "ss_organization_id": DEMO_ORG,
            "ss_lingkungan": "dev",
            "ss_base_url": ss_sim.url,
        },
    )
    from satusehat.simulator.app import PRAKTISI, lokasi_demo

    for kode in ("UMUM", "GIGI"):
        nik, ihs, nama = PRAKTISI[0]
        pemetaan_pasang(
            unit=puskesmas.unit_layanan.get(kode=kode),
            location_id=lokasi_demo(DEMO_ORG, kode),
            location_nama=f"Ruang {kode}",
            praktisi_nik=nik,
            praktisi_ihs=ihs,
            praktisi_nama=nama,
        )
    return puskesmas


@pytest.fixture
def pasien_ss(pkm_satusehat, ss_sim):
    """pasien_ss(i) -> a patient whose NIK SATUSEHAT knows (the i-th simulator patient)."""
    from tests.factories import PasienFactory

    def _buat(i: int = 0, **kw):
        _, p = list(ss_sim.simulator.pasien.items())[i]
        return PasienFactory(
            puskesmas=pkm_satusehat, nik=p["nik"], nama=p["nama"], no_bpjs=None, **kw
        )

    return _buat


@pytest.fixture
def daftar(petugas_loket):
    """daftar(pasien, unit="UMUM", **kw) -> a visit (penjamin umum) registered at loket 1."""
    import uuid as _uuid

    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    def _daftar(pasien, unit: str = "UMUM", penjamin: str = "umum", **kw):
        return kunjungan_daftar(
            puskesmas=pasien.puskesmas,
            pasien=pasien,
            unit=pasien.puskesmas.unit_layanan.get(kode=unit),
            data=DataKunjungan(penjamin=penjamin, keluhan="demam"),
            client_uuid=_uuid.uuid4(),
            oleh=petugas_loket.user,
            loket=petugas_loket.loket
            if pasien.puskesmas_id == petugas_loket.puskesmas_id
            else None,
            **kw,
        ).kunjungan

    return _daftar


def proses_semua(kunjungan, *, ulang: int = 3) -> list[str]:
    """Process the visit's due rows in order, as the worker would (a few rounds)."""
    from satusehat.models import KirimanSatusehat
    from satusehat.services import kiriman_proses

    hasil = []
    for _ in range(ulang):
        for pk in KirimanSatusehat.objects.filter(
            kunjungan=kunjungan, status__in=("menunggu", "gagal_sementara")
        ).values_list("pk", flat=True):
            KirimanSatusehat.objects.filter(pk=pk).update(jadwal=kunjungan.diterima_server)
            hasil.append(kiriman_proses(kiriman_id=pk))
    return hasil
