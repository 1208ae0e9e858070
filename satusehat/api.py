"""The visit's Encounter for the clinical system (which finishes it with the diagnosis)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from pendaftaran.models import Kunjungan
from pendaftaran.schemas import GalatOut, TidakDitemukan
from puskesmas.api_auth import petugas_api

from .selectors import keadaan_satusehat

router = Router(tags=["satusehat"])


class SatusehatKunjunganOut(Schema):
    kunjungan_id: int
    status: str  # terkirim | menunggu | ditahan | batal | tidak_dikirim
    keterangan: str
    encounter_id: str | None
    encounter_status: str | None
    organization_id: str | None
    alasan: str
    tindakan: str


@router.get(
    "/kunjungan/{kunjungan_id}/satusehat",
    response={200: SatusehatKunjunganOut, 401: GalatOut, 403: GalatOut, 404: GalatOut},
    summary="Encounter SATUSEHAT sebuah kunjungan",
)
def kunjungan_satusehat(request: HttpRequest, kunjungan_id: int):
    """Id Encounter SATUSEHAT kunjungan ini (dibuat `arrived` saat pendaftaran, `in-progress`
    saat dipanggil poli). Sistem klinis menyelesaikannya (`finished` butuh diagnosis)."""
    petugas = petugas_api(request)
    k = Kunjungan.objects.filter(pk=kunjungan_id, puskesmas_id=petugas.puskesmas_id).first()
    if k is None:
        raise TidakDitemukan("Kunjungan tidak ditemukan di Puskesmas ini.")
    keadaan, enc = keadaan_satusehat(k)
    return {
        "kunjungan_id": k.pk,
        "status": keadaan.kode,
        "keterangan": keadaan.label,
        "encounter_id": enc.encounter_id if enc else None,
        "encounter_status": enc.status if enc else None,
        "organization_id": enc.organization_id if enc else None,
        "alasan": keadaan.alasan,
        "tindakan": keadaan.tindakan,
    }
