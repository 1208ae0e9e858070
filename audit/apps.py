from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Log audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config import security  # noqa: F401  (deployment checks)

        from . import signals  # noqa: F401  (login, logout, failed login, lockout)
