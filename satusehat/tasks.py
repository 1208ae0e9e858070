"""Celery tasks of the SATUSEHAT bridge: thin; the service claims the row, so a message
delivered twice does its work once."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="satusehat.proses_kiriman", ignore_result=True)
def proses_kiriman(kiriman_id: int) -> str:
    return services.kiriman_proses(kiriman_id=kiriman_id)


@shared_task(name="satusehat.sapu", ignore_result=True)
def sapu() -> dict:
    hasil = services.sapu()
    return {"basi": hasil.basi, "diantrekan": hasil.diantrekan}
