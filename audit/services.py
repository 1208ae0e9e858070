"""Writing the audit trail. One function, called in one line wherever something worth
answering for happens:

    catat(request=request, aksi=Aksi.PASIEN_LIHAT, objek=pasien)
    catat(user=oleh, aksi="pasien_buat", objek=pasien)          # from a service

Without `request`, the request being served (set by `audit.middleware.RequestAuditMiddleware`)
supplies the IP and user agent, so services called from views and the API record them too;
from Celery or a management command they stay empty.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest

from config.logging import mask_nik
from config.sisip import buat, sisip, sisip_banyak

from .models import Aksi, AuditLog

# The request currently being served in this thread/task; see audit.middleware.
request_sekarang: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)

UA_MAKS = 300
KETERANGAN_MAKS = 200
# Every action and its label, built once (`Aksi.values` and `Aksi(x).label` cost a list and an
# enum lookup on each of a replayed batch's hundreds of rows).
_LABEL: dict[str, str] = dict(Aksi.choices)


def _ip(request: HttpRequest) -> str | None:
    from axes.helpers import get_client_ip_address  # the same address the lockout counts

    ip = get_client_ip_address(request) or ""
    try:  # the column is an inet on PostgreSQL: a malformed forwarded header must not crash
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def _objek(objek: Any) -> tuple[str, str]:
    if objek is None:
        return "", ""
    if isinstance(objek, models.Model):
        return objek._meta.label_lower, str(objek.pk)
    if isinstance(objek, tuple) and len(objek) == 2:
        return str(objek[0])[:60], str(objek[1])[:40]
    raise TypeError("objek harus instance model, (jenis, id), atau None.")


def catat(
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    aksi: str,
    objek: Any = None,
    puskesmas: Any = None,
    keterangan: str = "",
) -> AuditLog:
    """Append one audit row (see `baris`)."""
    log = baris(
        request=request,
        user=user,
        aksi=aksi,
        objek=objek,
        puskesmas=puskesmas,
        keterangan=keterangan,
    )
    sisip(log)  # a new row by construction (AuditLog.SISIP_TANPA_SAVE)
    return log


def catat_banyak(daftar: list[AuditLog]) -> list[AuditLog]:
    """Append rows made by `baris` in one INSERT (a replayed batch's audit trail)."""
    return sisip_banyak(daftar)


def baris(
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    aksi: str,
    objek: Any = None,
    puskesmas: Any = None,
    keterangan: str = "",
) -> AuditLog:
    """One audit row, not yet saved: `catat` saves it, `catat_banyak` saves many at once.

    `aksi` must be one of `Aksi` (a typo fails loudly in tests, not silently in production).
    `objek` is a model instance or `(jenis, id)`. `keterangan` is a short free text; any
    NIK- or card-like number in it is masked, and callers must not put names or addresses in
    it. The user's role and Puskesmas are taken from their Petugas record unless given.
    """
    if aksi not in _LABEL:
        raise ValueError(f"Aksi audit tidak dikenal: {aksi!r}")
    request = request if request is not None else request_sekarang.get()
    if user is None and request is not None:
        u = getattr(request, "user", None)
        user = u if u is not None and u.is_authenticated else None
    petugas = getattr(user, "petugas", None) if user is not None else None
    if puskesmas is None and petugas is not None:
        puskesmas = petugas.puskesmas_id
    puskesmas_id = puskesmas.pk if isinstance(puskesmas, models.Model) else puskesmas
    objek_tipe, objek_id = _objek(objek)
    label = _LABEL[aksi]
    keterangan = mask_nik(keterangan).strip()[:KETERANGAN_MAKS]
    ringkasan = label + (f" · {objek_tipe} #{objek_id}" if objek_tipe else "")
    if keterangan:
        ringkasan += f" · {keterangan}"
    return buat(
        AuditLog,
        user=user if user is not None and user.pk else None,
        username=(user.get_username() if user is not None else "")[:150],
        peran=getattr(petugas, "peran", "")
        or ("superuser" if getattr(user, "is_superuser", False) else ""),
        puskesmas_id=puskesmas_id,
        aksi=aksi,
        objek_tipe=objek_tipe,
        objek_id=objek_id,
        ringkasan=ringkasan[:300],
        ip=_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[
            :UA_MAKS
        ],
        path=(request.path if request is not None else "")[:300],
    )
