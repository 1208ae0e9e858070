from django.apps import AppConfig


class SatusehatConfig(AppConfig):
    """Visits to SATUSEHAT as FHIR Encounters, through an outbox worked by Celery."""

    name = "satusehat"
    verbose_name = "SATUSEHAT"

    def ready(self) -> None:
        from django.conf import settings

        from integrasi import peristiwa

        from . import services

        peristiwa.kunjungan_terdaftar.langganan(
            services.saat_kunjungan_terdaftar, banyak=services.saat_kunjungan_terdaftar_banyak
        )
        peristiwa.kunjungan_dipanggil.langganan(services.saat_kunjungan_dipanggil)
        peristiwa.kunjungan_batal.langganan(services.saat_kunjungan_batal)
        jadwal = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if jadwal is not None:
            jadwal.setdefault(
                "satusehat-sapu",
                {
                    "task": "satusehat.sapu",
                    "schedule": float(getattr(settings, "SATUSEHAT_SAPU_DETIK", 30)),
                    "options": {"expires": 25},
                },
            )
