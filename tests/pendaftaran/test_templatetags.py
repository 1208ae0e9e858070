"""The loket's cheap display filters give what Django's own filters gave."""

from __future__ import annotations

from datetime import date

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars

from pendaftaran.templatetags.loket import potong, tgl


def test_tgl_writes_a_date_as_the_date_filter_does():
    for d in (date(1980, 1, 2), date(2026, 12, 31), date(1905, 10, 9)):
        assert tgl(d) == date_filter(d, "d-m-Y")
    assert tgl(None) == ""


def test_potong_cuts_plain_text_as_truncatechars_does():
    for teks in (
        "",
        "Jl. Melati",
        "x" * 39,
        "x" * 40,
        "x" * 41,
        "Jl. Raya Sukamaju No. 1, Kab. Bandung, Jawa Barat",
    ):
        assert potong(teks, 40) == truncatechars(teks, 40)
    assert potong(None, 40) == ""


@pytest.mark.django_db
def test_the_search_rows_show_the_patient_escaped_with_its_badges(puskesmas):
    from django.template import Context, Template

    from tests.factories import PasienFactory

    p = PasienFactory(puskesmas=puskesmas, nama="Siti <b>Aminah</b>", nik="3201014508850001",
                      no_bpjs="0001234500001", alamat='Jl. "Mawar" & Melati no. 12, RT 3 RW 4 Desa',
                      nik_ibu="3201014508850002")  # fmt: skip
    t = Template("{% load loket %}{% baris_hasil_cari hasil q_angka %}")
    html = t.render(Context({"hasil": [p], "q_angka": "3201014508850002"}))
    assert f'id="hasil-{p.pk}"' in html and f'href="/loket/pasien/{p.pk}/"' in html
    assert "Siti &lt;b&gt;Aminah&lt;/b&gt;" in html and "<b>Aminah</b>" not in html
    assert '<span class="badge badge--ok">BPJS</span>' in html and "tanpa NIK" not in html
    assert "NIK 3201 •••• •••• 0001" in html and "bayi dari NIK ibu ini" in html
    assert "Jl. &quot;Mawar&quot; &amp; Melati no. 12, RT 3 RW 4 …" in html
    assert f"RM <b>{p.no_rm}</b>" in html


def _baris_format_html(hasil: list, q_angka: str = "") -> str:
    """The rows as the tag wrote them with format_html and a reverse() per row: the reference
    for the hand-escaped version."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    from pendaftaran.templatetags.loket import nik_samar, potong, tgl, umur

    baris = []
    for p in hasil:
        url = reverse("pendaftaran:pasien", args=[p.pk])
        lencana = mark_safe(
            ('<span class="badge badge--ok">BPJS</span>' if p.no_bpjs else "")
            + ('<span class="badge badge--warn">tanpa NIK</span>' if not p.nik else "")
        )
        nik = format_html("NIK {}", nik_samar(p.nik)) if p.nik else "NIK —"
        bayi = (
            mark_safe(" · <b>bayi dari NIK ibu ini</b>")
            if p.nik_ibu and p.nik_ibu == q_angka
            else ""
        )
        alamat = format_html(" · {}", potong(p.alamat, 40)) if p.alamat else ""
        baris.append(format_html(
            '<li role="presentation">\n'
            '<a role="option" id="hasil-{}" class="hasil__item" aria-selected="false"'
            ' href="{}" hx-get="{}" hx-target="#panel" hx-push-url="true">\n'
            '<span class="hasil__baris">\n<span class="hasil__nama">{}</span>\n{}\n</span>\n'
            '<span class="hasil__meta">RM <b>{}</b> · {} ({}) · {}</span>\n'
            '<span class="hasil__meta">{}{}{}</span>\n</a>\n</li>',
            p.pk, url, url, p.nama, lencana, p.no_rm, tgl(p.tanggal_lahir),
            umur(p.tanggal_lahir), p.jenis_kelamin, nik, bayi, alamat,
        ))  # fmt: skip
    return "\n".join(baris)


@pytest.mark.django_db
def test_the_search_rows_are_the_markup_format_html_wrote(puskesmas):
    """Every kind of row (BPJS or not, no NIK, a baby found by the mother's NIK, markup and
    quotes in every text, a long address, ages in years, months and days) is written exactly as
    the format_html version wrote it."""
    from datetime import timedelta

    from django.template import Context, Template
    from django.utils import timezone

    from tests.factories import PasienFactory

    hari_ini = timezone.localdate()
    ibu = "3201014508850002"
    hasil = [
        PasienFactory(puskesmas=puskesmas, nama="Siti <b>Aminah</b> & 'Nur'",
                      nik="3201014508850001", no_bpjs="0001234500001", nik_ibu=ibu,
                      alamat='Jl. "Mawar" & <Melati> no. 12, RT 3 RW 4 Desa'),
        PasienFactory(puskesmas=puskesmas, nama="Bayi Ny. Siti", nik=None, no_bpjs=None, alamat="",
                      nik_ibu=ibu, tanggal_lahir=hari_ini - timedelta(days=9)),
        PasienFactory(puskesmas=puskesmas, nama="Rafa", nik="32010145088", no_bpjs=None,
                      alamat="Dsn. Krajan", tanggal_lahir=hari_ini - timedelta(days=75),
                      jenis_kelamin="P"),
    ]  # fmt: skip
    t = Template("{% load loket %}{% baris_hasil_cari hasil q_angka %}")
    for q in (ibu, "", "3201014508850001"):
        assert t.render(Context({"hasil": hasil, "q_angka": q})) == _baris_format_html(hasil, q)
    assert t.render(Context({"hasil": [], "q_angka": ""})) == ""
