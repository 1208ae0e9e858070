"""`{% load luring %}`: what the loket page hands to its offline JavaScript.

- `{% data_luring %}`: `<div id="data-luring" hidden data-json="…">` with the loket, the officer,
  the Puskesmas and its units (an attribute, not a JSON `<script>`: the loket pages carry no
  script element without `src`, see tests/pendaftaran/test_views.py);
- `{{ pasien|pasien_luring }}`: one patient as JSON, for a `data-pasien-luring` attribute, so
  patients the officer opens or registers land in the local copy.
"""

from __future__ import annotations

import json

from django import template
from django.utils import timezone
from django.utils.html import format_html

from antrean.selectors import unit_pendaftaran
from puskesmas.access import loket_aktif

from ..views_luring import pasien_json

register = template.Library()


@register.simple_tag(takes_context=True)
def data_luring(context) -> str:
    request = context.get("request")
    petugas = getattr(request, "petugas", None)
    if request is None or petugas is None:
        return ""
    loket = loket_aktif(request, petugas)
    user = request.user
    data = {
        "puskesmas": {"id": petugas.puskesmas_id, "nama": petugas.puskesmas.nama},
        # The Puskesmas' UTC offset today: the page files entries by its day, not the PC's.
        "zona_menit": int(timezone.localtime().utcoffset().total_seconds() // 60),
        "loket": {"id": loket.pk, "kode": loket.kode, "nama": loket.nama} if loket else None,
        "petugas": {
            "username": user.get_username(),
            "nama": user.get_full_name() or user.get_username(),
        },
        "unit": [
            {
                "id": u.pk,
                "kode": u.kode,
                "nama": u.nama,
                "prefix": u.prefix,
                "layanan": u.layanan,
                "klaster": {"nomor": u.klaster.nomor, "nama": u.klaster.nama},
            }
            for u in unit_pendaftaran(puskesmas=petugas.puskesmas)
        ],
    }
    return format_html('<div id="data-luring" hidden data-json="{}"></div>', json.dumps(data))


@register.filter
def pasien_luring(pasien) -> str:
    if pasien is None or not getattr(pasien, "pk", None):
        return ""
    return json.dumps(pasien_json(pasien))
