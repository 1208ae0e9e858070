from django.urls import path

from . import views

app_name = "pendaftaran"

# Mounted at /loket/ by config/urls.py.
urlpatterns = [
    path("", views.loket, name="loket"),
    path("pilih-loket/", views.pilih_loket, name="pilih_loket"),
    path("cari/", views.cari, name="cari"),
    path("hari-ini/", views.hari_ini, name="hari_ini"),
    path("salinan.json", views.salinan_luring, name="salinan_luring"),
    path("pasien/baru/", views.pasien_baru, name="pasien_baru"),
    path("pasien/<int:pk>/", views.pasien, name="pasien"),
    path("pasien/<int:pk>/ubah/", views.pasien_ubah, name="pasien_ubah"),
    path("pasien/<int:pk>/saran/", views.saran, name="saran"),
    path("pasien/<int:pk>/daftar/", views.daftar, name="daftar"),
    path("kunjungan/<int:pk>/", views.tiket, name="tiket"),
    path("kunjungan/<int:pk>/cetak/", views.cetak, name="cetak"),
    path("kunjungan/<int:pk>/hadir/", views.hadir, name="hadir"),
    path("kunjungan/<int:pk>/batal/", views.batal, name="batal"),
]
