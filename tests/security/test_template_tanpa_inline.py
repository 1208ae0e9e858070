"""No inline script anywhere in our templates, so the CSP (script-src 'self') can stay strict.

This fails on purpose when someone adds `<script>…</script>` without src, an `onclick=`-style
handler, `hx-on`, a `javascript:` URL or an inline style: put the code in static/js/ (or the
style in static/css/) instead. See CONTRIBUTING ("no inline <script>").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Our own template folders: the top-level templates/ and any app's templates/ (not .venv).
FOLDERS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
ATURAN = [
    (re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE), "atribut handler {0}="),
    (re.compile(r"\shx-on(?::|-)[\w:.-]*\s*=|\shx-on\s*=", re.IGNORECASE), "hx-on (butuh eval)"),
    (
        re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE),
        "URL javascript:",
    ),
    (re.compile(r"""\shx-(?:vals|vars)\s*=\s*["']\s*js:""", re.IGNORECASE), "hx-vals js: (eval)"),
    (re.compile(r"<style\b", re.IGNORECASE), "blok <style> (CSS ke static/css/)"),
    (re.compile(r"\sstyle\s*=\s*[\"']", re.IGNORECASE), "atribut style= (CSS ke static/css/)"),
]


def _template() -> list[Path]:
    files: list[Path] = []
    for folder in FOLDERS:
        if ".venv" in folder.parts:
            continue
        files += sorted(p for p in folder.rglob("*") if p.suffix in (".html", ".txt", ".svg"))
    return files


KOMENTAR = re.compile(
    r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|<!--.*?-->", re.DOTALL
)


def _temuan(teks: str) -> list[str]:
    teks = KOMENTAR.sub("", teks)  # comments are never rendered
    temuan = []
    for m in SCRIPT_TAG.finditer(teks):
        attrs = m.group(1)
        if re.search(r"\bsrc\s*=", attrs, re.IGNORECASE):
            continue
        # Data blocks are not executed: <script type="application/json"> is fine.
        if re.search(r"""type\s*=\s*["']application/(?:ld\+)?json["']""", attrs, re.IGNORECASE):
            continue
        temuan.append("<script> tanpa src")
    for pola, pesan in ATURAN:
        for m in pola.finditer(teks):
            temuan.append(pesan.format(*m.groups()))
    return temuan


def test_there_are_templates_to_check():
    assert len(_template()) >= 5


@pytest.mark.parametrize("path", _template(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_inline_script_handler_or_style(path):
    temuan = _temuan(path.read_text(encoding="utf-8"))
    assert not temuan, f"{path.relative_to(ROOT)}: {sorted(set(temuan))} — dilarang oleh CSP"


@pytest.mark.parametrize(
    "contoh",
    [
        "<script>alert(1)</script>",
        '<button onclick="x()">',
        '<div hx-on:click="x()">',
        '<div hx-on::after-request="x()">',
        '<a href="javascript:void(0)">',
        '<p style="color:red">',
        "<style>p{}</style>",
    ],
)
def test_the_scanner_catches_each_kind_of_inline_code(contoh):
    assert _temuan(contoh)


@pytest.mark.parametrize(
    "contoh",
    [
        '<script src="/static/js/app.js" defer></script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<input name="online" data-on="x">',
        '<a href="/loket/">Loket</a>',
        "{# no injected <style>, no onclick= #}",
    ],
)
def test_the_scanner_lets_external_scripts_and_data_through(contoh):
    assert not _temuan(contoh)
