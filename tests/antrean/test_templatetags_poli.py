"""The poli panel's waiting rows (antrean/templatetags/poli.py) are written with html.escape and
f-strings: they must be the markup the format_html version wrote, for every kind of row."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta

from django.template import Context, Template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from antrean.selectors import BarisAntrean
from antrean.templatetags.poli import PENANDA_TUNGGU, teks_tunggu

_BADGE = '<span class="badge{}">{}</span>'


def _baris_format_html(t, url_panggil, csrf, waktu):
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
        t.kode, cetak, t.nama, t.umur, mark_safe("".join(" " + x for x in lencana)), tunggu,
        url_panggil, url_panggil, csrf, t.pk,
    )  # fmt: skip


def _rujukan(tiket, url, csrf_token, waktu):
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    return format_html_join("\n", "{}", ((_baris_format_html(t, url, csrf, waktu),) for t in tiket))


def _tiket() -> list[BarisAntrean]:
    masuk = datetime(2026, 12, 1, 7, 30)
    dasar = BarisAntrean(
        pk=1, kunjungan_id=1, sebelumnya_id=None, ditangani_oleh_id=None, kode="A-001", nomor=1,
        status="menunggu", prioritas=False, alasan_prioritas="", waktu_masuk=masuk, urut=1,
        luring=False, kode_cetak="", hadir_pada=masuk, dipanggil_terakhir=None,
        mulai_dilayani=None, penjamin_teks="Umum", keluhan="", sumber="loket",
        nama="Siti <b>Aminah</b> & 'Nur' \"X\"", no_rm="000001", jenis_kelamin_teks="P", umur=45,
        menit_tunggu=12.5,
    )  # fmt: skip
    ragam = itertools.product(
        (False, True),  # prioritas
        ("loket", "mobile_jkn"),
        (None, masuk),  # hadir_pada
        (False, True),  # luring
        (None, 7),  # sebelumnya_id
        (1, 3),  # urut (antre ulang when it differs from nomor)
        ("", "L-0<3>"),  # kode_cetak
    )
    return [
        dataclasses.replace(
            dasar,
            pk=i + 1,
            prioritas=pr,
            alasan_prioritas="Lansia <70>" if pr else "",
            sumber=sumber,
            hadir_pada=hadir,
            luring=luring,
            sebelumnya_id=seb,
            urut=urut,
            kode_cetak=cetak,
            waktu_masuk=masuk + timedelta(minutes=i),
            menit_tunggu=i * 0.5,
        )
        for i, (pr, sumber, hadir, luring, seb, urut, cetak) in enumerate(ragam)
    ]


def test_every_kind_of_waiting_row_is_the_markup_format_html_wrote():
    tiket = _tiket()
    t = Template("{% load poli %}{% baris_menunggu tiket url %}")
    url = "/antrean/poli/3/aksi/panggil/?a=1&b=2"
    for waktu in (None, []):
        ctx = {"tiket": tiket, "url": url, "csrf_token": "tok<en>&"}
        if waktu is not None:
            ctx["waktu_tunggu"] = waktu
        baru = t.render(Context(ctx))
        harap_waktu = None if waktu is None else []
        assert baru == _rujukan(tiket, url, "tok<en>&", harap_waktu)
        if waktu is not None:
            assert waktu == harap_waktu and len(waktu) > 0  # the same starts, in order
    assert len(tiket) == 128 and "&lt;b&gt;Aminah" in baru and "<b>Aminah" not in baru
