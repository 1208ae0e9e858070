from django.apps import AppConfig


class BpjsBridgeConfig(AppConfig):
    """PCare / Antrean FKTP calls, made by Celery workers and never inside a request."""

    name = "bpjs_bridge"
    verbose_name = "Bridging BPJS"

    def ready(self) -> None:
        from django.conf import settings

        # Periodic work (Celery beat). The sweep is the safety net that makes a lost message
        # harmless; the breaker check is cheap and keeps recovery quick after an outage.
        jadwal = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if jadwal is None:
            return
        jadwal.setdefault(
            "bpjs-sapu",
            {
                "task": "bpjs_bridge.sapu",
                "schedule": float(getattr(settings, "BPJS_SAPU_DETIK", 30)),
                "options": {"expires": 25},
            },
        )
        jadwal.setdefault(
            "bpjs-cek-pemutus",
            {
                "task": "bpjs_bridge.cek_pemutus",
                "schedule": float(getattr(settings, "BPJS_CEK_PEMUTUS_DETIK", 10)),
                "options": {"expires": 9},
            },
        )
