"""NIK and card numbers never reach a log unmasked — not in messages, arguments or
tracebacks, not while registering a patient and not while talking to BPJS."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from config.logging import SamarkanDataPribadi, mask_nik
from tests.factories import buat_nik

NIK = buat_nik(date(1980, 3, 12), "P", serial=3)  # 3204105203800003
KARTU = "0001234567890"


@pytest.mark.parametrize(
    ("masuk", "keluar"),
    [
        ("3171010101900003", "3171********0003"),
        ("NIK=3171010101900003;", "NIK=3171********0003;"),
        ("kartu 0001234567890", "kartu 0001*****7890"),
        ("17 digit 31710101019000031 tetap", "17 digit 31710101019000031 tetap"),
        ("RM 000123, umur 45", "RM 000123, umur 45"),
        (None, ""),
    ],
)
def test_mask_nik(masuk, keluar):
    assert mask_nik(masuk) == keluar


def test_every_configured_handler_carries_the_filter():
    root = logging.getLogger()
    assert root.handlers
    for handler in root.handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # pytest's own
        assert any(isinstance(f, SamarkanDataPribadi) for f in handler.filters), handler


def _tanpa_nomor_utuh(teks: str) -> None:
    for nomor in (NIK, KARTU):
        assert nomor not in teks, f"nomor utuh muncul di log: {nomor}"
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", teks)


def test_a_message_an_argument_and_a_traceback_are_masked(caplog):
    log = logging.getLogger("pendaftaran.uji")
    with caplog.at_level(logging.DEBUG):
        log.info("pasien %s kartu %s", NIK, KARTU)
        log.warning(f"langsung di pesan {NIK}")
        try:
            raise ValueError(f"duplicate key (nik)=({NIK})")
        except ValueError:
            log.exception("gagal simpan")
    teks = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    _tanpa_nomor_utuh(teks)
    assert "3204********0003" in teks


def test_registering_a_patient_through_the_loket_logs_no_nik(client_loket, caplog, unit):
    with caplog.at_level(logging.DEBUG):
        response = client_loket.post(
            "/loket/pasien/baru/",
            {
                "nama": "Siti Aminah",
                "tanggal_lahir": "1980-03-12",
                "jenis_kelamin": "P",
                "nik": NIK,
                "no_bpjs": KARTU,
                "alamat": "Jl. Melati 3",
            },
        )
        assert response.status_code in (200, 302)
        # And again: the duplicate path names the existing patient.
        client_loket.post(
            "/loket/pasien/baru/",
            {"nama": "Siti", "tanggal_lahir": "1980-03-12", "jenis_kelamin": "P", "nik": NIK},
        )
    from pendaftaran.models import Pasien

    assert Pasien.objects.filter(nik=NIK).exists()
    _tanpa_nomor_utuh(caplog.text + "".join(r.exc_text or "" for r in caplog.records))


def test_registering_through_the_api_logs_no_nik(client, petugas_loket, caplog):
    from puskesmas.services import api_token_buat

    raw = api_token_buat(user=petugas_loket.user)[1]
    with caplog.at_level(logging.DEBUG):
        for _ in range(2):  # created, then 409 "already registered"
            client.post(
                "/api/v1/pasien",
                {
                    "nama": "Siti",
                    "tanggal_lahir": "1980-03-12",
                    "jenis_kelamin": "P",
                    "nik": NIK,
                    "no_bpjs": KARTU,
                },
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
    _tanpa_nomor_utuh(caplog.text + "".join(r.exc_text or "" for r in caplog.records))


def test_bpjs_calls_log_no_card_number_or_nik(bpjs, pick, caplog):
    """Eligibility checks by card and by NIK against the BPJS simulator over real HTTP, with
    DEBUG logging: httpx itself logs each request URL, which carries the number."""
    peserta = pick("aktif")
    with caplog.at_level(logging.DEBUG):
        bpjs.peserta_by_noka(peserta["no_kartu"])
        bpjs.peserta_by_nik(peserta["nik"])
    # httpx logs "HTTP Request: GET …/peserta/noka/<number>": the leak this filter exists for.
    assert any(r.name == "httpx" and "peserta" in r.getMessage() for r in caplog.records)
    teks = caplog.text
    for nomor in (peserta["nik"], peserta["no_kartu"]):
        assert nomor not in teks
    assert not re.search(r"(?<!\d)(\d{16}|\d{13})(?!\d)", teks)
