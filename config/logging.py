"""Personal data stays out of the logs.

A NIK (16 digits) or a JKN-KIS card number (13 digits) that reaches a log line — in a message,
its arguments, an exception text or a traceback — is masked as `3171********0003` before any
handler writes it. The filter is attached to every handler in settings.LOGGING, and to the
handlers Celery installs in its worker, so the BPJS worker is covered as well as the web process.

The match is on the digit run alone (no checksum exists to be smarter), so any 13- or 16-digit
number is masked, e.g. a millisecond timestamp: losing those in logs is the cheaper mistake.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# A run of exactly 16 or 13 digits, not part of a longer number. Separators inside a NIK
# (3171-0101-…) are rare in logs; the forms strip them before anything is logged.
_NOMOR = re.compile(r"(?<!\d)(\d{16}|\d{13})(?!\d)")


def _samarkan_cocok(m: re.Match[str]) -> str:
    nomor = m.group(0)
    return nomor[:4] + "*" * (len(nomor) - 8) + nomor[-4:]


def mask_nik(teks: Any) -> str:
    """`teks` as a string with every NIK-like (16) and card-like (13 digit) number masked:
    mask_nik("NIK 3171010101900003") == "NIK 3171********0003"."""
    if teks is None:
        return ""
    return _NOMOR.sub(_samarkan_cocok, str(teks))


class SamarkanDataPribadi(logging.Filter):
    """Masks identity numbers in the record itself, so every later handler (and pytest's
    caplog, which sits on the root logger after ours) sees only the masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            pesan = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        masked = mask_nik(pesan)
        if masked != pesan or record.args:
            # Freeze the formatted message: args may hold a NIK, and a handler formatting
            # again later must not see the originals.
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback now (as Formatter would), masked: IntegrityError texts
            # such as "Key (nik)=(3171…) already exists" carry the number.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_nik(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_nik(record.stack_info)
        return True


def pasang_pada_logger(logger: logging.Logger) -> None:
    """Attach the filter to each handler of `logger` that lacks it (idempotent)."""
    for handler in logger.handlers:
        if not any(isinstance(f, SamarkanDataPribadi) for f in handler.filters):
            handler.addFilter(SamarkanDataPribadi())


def _pasang_celery(logger: logging.Logger | None = None, **_: Any) -> None:
    # Celery's worker replaces the root logger's handlers with its own; mask those too.
    if logger is not None:
        pasang_pada_logger(logger)


try:  # Celery is a dependency of the project, but keep this module importable without it.
    from celery.signals import after_setup_logger, after_setup_task_logger

    after_setup_logger.connect(_pasang_celery, weak=False)
    after_setup_task_logger.connect(_pasang_celery, weak=False)
except ImportError:  # pragma: no cover
    pass
