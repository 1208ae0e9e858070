"""Both simulators for the integration tests (the SATUSEHAT ones are shared fixtures)."""

from __future__ import annotations

from tests.satusehat.conftest import (  # noqa: F401  (fixtures)
    ss_config,
    ss_control,
    ss_settings,
    ss_sim,
    ss_simulator,
)
