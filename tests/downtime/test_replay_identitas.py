"""Offline entries for returning patients typed as new with a variant of their name: replay
sends them to review pointing at the patient we know (or attaches them when the NIK settles
it) — never a second record. The name rules are pendaftaran/nama.py."""

from __future__ import annotations

from datetime import date

import pytest

from downtime.models import EntriReplay
from pendaftaran.models import Pasien
from tests.factories import PasienFactory, buat_nik

from .conftest import entri, pasien_baru
from .test_replay import _replay


@pytest.mark.parametrize(
    ("terdaftar", "ditulis_luring", "lahir_luring"),
    [
        ("Dewi Kartika Sari", "Dewi Sari", date(1990, 5, 17)),  # middle name dropped
        ("Siti Nuraini", "Siti Nur Aini", date(1990, 5, 17)),  # split
        ("Muhammad Yusuf Hidayat", "M. Yusuf Hidayat", date(1990, 5, 17)),  # initial
        ("I Made Sudarsana", "Kadek Sudarsana", date(1990, 5, 17)),  # Balinese birth order
        ("Soedjatmiko", "Sujatmiko", date(1990, 5, 17)),  # ejaan lama
        ("Liem Swie King", "Lim Swie King", date(1990, 5, 17)),  # Chinese-Indonesian spelling
        ("Siti Nuraini", "Siti Nuraini", date(1990, 7, 5)),  # day and month swapped
    ],
)
def test_a_returning_patient_typed_as_new_offline_goes_to_review_not_a_second_record(
    petugas_loket, pagi, terdaftar, ditulis_luring, lahir_luring
):
    jk = "P" if terdaftar.startswith(("Dewi", "Siti")) else "L"
    ada = PasienFactory(
        puskesmas=petugas_loket.puskesmas,
        nama=terdaftar,
        tanggal_lahir=date(1990, 5, 7) if lahir_luring.month == 7 else date(1990, 5, 17),
        jenis_kelamin=jk,
        nik=None,
        no_bpjs=None,
    )
    (h,), _ = _replay(
        [entri(pasien_baru(ditulis_luring, lahir_luring, jk, serial=None), pada=pagi)],
        petugas_loket,
    )
    assert h["status"] == "ditinjau" and h["alasan"] == "mirip", h
    assert EntriReplay.objects.get().kandidat == [ada.pk]
    assert Pasien.objects.count() == 1


def test_a_twin_typed_offline_is_created_not_sent_to_review(petugas_loket, pagi):
    PasienFactory(
        puskesmas=petugas_loket.puskesmas,
        nama="Hasan Basri",
        tanggal_lahir=date(2020, 6, 1),
        jenis_kelamin="L",
        nik=None,
        no_bpjs=None,
    )
    (h,), _ = _replay(
        [entri(pasien_baru("Husin Basri", date(2020, 6, 1), "L", serial=None), pada=pagi)],
        petugas_loket,
    )
    assert h["status"] == "dibuat"
    assert Pasien.objects.count() == 2


def test_a_known_nik_with_a_variant_name_is_attached_to_the_patient(petugas_loket, pagi):
    lahir = date(1984, 2, 9)
    ada = PasienFactory(
        puskesmas=petugas_loket.puskesmas,
        nama="Mochammad Arifin",
        tanggal_lahir=lahir,
        jenis_kelamin="L",
        nik=buat_nik(lahir, "L", serial=88),
        no_bpjs=None,
    )
    (h,), _ = _replay(
        [entri(pasien_baru("M. Arifin", lahir, "L", serial=88), pada=pagi)], petugas_loket
    )
    assert h["status"] == "dilampirkan" and h["pasien"]["id"] == ada.pk
    assert Pasien.objects.count() == 1
