"""Encryption at rest of the integration secrets (BPJS consumer secret, PCare password,
SATUSEHAT client secret …), with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key comes from `INTEGRASI_KUNCI` or the file named by `INTEGRASI_KUNCI_FILE` (a Fernet key,
or any passphrase, which is stretched to one). Without either, a demo/dev key is derived from
SECRET_KEY so `make run` works; `manage.py check --deploy` warns about it (integrasi.checks).
A rotated key is supported by listing the old one after the new one, comma-separated: new
values are written with the first, old values still read with the others.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class KunciSalah(Exception):
    """A stored secret cannot be read with the configured key (key changed or lost)."""


def _fernet_dari(teks: str) -> Fernet:
    teks = teks.strip()
    try:
        return Fernet(teks.encode())
    except ValueError:
        # A passphrase: stretched, so a human-chosen string still gives a full-size key.
        turunan = hashlib.pbkdf2_hmac("sha256", teks.encode(), b"integrasi-puskesmas", 200_000)
        return Fernet(base64.urlsafe_b64encode(turunan))


def sumber_kunci() -> str:
    """'env', 'file' or 'bawaan' (derived from SECRET_KEY: demo/dev only)."""
    if getattr(settings, "INTEGRASI_KUNCI", ""):
        return "env"
    return "bawaan"


@cache
def _mesin(kunci: str) -> MultiFernet:
    return MultiFernet([_fernet_dari(k) for k in kunci.split(",") if k.strip()])


def _kunci() -> str:
    kunci = getattr(settings, "INTEGRASI_KUNCI", "")
    if kunci:
        return kunci
    return "bawaan:" + hashlib.sha256(f"integrasi:{settings.SECRET_KEY}".encode()).hexdigest()


def enkripsi(teks: str) -> str:
    if not teks:
        return ""
    return _mesin(_kunci()).encrypt(teks.encode()).decode()


def dekripsi(token: str) -> str:
    if not token:
        return ""
    try:
        return _mesin(_kunci()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise KunciSalah(
            "Rahasia integrasi tidak dapat dibuka dengan INTEGRASI_KUNCI saat ini; "
            "isi ulang kredensial di halaman Integrasi."
        ) from None
