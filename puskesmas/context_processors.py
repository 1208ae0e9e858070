from __future__ import annotations

from django.http import HttpRequest

from .navigasi import menu_untuk


def petugas(request: HttpRequest) -> dict:
    """The officer, the Puskesmas and the menu for the page header; nothing when anonymous."""
    user = getattr(request, "user", None)
    p = getattr(user, "petugas", None) if user is not None and user.is_authenticated else None
    if p is None:
        return {"petugas": None, "puskesmas": None, "menu": []}
    return {"petugas": p, "puskesmas": p.puskesmas, "menu": menu_untuk(p.peran, request.path)}
