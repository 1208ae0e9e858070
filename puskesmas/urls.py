from django.urls import path

from . import views

urlpatterns = [
    path("", views.beranda, name="beranda"),
    path("masuk/", views.MasukView.as_view(), name="masuk"),
    path("keluar/", views.keluar, name="keluar"),
]
