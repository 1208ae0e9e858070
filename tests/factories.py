"""factory_boy factories. Patients get structurally valid NIKs that agree with their birth date
and sex, so tests exercise the same rules as the loket."""

from __future__ import annotations

import random
from datetime import date

import factory
from django.contrib.auth import get_user_model

from antrean.models import Klaster, Layanan, UnitLayanan
from pendaftaran.dedupe import nama_kunci, normalisasi_nama
from pendaftaran.models import Pasien
from puskesmas.models import Loket, Peran, Petugas, Puskesmas


def buat_nik(tanggal_lahir: date, jenis_kelamin: str, serial: int | None = None) -> str:
    """A valid NIK from Kab. Bandung (32.04) for the given birth date and sex."""
    hari = tanggal_lahir.day + (40 if jenis_kelamin == "P" else 0)
    serial = serial if serial is not None else random.randint(1, 9999)
    return f"320410{hari:02d}{tanggal_lahir:%m}{tanggal_lahir.year % 100:02d}{serial:04d}"


class PuskesmasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Puskesmas
        django_get_or_create = ("kode_faskes",)

    nama = factory.Sequence(lambda n: f"Puskesmas Uji {n}")
    kode_faskes = factory.Sequence(lambda n: f"0114U{n:03d}")


class LoketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loket

    puskesmas = factory.SubFactory(PuskesmasFactory)
    kode = factory.Sequence(lambda n: f"L{n}")
    nama = factory.LazyAttribute(lambda o: f"Loket {o.kode}")


class KlasterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Klaster
        django_get_or_create = ("puskesmas", "nomor")

    puskesmas = factory.SubFactory(PuskesmasFactory)
    nomor = 3
    nama = factory.LazyAttribute(lambda o: f"Klaster {o.nomor}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitLayanan

    puskesmas = factory.SubFactory(PuskesmasFactory)
    klaster = factory.LazyAttribute(lambda o: KlasterFactory(puskesmas=o.puskesmas))
    kode = factory.Sequence(lambda n: f"U{n}")
    nama = factory.LazyAttribute(lambda o: f"Poli {o.kode}")
    layanan = Layanan.DEWASA
    prefix = factory.Sequence(lambda n: f"X{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # the hook below saves what it changed

    username = factory.Sequence(lambda n: f"petugas{n}")
    first_name = "Petugas"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "rahasia-uji-123")
        if create:
            obj.save(update_fields=["password"])


class PetugasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petugas

    user = factory.SubFactory(UserFactory)
    puskesmas = factory.SubFactory(PuskesmasFactory)
    peran = Peran.LOKET


class PasienFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pasien

    puskesmas = factory.SubFactory(PuskesmasFactory)
    no_rm = factory.Sequence(lambda n: f"{900000 + n:06d}")
    nama = factory.Sequence(lambda n: f"Pasien Uji {chr(65 + n % 26)}{chr(65 + n // 26 % 26)}")
    nama_cari = factory.LazyAttribute(lambda o: normalisasi_nama(o.nama))
    nama_kunci = factory.LazyAttribute(lambda o: nama_kunci(o.nama))
    tanggal_lahir = date(1985, 6, 15)
    jenis_kelamin = "L"
    nik = factory.LazyAttributeSequence(
        lambda o, n: buat_nik(o.tanggal_lahir, o.jenis_kelamin, serial=n % 9999 + 1)
    )
    no_bpjs = factory.Sequence(lambda n: f"{n:013d}")
    alamat = "Jl. Melati No. 3"
