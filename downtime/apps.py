from django.apps import AppConfig


class DowntimeConfig(AppConfig):
    """Offline and manual modes, replay of entries made offline, and the downtime ledger."""

    name = "downtime"
    verbose_name = "Downtime"
