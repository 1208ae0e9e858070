"""Both simulators for the integration tests, as shared fixtures."""

from __future__ import annotations

from tests.bpjs_bridge.conftest import (  # noqa: F401  (fixtures)
    bpjs_config,
    bpjs_settings,
    daftar_bpjs,
    peserta_pasien,
    sim,
    simulator,
)
from tests.satusehat.conftest import (  # noqa: F401  (fixtures)
    ss_config,
    ss_control,
    ss_settings,
    ss_sim,
    ss_simulator,
)
