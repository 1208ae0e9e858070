"""Login, logout, failed login and lockout, recorded through Django's and django-axes' own
signals: these events happen inside their login views, so a signal is their only seam."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Aksi
from .services import catat


@receiver(user_logged_in, dispatch_uid="audit_masuk")
def _masuk(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    catat(request=request, user=user, aksi=Aksi.MASUK)


@receiver(user_logged_out, dispatch_uid="audit_keluar")
def _keluar(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # logging out an anonymous session: nothing to answer for
        return
    idle = getattr(request, "keluar_karena_idle", False)
    catat(request=request, user=user, aksi=Aksi.KELUAR_IDLE if idle else Aksi.KELUAR)


def _nama_dicoba(credentials: dict[str, Any] | None) -> str:
    # Django already replaces the password with asterisks; keep only the username tried
    # (masked: an officer who types a NIK into the username box must not leak it here).
    return str((credentials or {}).get("username", ""))[:60]


def _puskesmas_dari_username(username: str) -> int | None:
    # Attribute the attempt to the Puskesmas of the account it targeted, so that Puskesmas'
    # admin sees attacks on their staff in their own audit view.
    from puskesmas.models import Petugas

    return (
        Petugas.objects.filter(user__username=username)
        .values_list("puskesmas_id", flat=True)
        .first()
    )


@receiver(user_login_failed, dispatch_uid="audit_masuk_gagal")
def _gagal(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if request is None:  # authenticate() from code (tests, commands), not a login attempt
        return
    nama = _nama_dicoba(credentials)
    catat(
        request=request,
        aksi=Aksi.MASUK_GAGAL,
        puskesmas=_puskesmas_dari_username(nama),
        keterangan=f"username: {nama}",
    )


@receiver(user_locked_out, dispatch_uid="audit_terkunci")
def _terkunci(sender: Any, request: Any, username: Any = None, **kwargs: Any) -> None:
    nama = str(username or "")[:60]
    catat(
        request=request,
        aksi=Aksi.TERKUNCI,
        puskesmas=_puskesmas_dari_username(nama),
        keterangan=f"username: {nama}",
    )
