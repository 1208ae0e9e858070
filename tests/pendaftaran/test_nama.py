"""The name rules (pendaftaran/nama.py) and the same-person rule (dedupe.mirip), by kind of
variant. The cases live in tests/data/nama_vektor.json so tests/js/nama.test.js checks the
browser's port against exactly the same answers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pendaftaran import nama
from pendaftaran.dedupe import (
    Identitas,
    alamat_mirip,
    kunci_identitas,
    mirip,
    tanggal_selisih_satu,
    tanggal_tertukar,
)

VEKTOR = json.loads((Path(__file__).parent.parent / "data" / "nama_vektor.json").read_text())


def _id(kasus: dict) -> str:
    return f"{kasus.get('jenis', '')}:{kasus.get('a', kasus.get('nama', ''))}"


@pytest.mark.parametrize("kasus", VEKTOR["kanonik"], ids=_id)
def test_a_name_is_reduced_to_its_canonical_tokens(kasus):
    assert list(nama.urai(kasus["nama"]).inti) == kasus["inti"]


@pytest.mark.parametrize("kasus", VEKTOR["urutan"], ids=_id)
def test_balinese_birth_order_names_become_their_rank(kasus):
    assert nama.urai(kasus["nama"]).urutan == kasus["urutan"]


@pytest.mark.parametrize("kasus", VEKTOR["nama"], ids=_id)
def test_two_names_are_the_same_name_or_not_by_kind_of_variant(kasus):
    b = nama.banding(kasus["a"], kasus["b"])
    assert (b.sama, b.penuh) == (kasus["sama"], kasus["penuh"])
    # The comparison is symmetric: which loket typed which does not matter.
    assert nama.banding(kasus["b"], kasus["a"]).sama == kasus["sama"]


def _identitas(d: dict) -> Identitas:
    return Identitas(**{**d, "tanggal_lahir": date.fromisoformat(d["tanggal_lahir"])})


@pytest.mark.parametrize("kasus", VEKTOR["pasien"], ids=_id)
def test_the_same_person_rule_combines_name_birth_date_sex_address_and_mother(kasus):
    cocok = mirip(_identitas(kasus["baru"]), _identitas(kasus["lama"]))
    assert (cocok.alasan if cocok else None) == kasus["alasan"]


def test_a_closer_name_scores_higher():
    lengkap = nama.banding("Dewi Kartika Sari", "Dewi Kartika Sari").skor
    tanpa_tengah = nama.banding("Dewi Kartika Sari", "Dewi Sari").skor
    assert lengkap == 100 and 0 < tanpa_tengah < lengkap


def test_edit_distance_counts_a_swap_of_two_letters_as_one_slip():
    assert nama.jarak("HANDAYANI", "HANADYANI") == 1
    assert nama.jarak("KURNIAWATI", "KURNIAWTI") == 1
    assert nama.jarak("AINI", "AINA") == 1 and not nama.kata_mirip("AINI", "AINA")


def test_birth_dates_near_a_date_are_its_swap_and_one_digit_slips():
    assert tanggal_tertukar(date(1985, 3, 12)) == date(1985, 12, 3)
    assert tanggal_tertukar(date(1985, 3, 13)) is None  # no 13th month
    assert tanggal_tertukar(date(1985, 3, 3)) is None
    dekat = tanggal_selisih_satu(date(1990, 3, 12))
    assert date(1990, 3, 13) in dekat and date(1991, 3, 12) in dekat and date(1990, 8, 12) in dekat
    assert date(1990, 12, 3) not in dekat and date(1990, 3, 12) not in dekat
    assert all(d.strftime("%d%m%Y") != "12031990" for d in dekat)


@pytest.mark.parametrize("kasus", VEKTOR["alamat"], ids=lambda k: f"{k['a']}~{k['b']}")
def test_addresses_are_similar_when_half_their_words_are_shared(kasus):
    assert alamat_mirip(kasus["a"], kasus["b"]) is kasus["mirip"]


def test_the_identity_key_ignores_spelling_and_is_blank_with_a_nik():
    lahir = date(2019, 7, 4)
    k = kunci_identitas(nama="Siti Nur Aini", tanggal_lahir=lahir, jenis_kelamin="P")
    assert k == kunci_identitas(nama="Sity Nuraini", tanggal_lahir=lahir, jenis_kelamin="P")
    assert k != kunci_identitas(nama="Siti Nur Aini", tanggal_lahir=lahir, jenis_kelamin="L")
    assert kunci_identitas(nama="Siti", tanggal_lahir=lahir, jenis_kelamin="P", nik="1" * 16) == ""
