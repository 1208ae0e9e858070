"""`python manage.py satusehat_fault down|slow|timeout|error5xx|ok|status|reset [--apply]`:
switch the running SATUSEHAT simulator's faults (POST /_sim/faults)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bpjs_bridge.management.commands.bpjs_fault import control_request, simulator_root
from satusehat.simulator.app import FAULT_MODES


class Command(BaseCommand):
    help = "Switch fault injection of the running SATUSEHAT simulator (or show/reset it)."
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("mode", choices=[*FAULT_MODES, "status", "reset"])
        parser.add_argument("--delay-ms", type=int, default=0)
        parser.add_argument("--status", type=int, default=500)
        parser.add_argument("--path-contains", default="")
        parser.add_argument("--method", default="")
        parser.add_argument("--remaining", type=int, default=None)
        parser.add_argument("--apply", action="store_true", help="take effect, lose the reply")
        parser.add_argument("--url", default=None)

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            root = o["url"] or simulator_root(settings.SATUSEHAT_BASE_URL)
            if o["mode"] == "status":
                hasil = control_request(root, "GET", "faults")
            elif o["mode"] == "reset":
                hasil = control_request(root, "POST", "reset")
            else:
                hasil = control_request(root, "POST", "faults", {
                    "mode": o["mode"], "delay_ms": o["delay_ms"], "status": o["status"],
                    "path_contains": o["path_contains"], "method": o["method"],
                    "remaining": o["remaining"], "apply": o["apply"],
                })  # fmt: skip
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(hasil))
