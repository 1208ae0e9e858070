"""Queue reads (antrean/selectors.py): the precompiled hot queries answer exactly what the ORM
query they were compiled from answers, for whichever unit, Puskesmas and day they are given."""

from __future__ import annotations

import uuid
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


def test_a_prepared_query_takes_a_list_of_any_length(daftar, puskesmas, unit, lab):
    """A list argument is part of the SQL (IN with one parameter per item): compiled once per
    length, each call's own items, and an empty list matches nothing without a query."""
    hari = timezone.localdate()
    a, b, c = daftar(), daftar(lab), daftar()
    siap = selectors.KueriSiap(
        lambda *, unit_ids, tanggal: (
            Tiket.objects.filter(unit_id__in=unit_ids, tanggal=tanggal)
            .order_by(*urutan.URUTAN_SQL)
            .values_list("id")
        ),
        "unit_ids",
        "tanggal",
    )
    lain = puskesmas.unit_layanan.exclude(pk__in=[unit.pk, lab.pk]).first()
    for ids in ([unit.pk], [lab.pk], [unit.pk, lab.pk], [lab.pk, lain.pk, unit.pk], [lain.pk]):
        orm = Tiket.objects.filter(unit_id__in=ids, tanggal=hari).order_by(*urutan.URUTAN_SQL)
        assert [r[0] for r in siap(unit_ids=ids, tanggal=hari)] == list(
            orm.values_list("id", flat=True)
        )
    assert {r[0] for r in siap(unit_ids=[unit.pk, lab.pk], tanggal=hari)} == {a.pk, b.pk, c.pk}
    assert siap(unit_ids=[unit.pk], tanggal=hari + timedelta(days=1)) == []
    assert siap(unit_ids=[], tanggal=hari) == []


def test_the_tv_reads_only_its_own_puskesmas(daftar, puskesmas, puskesmas_lain, unit):
    from pendaftaran import services as pendaftaran
    from pendaftaran.services import DataKunjungan
    from tests.factories import PasienFactory, UnitFactory

    t = daftar()
    hari = timezone.localdate()
    # The neighbour's unit has the same code and prefix, and a ticket of the same number today.
    unit_lain = UnitFactory(puskesmas=puskesmas_lain, kode=unit.kode, prefix=unit.prefix)
    hasil = pendaftaran.kunjungan_daftar(
        puskesmas=puskesmas_lain, pasien=PasienFactory(puskesmas=puskesmas_lain), unit=unit_lain,
        data=DataKunjungan(penjamin="umum"), client_uuid=uuid.uuid4(), sumber="loket",
        dibuat_klien=timezone.now(),
    )  # fmt: skip
    t_lain = hasil.kunjungan.tiket.get()
    assert t_lain.kode == t.kode
    layar, _ = selectors.layar_tv(puskesmas=puskesmas, tanggal=hari)
    assert [lu.berikutnya for lu in layar if lu.unit.pk == unit.pk] == [[t.kode]]
    assert unit_lain.pk not in {lu.unit.pk for lu in layar}
    layar, _ = selectors.layar_tv(puskesmas=puskesmas_lain, tanggal=hari)
    assert [(lu.unit.pk, lu.berikutnya) for lu in layar] == [(unit_lain.pk, [t_lain.kode])]
