"""Secrets at rest: Fernet with the INTEGRASI_KUNCI key, rotation, and the deploy warning."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from integrasi import kunci


def test_a_secret_round_trips_and_is_not_stored_readably(settings):
    settings.INTEGRASI_KUNCI = Fernet.generate_key().decode()
    token = kunci.enkripsi("rahasia-bpjs-123")
    assert "rahasia" not in token
    assert kunci.dekripsi(token) == "rahasia-bpjs-123"
    assert kunci.enkripsi("") == "" and kunci.dekripsi("") == ""


def test_a_passphrase_key_works_and_a_rotated_key_still_reads_old_values(settings):
    settings.INTEGRASI_KUNCI = "kalimat sandi panjang kabupaten"
    lama = kunci.enkripsi("nilai-lama")
    settings.INTEGRASI_KUNCI = f"{Fernet.generate_key().decode()},kalimat sandi panjang kabupaten"
    assert kunci.dekripsi(lama) == "nilai-lama"
    baru = kunci.enkripsi("nilai-baru")
    settings.INTEGRASI_KUNCI = "kalimat sandi panjang kabupaten"
    with pytest.raises(kunci.KunciSalah) as e:
        kunci.dekripsi(baru)
    assert "isi ulang kredensial" in str(e.value)


def test_the_deploy_check_warns_while_the_key_is_derived_from_secret_key(settings):
    from integrasi.checks import periksa_kunci_integrasi

    settings.INTEGRASI_KUNCI = ""
    assert [w.id for w in periksa_kunci_integrasi()] == ["integrasi.W001"]
    settings.INTEGRASI_KUNCI = Fernet.generate_key().decode()
    assert periksa_kunci_integrasi() == []
