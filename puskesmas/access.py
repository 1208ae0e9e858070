"""Who may do what. Views call these helpers; every query a view makes is then scoped to the
Puskesmas of the signed-in officer, so one district server never leaks another Puskesmas' data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from . import rujukan
from .models import Loket, Peran, Petugas

SESSION_LOKET = "loket_id"


def petugas_dari(request: HttpRequest) -> Petugas:
    """The signed-in staff member, or 403 for an account that is not attached to a Puskesmas."""
    petugas = rujukan.pasang_petugas(request.user)  # cached per process, no query
    if petugas is None:
        raise PermissionDenied("Akun ini belum terdaftar sebagai petugas Puskesmas.")
    return petugas


def peran_wajib(
    *peran: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Login required, and the officer's role must be one of `peran`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            petugas = petugas_dari(request)
            if petugas.peran not in peran:
                raise PermissionDenied("Peran Anda tidak berhak membuka halaman ini.")
            request.petugas = petugas  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def loket_aktif(request: HttpRequest, petugas: Petugas) -> Loket | None:
    """The counter this browser works at: chosen in the session, else the officer's own."""
    loket_id = request.session.get(SESSION_LOKET)
    if loket_id:
        found = rujukan.loket(petugas.puskesmas_id, int(loket_id))
        if found is not None:
            return found
    return petugas.loket


PERAN_LOKET = (Peran.LOKET, Peran.ADMIN)
PERAN_POLI = (Peran.POLI, Peran.ADMIN)
PERAN_LAPORAN = (Peran.ADMIN, Peran.KEPALA)
