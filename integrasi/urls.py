from django.urls import path

from . import views

app_name = "integrasi"

urlpatterns = [
    path("", views.pengaturan, name="pengaturan"),
    path("uji/<str:layanan>/", views.uji, name="uji"),
    path("pemetaan/<int:pk>/", views.pemetaan, name="pemetaan"),
]
