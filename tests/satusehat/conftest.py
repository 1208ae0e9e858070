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
