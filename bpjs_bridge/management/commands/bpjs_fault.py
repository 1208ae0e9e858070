"""`python manage.py bpjs_fault down|ok|slow|... [--delay-ms 5000] [--failure-rate 0.3]`.

Switches the running simulator's fault injection through `POST /_sim/faults`. The simulator
is found from settings.BPJS_BASE_URL (scheme + host + port), or --url.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bpjs_bridge.simulator.app import FAULT_MODES, FAULT_SCOPES


def simulator_root(base_url: str) -> str:
    """http://host:port/pcare-rest -> http://host:port"""
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def control_request(root: str, method: str, path: str, payload: Any = None) -> Any:
    """Call a /_sim/ endpoint and return its JSON; raises RuntimeError with the reason."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{root}/_sim/{path}", data=data, method=method,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise RuntimeError(f"simulator refused: {exc.code} {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise RuntimeError(f"simulator not reachable at {root}: {exc}") from exc


class Command(BaseCommand):
    help = "Switch fault injection of the running BPJS simulator (or show/reset it)."
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("mode", choices=[*FAULT_MODES, "status", "reset"])
        parser.add_argument("--delay-ms", type=int, default=0)
        parser.add_argument("--failure-rate", type=float, default=1.0)
        parser.add_argument("--scope", choices=FAULT_SCOPES, default="all")
        parser.add_argument("--path-contains", default="")
        parser.add_argument("--status", type=int, default=500, help="error5xx status code")
        parser.add_argument("--remaining", type=int, default=None, help="then back to ok")
        parser.add_argument(
            "--apply", action="store_true", help="let the request take effect, then fail it"
        )
        parser.add_argument("--url", default=None, help="simulator root, e.g. http://host:8090")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            root = options["url"] or simulator_root(str(getattr(settings, "BPJS_BASE_URL", "")))
            mode = options["mode"]
            if mode == "status":
                result = control_request(root, "GET", "faults")
            elif mode == "reset":
                result = control_request(root, "POST", "reset")
            else:
                payload = {
                    "mode": mode,
                    "delay_ms": options["delay_ms"],
                    "failure_rate": options["failure_rate"],
                    "scope": options["scope"],
                    "path_contains": options["path_contains"],
                    "apply": options["apply"],
                    "remaining": options["remaining"],
                    "status": options["status"],
                }
                result = control_request(root, "POST", "faults", payload)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result))
