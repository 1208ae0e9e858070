from django.urls import path

from . import views

app_name = "antrean"

urlpatterns = [
    path("t/<str:token>/", views.status_tiket, name="status_tiket"),
    path("poli/", views.poli, name="poli"),
    path("poli/<int:unit_id>/", views.poli, name="poli_unit"),
    path("poli/<int:unit_id>/aksi/<slug:nama>/", views.aksi, name="aksi"),
    path("ringkasan/", views.ringkasan, name="ringkasan"),
    path("laporan/", views.laporan, name="laporan"),
    path("live/", views.live_stream, name="live_stream"),
    path("live/versi/", views.live_versi, name="live_versi"),
    path("tv/sw.js", views.tv_sw, name="tv_sw"),
    path("layar-tv/", views.tv_info, name="tv_info"),
    path("tv/<str:kunci>/", views.tv, name="tv"),
    path("tv/<str:kunci>/suara/", views.tv_suara, name="tv_suara"),
    path("tv/<str:kunci>/suara/<str:nama>", views.tv_klip, name="tv_klip"),
    path("tv/<str:kunci>/live/", views.tv_stream, name="tv_stream"),
    path("tv/<str:kunci>/versi/", views.tv_versi, name="tv_versi"),
]
