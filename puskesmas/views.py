from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .access import petugas_dari
from .forms import FormMasuk
from .models import Peran


class MasukView(auth_views.LoginView):
    template_name = "puskesmas/masuk.html"
    authentication_form = FormMasuk
    redirect_authenticated_user = True


keluar = auth_views.LogoutView.as_view()

# Where each role starts its day.
HALAMAN_AWAL = {
    Peran.LOKET: "pendaftaran:loket",
    Peran.ADMIN: "pendaftaran:loket",
    Peran.POLI: "antrean:poli",
    Peran.KEPALA: "antrean:ringkasan",
}


@require_GET
@login_required
def beranda(request: HttpRequest) -> HttpResponse:
    petugas = petugas_dari(request)
    tujuan = HALAMAN_AWAL.get(petugas.peran)
    if tujuan is None:
        return render(request, "puskesmas/beranda.html")
    return redirect(tujuan)
