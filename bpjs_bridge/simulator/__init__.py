"""BPJS PCare + Antrean FKTP simulator; runs without Django.

Start: `python -m bpjs_bridge.simulator --port 8090` (or `manage.py bpjs_simulator`).
Control: `/_sim/health`, `/_sim/faults`, `/_sim/calls`, `/_sim/reset`, `/_sim/config`,
`/_sim/peserta`, `/_sim/state`.
"""

from __future__ import annotations

from bpjs_bridge.simulator.app import FaultConfig, SimConfig, Simulator
from bpjs_bridge.simulator.peserta import generate_participants
from bpjs_bridge.simulator.server import RunningSimulator, make_server, serve, start_in_thread

__all__ = [
    "FaultConfig",
    "RunningSimulator",
    "SimConfig",
    "Simulator",
    "generate_participants",
    "make_server",
    "serve",
    "start_in_thread",
]
