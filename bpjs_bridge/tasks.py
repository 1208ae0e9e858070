"""Celery tasks of the BPJS bridge. Thin on purpose: each one takes an id and calls a service,
which claims the row atomically, so a task delivered twice (acks_late redelivery, a sweep
republishing a slow message) does its work once."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="bpjs_bridge.proses_permintaan", ignore_result=True)
def proses_permintaan(permintaan_id: int) -> str:
    return services.permintaan_proses(permintaan_id=permintaan_id)


@shared_task(name="bpjs_bridge.sapu", ignore_result=True)
def sapu() -> dict:
    hasil = services.sapu()
    akses = services.akses_periksa_perubahan()  # keys fixed since a refusal: release now
    return {
        "basi": hasil.basi,
        "diantrekan": hasil.diantrekan,
        "probe": hasil.probe,
        "akses": akses,
    }


@shared_task(name="bpjs_bridge.probe", ignore_result=True)
def probe(puskesmas_id: int) -> str:
    return services.probe_pemutus(puskesmas_id=puskesmas_id)


@shared_task(name="bpjs_bridge.cek_pemutus", ignore_result=True)
def cek_pemutus() -> list[int]:
    """Every few seconds: where a breaker's pause is over, ask for a probe."""
    return services.pemutus_periksa()


@shared_task(name="bpjs_bridge.cek_kepesertaan", ignore_result=True)
def cek_kepesertaan(puskesmas_id: int, pasien_id: int) -> str:
    """The counter's eligibility check for a patient just opened (no visit yet)."""
    return services.kepesertaan_periksa(puskesmas_id=puskesmas_id, pasien_id=pasien_id)
