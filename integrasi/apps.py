from django.apps import AppConfig


class IntegrasiConfig(AppConfig):
    """Per-Puskesmas settings of outside systems, domain events, the shared outbox."""

    name = "integrasi"
    verbose_name = "Integrasi"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy check)
