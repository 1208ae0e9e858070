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
