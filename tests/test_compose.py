"""docker-compose.yml: every outside system the app is pointed at by default is a service of
the stack, listening where the app looks for it (no Docker engine here: the file is read)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

pytestmark = pytest.mark.django_db(False)


def _compose() -> dict:
    return yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


@pytest.mark.parametrize(
    "variabel", ["BPJS_BASE_URL", "BPJS_ANTREAN_BASE_URL", "SATUSEHAT_BASE_URL"]
)
def test_each_simulator_the_app_defaults_to_is_a_service_on_that_port(variabel):
    layanan = _compose()["services"]
    nilai = layanan["web"]["environment"][variabel]
    # "${VAR:-http://host:port/path}": the default is what a stack without .env uses.
    host, port = re.search(r":-https?://([\w-]+):(\d+)", nilai).groups()
    assert host in layanan, f"{variabel} points at {host}, which compose does not run"
    perintah = layanan[host]["command"]
    assert f"--port {port}" in perintah and "--host 0.0.0.0" in perintah
    for nama in ("web", "worker", "beat"):
        assert layanan[nama]["environment"][variabel] == nilai, nama
