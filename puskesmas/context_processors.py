from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigasi import menu_untuk


def petugas(request: HttpRequest) -> dict:
    """The officer, the Puskesmas and the menu for the page header; nothing when anonymous."""
    user = getattr(request, "user", None)
    p = getattr(user, "petugas", None) if user is not None and user.is_authenticated else None
    if p is None:
        return {"petugas": None, "puskesmas": None, "menu": []}
    # Built only when a template shows it: the htmx partials (a search as you type, the poli
    # panel) never do, and its dozen reverse() calls were a tenth of a search's rendering.
    menu = SimpleLazyObject(lambda: menu_untuk(p.peran, request.path))
    return {"petugas": p, "puskesmas": p.puskesmas, "menu": menu}
