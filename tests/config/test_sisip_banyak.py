"""config/sisip.py writes exactly the row bulk_create writes, for every field kind it takes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditLog
from config.sisip import sisip_banyak
from downtime.models import EntriReplay, StatusEntri
from pendaftaran.models import Pasien
from tests.factories import PasienFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "pasien": {"nama": 'Ayu "Kutip" \\ Miring', "umur": 3, "ok": True, "x": None},
    "daftar": [1, "dua", {"tiga": [3.5]}],
    "teks": "baris\nbaru, {kurung} NULL ' petik",
}


def _entri(puskesmas, petugas, pasien, **lain) -> EntriReplay:
    return EntriReplay(
        client_uuid=uuid.uuid4(),
        puskesmas=puskesmas,
        loket=petugas.loket,
        dikirim_oleh=petugas.user,
        sumber="offline",
        dibuat_klien=timezone.make_aware(datetime(2026, 3, 4, 7, 8, 9, 123456)),
        pasien_uuid=uuid.uuid4(),
        payload=PAYLOAD,
        payload_asli=None,
        status=StatusEntri.DITINJAU,
        status_awal=StatusEntri.DITINJAU,
        pesan="Dewi · RM 000123",
        galat={"nik": ["NIK harus 16 angka."]},
        kandidat=[3, 4],
        pasien=pasien,
        nomor_diminta=7,
        selisih_jam_ms=-(10**11),
        **lain,
    )


def _baris(obj) -> dict:
    d = type(obj).objects.filter(pk=obj.pk).values().get()
    for k in ("id", "client_uuid", "pasien_uuid", "diterima_pada"):
        d.pop(k, None)
    return d


def test_the_rows_equal_bulk_create_rows_field_by_field(puskesmas, petugas_loket):
    pasien = PasienFactory(puskesmas=puskesmas)
    a = _entri(puskesmas, petugas_loket, pasien)
    b = _entri(puskesmas, petugas_loket, pasien)
    EntriReplay.objects.bulk_create([a])
    sebelum = timezone.now()
    assert sisip_banyak([b]) == [b]
    assert b.pk and b.pk != a.pk and not b._state.adding
    assert _baris(a) == _baris(b)
    simpan = EntriReplay.objects.get(pk=b.pk)
    assert simpan.payload == PAYLOAD and simpan.payload_asli is None
    assert simpan.diterima_pada >= sebelum  # auto_now_add stamped as pre_save does
    assert simpan.client_uuid == b.client_uuid


def test_foreign_keys_come_from_related_objects_saved_after_assignment(puskesmas, petugas_loket):
    baru = [
        Pasien(
            puskesmas=puskesmas, nama=f"Baru {n}", no_rm=f"9{n:05d}", tanggal_lahir=date(2000, 1, 1)
        )
        for n in range(3)
    ]
    entri = [_entri(puskesmas, petugas_loket, p) for p in baru]  # assigned while unsaved
    with pytest.raises(ValueError):
        sisip_banyak(entri)
    sisip_banyak(baru)
    sisip_banyak(entri)
    assert [e.pasien_id for e in EntriReplay.objects.order_by("pk")] == [p.pk for p in baru]
    assert list(Pasien.objects.filter(nama__startswith="Baru").order_by("pk")) == baru


def test_blank_and_ipv6_addresses_are_stored_as_django_stores_them(puskesmas):
    rows = [
        AuditLog(aksi="kunjungan_buat", puskesmas_id=puskesmas.pk, ip=ip, ringkasan=str(n))
        for n, ip in enumerate(["", None, "10.0.0.1", "2001:0db8:0000:0000:0000:0000:0000:0001"])
    ]
    sisip_banyak(rows)
    simpan = dict(AuditLog.objects.values_list("ringkasan", "ip"))
    assert simpan == {"0": None, "1": None, "2": "10.0.0.1", "3": "2001:db8::1"}


def test_one_statement_for_a_hundred_rows(puskesmas, django_assert_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere bulk_create splits by the parameter limit")
    rows = [AuditLog(aksi="kunjungan_buat", puskesmas_id=puskesmas.pk) for _ in range(100)]
    with django_assert_num_queries(1):
        sisip_banyak(rows)
    assert len({r.pk for r in rows}) == 100


def test_an_sql_expression_goes_through_bulk_create(puskesmas):
    from django.db.models.functions import Now

    rows = [AuditLog(aksi="kunjungan_buat", puskesmas_id=puskesmas.pk, waktu=Now())]
    sisip_banyak(rows)
    assert AuditLog.objects.get(pk=rows[0].pk).waktu is not None


def _sama_seperti_django(model, **nilai):
    from config.sisip import buat

    a, b = model(**nilai), buat(model, **nilai)
    assert type(b) is model
    assert {k: v for k, v in b.__dict__.items() if k != "_state"} == {
        k: v for k, v in a.__dict__.items() if k != "_state"
    }
    assert b._state.fields_cache == a._state.fields_cache
    assert (b._state.db, b._state.adding) == (a._state.db, a._state.adding)
    return b


def test_buat_builds_the_instance_django_builds(puskesmas, petugas_loket):
    from antrean.models import Tiket, TiketRiwayat
    from pendaftaran.models import Kunjungan

    pasien = PasienFactory(puskesmas=puskesmas)
    unit = puskesmas.unit_layanan.first()
    e = _sama_seperti_django(
        EntriReplay,
        client_uuid=uuid.uuid4(),
        puskesmas=puskesmas,
        loket=None,
        petugas=petugas_loket.user,
        dikirim_oleh_id=petugas_loket.user.pk,
        payload=PAYLOAD,
        status=StatusEntri.DIBUAT,
    )
    assert e.galat == {} and e.kandidat == [] and e.galat is not EntriReplay().galat
    k = _sama_seperti_django(
        Kunjungan,
        client_uuid=uuid.uuid4(),
        pasien=pasien,
        unit=unit,
        puskesmas=puskesmas,
        tanggal=date.today(),
    )
    baru = Pasien(puskesmas=puskesmas, nama="Belum Disimpan")
    _sama_seperti_django(
        Kunjungan, client_uuid=uuid.uuid4(), pasien=baru, unit=unit, puskesmas=puskesmas
    )
    t = _sama_seperti_django(
        Tiket, kunjungan=k, unit=unit, nomor=3, dibuat_oleh=None, token_publik="t"
    )
    _sama_seperti_django(TiketRiwayat, tiket=t, aksi="terbit", oleh=petugas_loket.user)
    _sama_seperti_django(
        AuditLog, aksi="kunjungan_buat", puskesmas_id=puskesmas.pk, waktu=timezone.now()
    )


def test_buat_leaves_anything_unusual_to_django(puskesmas):
    from config.sisip import buat

    with pytest.raises(TypeError, match="unexpected keyword"):
        buat(AuditLog, aksi="x", tidak_ada=1)
    with pytest.raises(ValueError, match="must be a"):
        buat(EntriReplay, puskesmas=AuditLog())


def test_buat_calls_a_callable_default_for_each_instance_and_copies_constant_ones(puskesmas):
    from antrean.models import Tiket
    from config.sisip import buat

    a, b = buat(EntriReplay, puskesmas=puskesmas), buat(EntriReplay, puskesmas=puskesmas)
    assert a.galat == b.galat == {} and a.galat is not b.galat
    assert a.kandidat is not b.kandidat and a.nomor_baru is False and a.pesan == ""
    t1, t2 = buat(Tiket, nomor=1), buat(Tiket, nomor=2)
    assert t1.token_publik != t2.token_publik and len(t1.token_publik) == len(t2.token_publik)
    assert buat(Tiket, nomor=1, token_publik="x").token_publik == "x"


def test_buat_given_both_a_related_object_and_its_id_does_what_django_does(puskesmas):
    _sama_seperti_django(EntriReplay, puskesmas=puskesmas, puskesmas_id=puskesmas.pk)


def test_buat_takes_the_fast_way_only_for_plain_models():
    from antrean.models import Tiket
    from config.sisip import _kolom
    from pendaftaran.models import Kunjungan
    from puskesmas.models import Petugas

    for model in (EntriReplay, Kunjungan, Tiket, AuditLog, Pasien):
        assert _kolom(model) is not None, model
    assert _kolom(Petugas) is None  # its user is a one-to-one
