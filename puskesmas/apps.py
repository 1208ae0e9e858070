from django.apps import AppConfig


class PuskesmasConfig(AppConfig):
    """The tenant: a Puskesmas, its lokets and the staff who work there."""

    name = "puskesmas"
    verbose_name = "Puskesmas"

    def ready(self) -> None:
        from . import rujukan

        rujukan._sambungkan()  # saves of cached reference rows start a new cache generation
