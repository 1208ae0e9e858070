"""`{% load poli %}`: the poli page's waiting list, one row per ticket.

The list is the longest part of the page and is redrawn on every queue change by every poli
screen; written as a template loop it was about half of the page's CPU (one variable lookup
chain and filter per cell, bench/district.py --profil). Here each row is one f-string, every
value escaped as the template escaped it.
"""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


# Where a waiting time goes in a cached panel (antrean/views.py fills it in per request).
PENANDA_TUNGGU = "\x00tunggu\x00"


_SATU = Decimal(1)


def teks_tunggu(menit: float) -> str:
    """The minutes waited as the list shows them, fresh or filled into a cached panel: what
    `floatformat:0` wrote (half up, no grouping), at a tenth of its cost (a panel fills in one
    per waiting patient on every refresh)."""
    return f"{Decimal(repr(max(0.0, menit))).quantize(_SATU, ROUND_HALF_UP)} mnt"


@register.simple_tag(takes_context=True)
def baris_menunggu(context, tiket: list, url_panggil: str) -> SafeString:
    """`waktu_tunggu` in the context (a list): write markers for the waiting times and append
    each ticket's start there instead, so a cached panel shows the minutes of the moment it is
    served. The CSRF token is the context's, as `{% csrf_token %}` reads it."""
    csrf = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context.get("csrf_token")
    )
    waktu = context.get("waktu_tunggu")
    return mark_safe("\n".join(_baris(t, url_panggil, csrf, waktu) for t in tiket))


@register.simple_tag(takes_context=True)
def tombol(
    context, url: str, label: str, k: str = "", utama: bool = False, kecil: bool = False
) -> SafeString:
    """One button of the ticket `t` in the context; its shortcut key `k` only where the context
    says `kunci` (the first patient called). It was an {% include %}: a template render per
    button, a third of a panel's render with three patients called."""
    pintas = bool(context.get("kunci") and k)
    return format_html(
        '<form class="aksi-form" method="post" action="{}" hx-post="{}" hx-target="#panel" '
        'hx-swap="innerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="tiket" value="{}"><button type="submit" class="btn{}{}"{}>'
        "{}{}</button></form>",
        url, url, context.get("csrf_token"), context["t"].pk,
        " btn--primary" if utama else "", " btn--kecil" if kecil else "",
        format_html(' data-kunci="{}"', k) if pintas else "", label,
        format_html(" <kbd>{}</kbd>", k.upper()) if pintas else "",
    )  # fmt: skip


@register.simple_tag
def opsi_unit(units: list) -> SafeString:
    """The referral targets as <option>s (one per unit, for each patient called)."""
    return format_html_join("", '<option value="{}">{}</option>', ((u.pk, u.nama) for u in units))


_E = html.escape  # what Django's escape() does to a value that is not already safe

_BADGE_JKN = '<span class="badge">Mobile JKN</span>'
_BADGE_BELUM_HADIR = '<span class="badge badge--warn">belum hadir di loket</span>'
_BADGE_LURING = '<span class="badge">Luring</span>'
_BADGE_RUJUKAN = '<span class="badge">Rujukan internal</span>'
_BADGE_ANTRE_ULANG = '<span class="badge badge--warn">Antre ulang</span>'


def _baris(t, url_panggil: str, csrf: SafeString, waktu: list[float] | None) -> str:
    """One waiting row. Written with html.escape and one f-string, not format_html: a poli with
    150 patients waiting redraws 150 rows on every change of its queue, and format_html's
    lazy-text checks per value were most of that (tests/antrean/test_panel_poli.py compares the
    markup with the format_html version)."""
    jkn = t.sumber == "mobile_jkn"
    # A space before each badge, as the template's line breaks gave: they are inline.
    lencana = ""
    if t.prioritas:
        lencana += (
            f' <br><span class="badge badge--err">Prioritas: {_E(str(t.alasan_prioritas))}</span>'
        )
    if jkn:
        lencana += " " + _BADGE_JKN
        if not t.hadir_pada:
            lencana += " " + _BADGE_BELUM_HADIR
    if t.luring:
        lencana += " " + _BADGE_LURING
    if t.sebelumnya_id:
        lencana += " " + _BADGE_RUJUKAN
    if t.urut != t.nomor and not t.luring:
        lencana += " " + _BADGE_ANTRE_ULANG
    cetak = (
        f' <small class="muted" data-kode-cetak>(tiket {_E(str(t.kode_cetak))})</small>'
        if t.kode_cetak
        else ""
    )
    if jkn and not t.hadir_pada:
        tunggu = "—"
    elif waktu is None:
        tunggu = teks_tunggu(t.menit_tunggu)
    else:
        tunggu = PENANDA_TUNGGU
        waktu.append(t.waktu_masuk.timestamp())
    url = _E(url_panggil)
    kelas = ' class="baris-prioritas"' if t.prioritas else ""
    return (
        f'<tr{kelas}><td class="kode">{_E(str(t.kode))}{cetak}</td><td>{_E(str(t.nama))} '
        f'<span class="muted">· {_E(str(t.umur))} th</span>{lencana}</td>'
        f'<td class="tunggu">{_E(tunggu)}</td><td><form class="aksi-form" method="post" '
        f'action="{url}" hx-post="{url}" hx-target="#panel" hx-swap="innerHTML">{csrf}'
        f'<input type="hidden" name="tiket" value="{_E(str(t.pk))}"><button type="submit" '
        'class="btn btn--kecil">Panggil</button></form></td></tr>'
    )
