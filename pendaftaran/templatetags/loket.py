"""Small display filters for the loket pages: how an officer reads a patient at a glance."""

from __future__ import annotations

import html
from datetime import date

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from antrean.routing import umur_tahun

register = template.Library()


@register.filter
def umur(tanggal_lahir: date | None) -> str:
    """ "45 th", "7 bln" or "12 hr": babies are told apart by months and days, not "0 th"."""
    return _umur_pada(tanggal_lahir, timezone.localdate()) if tanggal_lahir else ""


@register.filter
def nik_samar(nik: str | None) -> str:
    """Region and serial stay readable (enough to recognise the right card), the birth-date
    middle is hidden from the people queueing behind the patient."""
    if not nik:
        return ""
    if len(nik) != 16:
        return "•" * max(len(nik) - 4, 0) + nik[-4:]
    return f"{nik[:4]} •••• •••• {nik[-4:]}"


@register.filter
def dikelompokkan(nomor: str | None, ukuran: int = 4) -> str:
    """A long number in groups of four, the way it is printed on a KTP or BPJS card."""
    if not nomor:
        return ""
    return " ".join(nomor[i : i + ukuran] for i in range(0, len(nomor), ukuran))


# The search list draws these for 20 patients on every keystroke: Django's `date` and
# `truncatechars` filters (format parsing, locale look-ups, Truncator) cost more than the row's
# other 15 values together. Same output for what the loket shows: dd-mm-yyyy, plain text.
@register.filter
def tgl(tanggal: date | None) -> str:
    """dd-mm-yyyy, as `date:"d-m-Y"`."""
    if not tanggal:
        return ""
    return f"{tanggal.day:02d}-{tanggal.month:02d}-{tanggal.year:04d}"


@register.filter
def potong(teks: str | None, panjang: int) -> str:
    """At most `panjang` characters, the last one "…" when cut, as `truncatechars`."""
    teks = teks or ""
    return teks if len(teks) <= panjang else teks[: panjang - 1] + "…"


def _umur_pada(tanggal_lahir: date | None, hari_ini: date) -> str:
    if not tanggal_lahir:
        return ""
    tahun = umur_tahun(tanggal_lahir, hari_ini)
    if tahun >= 1:
        return f"{tahun} th"
    bulan = (hari_ini.year - tanggal_lahir.year) * 12 + hari_ini.month - tanggal_lahir.month
    if hari_ini.day < tanggal_lahir.day:
        bulan -= 1
    if bulan >= 1:
        return f"{bulan} bln"
    return f"{(hari_ini - tanggal_lahir).days} hr"


_ID_CONTOH = 987_654_321  # a pk stand-in: the row's URL is reversed once per list, not per row


@register.simple_tag
def baris_hasil_cari(hasil: list, q_angka: str = "") -> str:
    """The search list's rows (<li>), written here rather than by a {% for %} over the row's
    ~20 variable and filter nodes: a search as you type is the loket's most frequent request,
    and the loop was most of its rendering (issue 15). Every value from the database is
    escaped as Django's `escape` does (html.escape), the URL is reversed once per list, and the
    markup is the one templates/pendaftaran/loket.html had (tests/pendaftaran/
    test_templatetags.py compares it with a format_html rendering)."""
    if not hasil:
        return mark_safe("")
    contoh = reverse("pendaftaran:pasien", args=[_ID_CONTOH])
    awal, _, akhir = contoh.partition(str(_ID_CONTOH))
    hari_ini = timezone.localdate()
    e = html.escape
    baris = []
    for p in hasil:
        url = e(f"{awal}{p.pk}{akhir}")
        lencana = ('<span class="badge badge--ok">BPJS</span>' if p.no_bpjs else "") + (
            '<span class="badge badge--warn">tanpa NIK</span>' if not p.nik else ""
        )
        nik = f"NIK {e(nik_samar(p.nik))}" if p.nik else "NIK —"
        bayi = " · <b>bayi dari NIK ibu ini</b>" if p.nik_ibu and p.nik_ibu == q_angka else ""
        alamat = f" · {e(potong(p.alamat, 40))}" if p.alamat else ""
        baris.append(
            '<li role="presentation">\n'
            f'<a role="option" id="hasil-{p.pk}" class="hasil__item" aria-selected="false"'
            f' href="{url}" hx-get="{url}" hx-target="#panel" hx-push-url="true">\n'
            f'<span class="hasil__baris">\n<span class="hasil__nama">{e(str(p.nama))}</span>\n'
            f"{lencana}\n</span>\n"
            f'<span class="hasil__meta">RM <b>{e(str(p.no_rm))}</b> · {tgl(p.tanggal_lahir)} '
            f"({_umur_pada(p.tanggal_lahir, hari_ini)}) · {e(str(p.jenis_kelamin))}</span>\n"
            f'<span class="hasil__meta">{nik}{bayi}{alamat}</span>\n</a>\n</li>'
        )
    return mark_safe("\n".join(baris))
