from django.apps import AppConfig


class BpjsBridgeConfig(AppConfig):
    """PCare / Antrean FKTP calls, made by Celery workers and never inside a request."""

    name = "bpjs_bridge"
    verbose_name = "Bridging BPJS"

    def ready(self) -> None:
        from django.conf import settings

        from integrasi import peristiwa

        from . import services

        # The domain's events become BPJS outbox rows (in the domain's own transaction).
        peristiwa.kunjungan_terdaftar.langganan(services.outbox_kunjungan_baru)
        peristiwa.kunjungan_dipanggil.langganan(services.outbox_antrean_panggil)
        peristiwa.kunjungan_batal.langganan(services.outbox_kunjungan_batal)

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
