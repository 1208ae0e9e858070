"""Template helpers of the BPJS bridge pages."""

from __future__ import annotations

from django import template

from bpjs_bridge.selectors import label_kode as _label_kode

register = template.Library()


@register.filter
def label_kode(kode: str) -> str:
    """The worklist's error code in Indonesian (never the raw "fktp_lain")."""
    return _label_kode(kode)
