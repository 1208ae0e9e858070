"""Template helpers of the BPJS bridge pages."""

from __future__ import annotations

from django import template

from bpjs_bridge.selectors import label_kode as _label_kode

register = template.Library()


@register.filter
def label_kode(kode: str) -> str:
    """The worklist's error code in Indonesian (never the raw "fktp_lain")."""
    return _label_kode(kode)


@register.simple_tag
def kepesertaan_terakhir(pasien) -> str:
    """ "Aktif per 12/11/2026, belum terverifikasi hari ini" for the panel's first render, so
    the last known status shows even when the live answer never arrives (server offline)."""
    from bpjs_bridge.selectors import status_peserta_pasien, teks_cache

    status = status_peserta_pasien(pasien=pasien)
    return teks_cache(status) if status is not None else "Belum pernah diverifikasi"
