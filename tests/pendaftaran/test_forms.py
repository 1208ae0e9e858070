"""Loket forms: parsing what the officer typed, and showing every rule's message at once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.http import QueryDict

from pendaftaran.forms import (
    FormBatal,
    FormKunjungan,
    FormPasien,
    FormPilihLoket,
    data_kunjungan_longgar,
)
from tests.factories import LoketFactory, UnitFactory, buat_nik


def test_patient_form_reports_every_problem_in_one_go():
    form = FormPasien(
        {"nama": "", "nik": "99", "tanggal_lahir": "", "jenis_kelamin": "", "no_bpjs": "1"}
    )
    assert not form.is_valid()
    assert form.errors["nama"] == ["Nama wajib diisi."]
    assert form.errors["tanggal_lahir"] == ["Tanggal lahir wajib diisi."]
    assert form.errors["jenis_kelamin"] == ["Jenis kelamin wajib dipilih: L atau P."]
    assert "nik" in form.errors and "no_bpjs" in form.errors


def test_an_unparseable_date_gets_one_message_not_two():
    form = FormPasien({"nama": "Ani", "tanggal_lahir": "32-13-2000", "jenis_kelamin": "P"})
    assert not form.is_valid()
    assert form.errors["tanggal_lahir"] == ["Tanggal lahir tidak valid; tulis mis. 17-08-1985."]


@pytest.mark.parametrize("teks", ["1985-08-17", "17-08-1985", "17/08/1985", "17.08.1985"])
def test_birth_dates_are_read_in_the_formats_officers_type(teks):
    lahir = date(1985, 8, 17)
    form = FormPasien(
        {
            "nama": "Budi",
            "tanggal_lahir": teks,
            "jenis_kelamin": "L",
            "nik": buat_nik(lahir, "L", serial=5),
        }
    )
    assert form.is_valid(), form.errors
    assert form.data_pasien().tanggal_lahir == lahir


def test_patient_form_hands_tidied_data_to_the_service():
    lahir = date(1985, 8, 17)
    nik = buat_nik(lahir, "L", serial=5)
    spasi = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
    form = FormPasien(
        {
            "nama": "  Budi   Santoso ",
            "tanggal_lahir": "1985-08-17",
            "jenis_kelamin": "L",
            "nik": spasi,
        }
    )
    assert form.is_valid(), form.errors
    data = form.data_pasien().rapikan()
    assert data.nik == nik and data.nama == "Budi Santoso"


def test_patient_form_focuses_the_field_asked_for():
    assert FormPasien().fields["nama"].widget.attrs.get("autofocus")
    form = FormPasien(fokus="no_bpjs")
    assert form.fields["no_bpjs"].widget.attrs.get("autofocus")
    assert not form.fields["nama"].widget.attrs.get("autofocus")
    assert FormPasien().fields["nama"].widget.attrs.get("autofocus")  # instances do not share


@pytest.mark.django_db
def test_each_visit_form_gets_its_own_client_uuid_and_keeps_a_posted_one(puskesmas):
    a = FormKunjungan(puskesmas=puskesmas)
    b = FormKunjungan(puskesmas=puskesmas)
    assert a["client_uuid"].value() != b["client_uuid"].value()
    posted = str(uuid.uuid4())
    c = FormKunjungan({"client_uuid": posted}, puskesmas=puskesmas)
    assert c["client_uuid"].value() == posted


@pytest.mark.django_db
def test_visit_form_offers_only_active_units_of_the_puskesmas(puskesmas, puskesmas_lain):
    asing = UnitFactory(puskesmas=puskesmas_lain)
    nonaktif = puskesmas.unit_layanan.get(kode="FARMASI")
    nonaktif.aktif = False
    nonaktif.save()
    units = set(FormKunjungan(puskesmas=puskesmas).fields["unit"].queryset)
    assert asing not in units and nonaktif not in units
    assert puskesmas.unit_layanan.get(kode="UMUM") in units


@pytest.mark.django_db
def test_visit_form_messages_name_the_field(puskesmas):
    form = FormKunjungan({"client_uuid": "bukan-uuid"}, puskesmas=puskesmas)
    assert not form.is_valid()
    assert form.errors["penjamin"] == ["Penjamin wajib dipilih: BPJS atau umum."]
    assert form.errors["unit"] == ["Unit tujuan wajib dipilih."]
    assert form.errors["client_uuid"] == ["Formulir tidak lengkap; muat ulang halaman."]


def test_half_filled_visit_data_ignores_unknown_services():
    data = data_kunjungan_longgar(QueryDict("hamil=on&layanan_diminta=bedah"))
    assert data.hamil is True and data.layanan_diminta == ""
    assert data_kunjungan_longgar(QueryDict("layanan_diminta=gigi")).layanan_diminta == "gigi"


def test_cancel_needs_a_reason():
    form = FormBatal({"alasan": "   "})
    assert not form.is_valid()
    assert form.errors["alasan"] == ["Alasan pembatalan wajib diisi."]


@pytest.mark.django_db
def test_loket_choice_is_limited_to_the_puskesmas(puskesmas, puskesmas_lain):
    asing = LoketFactory(puskesmas=puskesmas_lain)
    form = FormPilihLoket({"loket": asing.pk}, puskesmas=puskesmas)
    assert not form.is_valid()
    assert form.errors["loket"] == ["Loket tidak tersedia; pilih loket lain."]


@pytest.mark.parametrize("ketikan", ["17-08-1985", "17081985", "17/08/1985", "1985-08-17"])
def test_the_birth_date_is_read_in_the_ktp_order_and_iso_still_works(ketikan):
    form = FormPasien({"nama": "Siti", "tanggal_lahir": ketikan, "jenis_kelamin": "P"})
    form.is_valid()
    assert form.cleaned_data["tanggal_lahir"] == date(1985, 8, 17)


@pytest.mark.parametrize("ketikan", ["08-17-1985", "1781985", "31-02-1985"])
def test_a_birth_date_in_the_us_order_or_too_short_is_refused_naming_the_field(ketikan):
    form = FormPasien({"nama": "Siti", "tanggal_lahir": ketikan, "jenis_kelamin": "P"})
    form.is_valid()
    assert form.errors["tanggal_lahir"] == ["Tanggal lahir tidak valid; tulis mis. 17-08-1985."]
