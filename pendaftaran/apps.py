from django.apps import AppConfig


class PendaftaranConfig(AppConfig):
    """Patients and their visits: where a registration is validated and saved."""

    name = "pendaftaran"
    verbose_name = "Pendaftaran"
