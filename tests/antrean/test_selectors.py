"""Queue reads (antrean/selectors.py): the precompiled hot queries answer exactly what the ORM
query they were compiled from answers, for whichever unit, Puskesmas and day they are given."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from antrean import selectors, services, urutan
from antrean.models import Tiket

pytestmark = pytest.mark.django_db


def test_a_prepared_query_takes_each_calls_unit_and_day(
    daftar, unit, lab, django_assert_num_queries
):
    hari = timezone.localdate()
    a, b, c = daftar(), daftar(), daftar(lab)
    services.panggil_berikutnya(unit=unit)
    kolom = ("id", "status", "waktu_masuk")
    siap = selectors.KueriSiap(
        lambda *, unit_id, tanggal: (
            Tiket.objects.filter(unit_id=unit_id, tanggal=tanggal)
            .order_by(*urutan.URUTAN_SQL)
            .values_list(*kolom)
        ),
        "unit_id",
        "tanggal",
    )
    for u, hari_ke in ((unit, hari), (lab, hari), (unit, hari + timedelta(days=1))):
        orm = Tiket.objects.filter(unit=u, tanggal=hari_ke).order_by(*urutan.URUTAN_SQL)
        with django_assert_num_queries(1):
            hasil = [tuple(b) for b in siap(unit_id=u.pk, tanggal=hari_ke)]
        assert hasil == list(orm.values_list(*kolom))
    assert [b[0] for b in siap(unit_id=unit.pk, tanggal=hari)] == [a.pk, b.pk]
    assert [b[0] for b in siap(unit_id=lab.pk, tanggal=hari)] == [c.pk]
    assert siap(unit_id=unit.pk, tanggal=hari)[0][2].tzinfo is not None  # converted as the ORM


def test_the_tv_reads_only_its_own_puskesmas(daftar, puskesmas, puskesmas_lain, unit):
    t = daftar()
    hari = timezone.localdate()
    assert [b[0] for b in selectors._tiket_layar(puskesmas_id=puskesmas.pk, tanggal=hari)] == [t.pk]
    assert selectors._tiket_layar(puskesmas_id=puskesmas_lain.pk, tanggal=hari) == []
    layar, _ = selectors.layar_tv(puskesmas=puskesmas, tanggal=hari)
    assert [lu.berikutnya for lu in layar if lu.unit.pk == unit.pk] == [[t.kode]]
