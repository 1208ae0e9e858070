"""`python manage.py bpjs_simulator --port 8090`: the BPJS simulator, configured like the app.

Precedence: command-line flags, then BPJS_SIM_* environment variables, then the app's own
BPJS_* settings (so the simulator accepts exactly what the app sends), then demo defaults.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from bpjs_bridge.simulator.__main__ import add_arguments
from bpjs_bridge.simulator.app import SimConfig
from bpjs_bridge.simulator.server import serve

# SimConfig field -> Django setting it mirrors.
_FROM_SETTINGS = {
    "cons_id": "BPJS_CONS_ID",
    "secret": "BPJS_SECRET_KEY",
    "user_key": "BPJS_USER_KEY",
    "antrean_user_key": "BPJS_ANTREAN_USER_KEY",
    "username": "BPJS_USERNAME",
    "password": "BPJS_PASSWORD",
    "app_code": "BPJS_APP_CODE",
}


def config_from_settings(options: dict[str, Any]) -> SimConfig:
    values: dict[str, Any] = {}
    for name, setting in _FROM_SETTINGS.items():
        value = getattr(settings, setting, None)
        if value not in (None, ""):
            values[name] = str(value)
    env_config = SimConfig.from_env()
    for f in dataclasses.fields(SimConfig):
        if f"BPJS_SIM_{f.name.upper()}" in os.environ:
            values[f.name] = getattr(env_config, f.name)
        if options.get(f"sim_{f.name}") is not None:
            values[f.name] = options[f"sim_{f.name}"]
    return SimConfig(**values)


class Command(BaseCommand):
    help = "Run the BPJS PCare + Antrean FKTP simulator (same as python -m bpjs_bridge.simulator)."
    requires_system_checks: ClassVar[list[str]] = []  # needs no database and no app checks

    def add_arguments(self, parser: Any) -> None:
        add_arguments(parser)
        parser.set_defaults(port=None)  # decided in handle()

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if port is None and "BPJS_SIM_PORT" in os.environ:
            port = int(os.environ["BPJS_SIM_PORT"])
        if port is None:  # the port the app is configured to call, else 8090
            port = (
                getattr(settings, "BPJS_SIMULATOR_PORT", None)
                or urlsplit(str(getattr(settings, "BPJS_BASE_URL", "") or "")).port
            )
        port = int(port or 8090)
        serve(options["host"], port, config_from_settings(options), verbose=not options["quiet"])
