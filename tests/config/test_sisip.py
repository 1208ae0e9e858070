"""config.sisip: a row inserted by the lean path is the row save() would have written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.signals import pre_save

from audit.models import AuditLog
from config.sisip import _rencana_satu, sisip
from pendaftaran.models import Kunjungan
from tests.factories import PasienFactory

pytestmark = pytest.mark.django_db


def _kunjungan(puskesmas, pasien, unit, **kw) -> Kunjungan:
    return Kunjungan(
        client_uuid=uuid.uuid4(), puskesmas=puskesmas, pasien=pasien, unit=unit,
        klaster_id=unit.klaster_id, tanggal=date(2026, 3, 2), penjamin="umum", keluhan="Batuk",
        dibuat_klien=datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC), **kw,
    )  # fmt: skip


def _isi(k: Kunjungan) -> dict:
    """Every column as read back, but those that differ by design."""
    baca = Kunjungan.objects.get(pk=k.pk)
    lain = {"id", "client_uuid", "pasien_id", "diterima_server"}
    return {
        f.attname: getattr(baca, f.attname)
        for f in Kunjungan._meta.concrete_fields
        if f.attname not in lain
    }


def test_a_row_inserted_by_sisip_reads_back_as_one_saved_by_save(
    puskesmas, unit, django_assert_num_queries
):
    a = _kunjungan(puskesmas, PasienFactory(puskesmas=puskesmas), unit)
    with django_assert_num_queries(1):  # seen by query logging like any ORM statement
        sisip(a)
    b = _kunjungan(puskesmas, PasienFactory(puskesmas=puskesmas), unit)
    b.save(force_insert=True)
    assert a.pk and not a._state.adding and a._state.db == "default"
    assert _isi(a) == _isi(b)
    terbaca = Kunjungan.objects.get(pk=a.pk)
    assert terbaca.client_uuid == a.client_uuid
    assert terbaca.diterima_server == a.diterima_server  # auto_now_add, set on the instance too


def test_a_model_with_a_save_receiver_goes_through_save(puskesmas, unit):
    dipanggil = []

    def penerima(sender, instance, **kwargs):
        dipanggil.append(instance)

    pre_save.connect(penerima, sender=Kunjungan, dispatch_uid="uji-sisip")
    try:
        k = _kunjungan(puskesmas, PasienFactory(puskesmas=puskesmas), unit)
        sisip(k)
    finally:
        pre_save.disconnect(dispatch_uid="uji-sisip", sender=Kunjungan)
    assert dipanggil == [k] and Kunjungan.objects.filter(pk=k.pk).exists()


def test_a_model_with_its_own_save_goes_through_it_unless_it_says_otherwise(
    puskesmas, unit, monkeypatch
):
    dipanggil = []

    def simpan(self, *args, **kwargs):
        dipanggil.append(self)
        return Model.save(self, *args, **kwargs)

    monkeypatch.setattr(Kunjungan, "save", simpan)
    _rencana_satu.cache_clear()
    try:
        k = _kunjungan(puskesmas, PasienFactory(puskesmas=puskesmas), unit)
        sisip(k)
    finally:
        _rencana_satu.cache_clear()
    assert dipanggil == [k] and Kunjungan.objects.filter(pk=k.pk).exists()
    # AuditLog's save() only refuses updates and says so: the audit row takes the lean path.
    assert _rencana_satu(AuditLog, connection.vendor) is not None
