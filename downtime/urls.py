from django.urls import path

from . import views

app_name = "downtime"

urlpatterns = [
    path("", views.beranda, name="beranda"),
    path("banner/", views.banner, name="banner"),
    path("mulai/", views.mulai, name="mulai"),
    path("episode/", views.episode_daftar, name="episode_daftar"),
    path("episode/<int:pk>/", views.episode_detail, name="episode"),
    path("episode/<int:pk>/selesai/", views.selesai, name="selesai"),
    path("tinjau/", views.tinjau_daftar, name="tinjau"),
    path("tinjau/<int:pk>/", views.tinjau_detail, name="tinjau_detail"),
    path("tinjau/<int:pk>/gabung/", views.tinjau_gabung, name="tinjau_gabung"),
    path("tinjau/<int:pk>/pisah/", views.tinjau_pisah, name="tinjau_pisah"),
    path("tinjau/<int:pk>/koreksi/", views.tinjau_koreksi, name="tinjau_koreksi"),
    path("susulan/", views.susulan, name="susulan"),
    path("laporan/", views.laporan, name="laporan"),
    path("laporan.csv", views.laporan_csv, name="laporan_csv"),
    path("laporan.pdf", views.laporan_pdf, name="laporan_pdf"),
]
