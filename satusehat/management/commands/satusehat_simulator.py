"""`python manage.py satusehat_simulator [--port 8091]`: the SATUSEHAT simulator, accepting the
app's SATUSEHAT_* default client (so the demo Puskesmas can send to it)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand

from satusehat.simulator.app import Klien, SimConfig
from satusehat.simulator.server import serve


class Command(BaseCommand):
    help = "Run the SATUSEHAT simulator (token, Patient, Practitioner, Location, Encounter)."
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--token-detik", type=int, default=3599)

    def handle(self, *args: Any, **options: Any) -> None:
        config = SimConfig(token_detik=options["token_detik"])
        config.clients[settings.SATUSEHAT_CLIENT_ID] = Klien(
            settings.SATUSEHAT_CLIENT_SECRET, settings.SATUSEHAT_ORGANIZATION_ID,
            "Puskesmas Sukamaju",
        )  # fmt: skip
        port = options["port"] or settings.SATUSEHAT_SIMULATOR_PORT
        serve(options["host"], int(port), config)
