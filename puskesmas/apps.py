from django.apps import AppConfig


class PuskesmasConfig(AppConfig):
    """The tenant: a Puskesmas, its lokets and the staff who work there."""

    name = "puskesmas"
    verbose_name = "Puskesmas"
