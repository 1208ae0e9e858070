"""Runs the offline JavaScript's unit tests (tests/js, `node --test`) from pytest, so a plain
`pytest` run covers them too. Skipped where node is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("node") is None, reason="node tidak terpasang")
def test_offline_js_unit_tests_pass_under_node():
    hasil = subprocess.run(
        ["node", "--test", "tests/js"],
        cwd=RAIZ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert hasil.returncode == 0, hasil.stdout[-4000:] + hasil.stderr[-2000:]
    assert "# fail 0" in hasil.stdout
