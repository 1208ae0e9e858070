"""SATUSEHAT simulator (token, Patient/Practitioner, Organization/Location, Encounter).

Start: `python manage.py satusehat_simulator --port 8091`; faults: POST /_sim/faults, or
`python manage.py satusehat_fault down|slow|error5xx|ok [--apply]`.
"""

from satusehat.simulator.app import FaultConfig, Klien, SimConfig, Simulator
from satusehat.simulator.server import RunningSimulator, make_server, serve, start_in_thread

__all__ = [
    "FaultConfig",
    "Klien",
    "RunningSimulator",
    "SimConfig",
    "Simulator",
    "make_server",
    "serve",
    "start_in_thread",
]
