from django.urls import path

from . import views

app_name = "bpjs_bridge"

# Mounted at /bpjs/ by config/urls.py. The Mobile JKN web services live under /bpjs/jkn/ with
# the protocol's own paths: register https://<host>/bpjs/jkn/ as the FKTP base URL at BPJS.
urlpatterns = [
    path("status/", views.banner, name="banner"),
    path("kunjungan/<int:pk>/badge/", views.badge, name="badge"),
    path("pasien/<int:pk>/kepesertaan/", views.kepesertaan, name="kepesertaan"),
    path("worklist/", views.worklist, name="worklist"),
    path("permintaan/<int:pk>/<str:aksi>/", views.worklist_aksi, name="worklist_aksi"),
    path("jkn/auth", views.jkn_auth, name="jkn_auth"),
    path("jkn/antrean/status/<str:kodepoli>/<str:tanggal>", views.jkn_status, name="jkn_status"),
    path(
        "jkn/antrean/sisapeserta/<str:nomorkartu>/<str:kodepoli>/<str:tanggal>",
        views.jkn_sisa,
        name="jkn_sisa",
    ),
    path("jkn/antrean/batal", views.jkn_batal, name="jkn_batal"),
    path("jkn/antrean", views.jkn_antrean, name="jkn_antrean"),
    path("jkn/peserta", views.jkn_peserta, name="jkn_peserta"),
]
