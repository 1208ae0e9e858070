"""`{% load poli %}`: the poli page's waiting list, one row per ticket.

The list is the longest part of the page and is redrawn on every queue change by every poli
screen; written as a template loop it was about half of the page's CPU (one variable lookup
chain and filter per cell, bench/district.py --profil). Here each row is one format_html call,
escaped the same way the template escaped it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_BADGE = '<span class="badge{}">{}</span>'

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
    return format_html_join("\n", "{}", ((_baris(t, url_panggil, csrf, waktu),) for t in tiket))


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


def _baris(t, url_panggil: str, csrf: SafeString, waktu: list[float] | None) -> SafeString:
    jkn = t.sumber == "mobile_jkn"
    lencana = []
    if t.prioritas:
        lencana.append(format_html('<br><span class="badge badge--err">Prioritas: {}</span>',
                                   t.alasan_prioritas))  # fmt: skip
    if jkn:
        lencana.append(format_html(_BADGE, "", "Mobile JKN"))
        if not t.hadir_pada:
            lencana.append(format_html(_BADGE, " badge--warn", "belum hadir di loket"))
    if t.luring:
        lencana.append(format_html(_BADGE, "", "Luring"))
    if t.sebelumnya_id:
        lencana.append(format_html(_BADGE, "", "Rujukan internal"))
    if t.urut != t.nomor and not t.luring:
        lencana.append(format_html(_BADGE, " badge--warn", "Antre ulang"))
    cetak = (
        format_html(' <small class="muted" data-kode-cetak>(tiket {})</small>', t.kode_cetak)
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
    return format_html(
        '<tr{}><td class="kode">{}{}</td><td>{} <span class="muted">· {} th</span>{}</td>'
        '<td class="tunggu">{}</td><td><form class="aksi-form" method="post" action="{}" '
        'hx-post="{}" hx-target="#panel" hx-swap="innerHTML">{}<input type="hidden" '
        'name="tiket" value="{}"><button type="submit" class="btn btn--kecil">Panggil</button>'
        "</form></td></tr>",
        mark_safe(' class="baris-prioritas"') if t.prioritas else "",
        # A space before each badge, as the template's line breaks gave: they are inline.
        t.kode, cetak, t.nama, t.umur, mark_safe("".join(" " + x for x in lencana)), tunggu,
        url_panggil, url_panggil, csrf, t.pk,
    )  # fmt: skip
