from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("puskesmas.urls")),
    path("", include("downtime.urls_luring")),  # /sw.js must live at the root
    path("loket/", include("pendaftaran.urls")),
    path("antrean/", include("antrean.urls")),
    path("bpjs/", include("bpjs_bridge.urls")),
    path("downtime/", include("downtime.urls")),
    path("integrasi/", include("integrasi.urls")),
    path("satusehat/", include("satusehat.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Administrasi Puskesmas"
admin.site.site_title = "Admin Puskesmas"
