from __future__ import annotations

from datetime import date

from pendaftaran.dedupe import normalisasi_nama, skor_nama, tanggal_mirip


def test_names_are_normalised_for_comparison():
    assert normalisasi_nama("  siti   nur'aini, S.Pd ") == "SITI NUR'AINI S PD"
    assert normalisasi_nama("José") == "JOSE"


def test_word_order_does_not_matter():
    assert skor_nama("Nur Siti", "Siti Nur") == 100


def test_a_typing_slip_still_scores_high_and_a_different_person_low():
    assert skor_nama("Muhammad Rizki", "Muhamad Rizky") >= 85
    assert skor_nama("Muhammad Rizki", "Dewi Lestari") < 50


def test_birth_dates_one_slip_apart_are_similar():
    assert tanggal_mirip(date(1990, 3, 12), date(1990, 12, 3))  # day and month swapped
    assert tanggal_mirip(date(1990, 3, 12), date(1990, 3, 13))  # one digit
    assert not tanggal_mirip(date(1990, 3, 12), date(1991, 4, 13))
