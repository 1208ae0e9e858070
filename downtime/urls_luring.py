"""Root-level URLs of offline mode (config/urls.py includes this at ""): the service worker must
be served from `/` to control the loket pages."""

from django.urls import path

from . import views_luring

urlpatterns = [
    path("sw.js", views_luring.service_worker, name="service_worker"),
    path("luring/pasien.json", views_luring.pasien_preload, name="luring_pasien"),
]
