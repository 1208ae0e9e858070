from django.apps import AppConfig


class AntreanConfig(AppConfig):
    """Clusters, service units, cluster routing and the queue tickets."""

    name = "antrean"
    verbose_name = "Antrean"
