"""QR codes for printed tickets, drawn on our own server (segno, pure Python): a Puskesmas with
a shaky connection must still print a ticket, and the patient's status URL is not something to
send to a third-party QR service."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def svg_qr(data: str, *, judul: str = "") -> SafeString:
    """Inline SVG (no XML prologue, no fixed size: print.css sizes it in millimetres).

    Error correction M is enough for a thermal print; segno raises it for free when the
    symbol has room. A 2-module quiet zone is what thermal tickets get away with — the ticket
    margin adds the rest."""
    qr = segno.make(data, error="m")
    svg = qr.svg_inline(
        scale=4, border=2, omitsize=True, title=judul or None, svgclass="qr", lineclass="qr__line"
    )
    # segno escapes the title and only emits attributes, no inline styles (CSP-safe).
    return mark_safe(svg)
