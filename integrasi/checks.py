"""`manage.py check --deploy`: the integration secrets need their own key on a server."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register

from .kunci import sumber_kunci


@register(Tags.security, deploy=True)
def periksa_kunci_integrasi(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if sumber_kunci() != "bawaan":
        return []
    return [
        Warning(
            "INTEGRASI_KUNCI belum diisi: rahasia integrasi (BPJS, SATUSEHAT) dienkripsi dengan "
            "kunci turunan SECRET_KEY, hanya layak untuk demo.",
            hint="Isi INTEGRASI_KUNCI atau INTEGRASI_KUNCI_FILE dengan kunci Fernet "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())').",
            id="integrasi.W001",
        )
    ]
