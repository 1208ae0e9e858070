"""Runs the display's pure JS modules' own tests (node --test) when Node.js is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "static" / "js" / "antrean"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_number_to_indonesian_words_module_passes_its_node_tests():
    berkas = sorted(str(p) for p in JS.glob("*.test.mjs"))
    assert berkas, "no *.test.mjs found"
    hasil = subprocess.run(["node", "--test", *berkas], capture_output=True, text=True, timeout=120)
    assert hasil.returncode == 0, hasil.stdout + hasil.stderr
    assert "# fail 0" in hasil.stdout
