"""`{% load downtime %}{% banner_downtime %}`: the downtime banner for any page (the loket page
includes it). It polls its own URL, so a declaration reaches every counter within seconds."""

from __future__ import annotations

from datetime import date

from django import template

from puskesmas.access import loket_aktif
from puskesmas.tampilan import tanggal

from .. import selectors

register = template.Library()


@register.inclusion_tag("downtime/_banner.html", takes_context=True)
def banner_downtime(context) -> dict:
    request = context.get("request")
    petugas = getattr(request, "petugas", None) or context.get("petugas")
    if request is None or petugas is None:
        return {"downtime": None, "tanpa_polling": True}
    loket = loket_aktif(request, petugas)
    return {"downtime": selectors.downtime_aktif(puskesmas=petugas.puskesmas, loket=loket)}


@register.filter
def menit(td) -> str:
    """A duration as the SOP log writes it: '95 menit'; empty stays empty."""
    if td is None or td == "":
        return ""
    return f"{int(td.total_seconds() // 60)} menit"


@register.filter
def tanggal_iso(teks: str | None) -> str:
    """An ISO date from an offline payload ("1985-08-17") written as on a KTP: 17-08-1985."""
    try:
        return tanggal(date.fromisoformat(str(teks)))
    except ValueError:
        return teks or ""
