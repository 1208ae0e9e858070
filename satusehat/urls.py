from django.urls import path

from . import views

app_name = "satusehat"

urlpatterns = [
    path("kepatuhan/", views.kepatuhan, name="kepatuhan"),
    path("kepatuhan.csv", views.kepatuhan_csv, name="kepatuhan_csv"),
    path("kepatuhan.pdf", views.kepatuhan_pdf, name="kepatuhan_pdf"),
    path("kiriman/<int:pk>/coba-lagi/", views.coba_lagi, name="coba_lagi"),
]
