"""The BPJS circuit breaker: the shared `integrasi.outbox.Pemutus`, one per Puskesmas, with
BPJS's settings, and its episodes recorded in the downtime ledger.

    tertutup ──N consecutive transient failures──▶ terbuka ──after JEDA──▶ setengah terbuka
        ▲                                                                     │ one probe
        └──────────────────── the probe got an answer ◀──────────────────────┘ (else: terbuka)

Closing the breaker does not release the rows that waited: the caller that saw BPJS answer
does that (`services.dasar.pulih`), so this module never reaches back into the services.
"""

from __future__ import annotations

import logging

from django.db import transaction

from downtime import services as downtime_services
from integrasi import outbox
from integrasi.outbox import SETENGAH, TERBUKA, TERTUTUP, Izin, Keadaan
from puskesmas.models import Puskesmas

log = logging.getLogger(__name__)

__all__ = [
    "PEMUTUS",
    "SETENGAH",
    "TERBUKA",
    "TERTUTUP",
    "Izin",
    "Keadaan",
    "catat_berhasil",
    "catat_gagal",
    "keadaan",
    "lepas_probe",
    "minta_izin",
    "reset",
]


def _ledger(puskesmas_id: int, *, buka: bool) -> None:
    """Record the episode in the downtime ledger. The ledger is a report, so a failure there
    must never stop BPJS work: it runs in its own savepoint and only logs."""
    try:
        with transaction.atomic():
            pkm = Puskesmas.objects.get(pk=puskesmas_id)
            if buka:
                downtime_services.episode_bpjs_mulai(
                    puskesmas=pkm, keterangan="Pemutus BPJS terbuka: kegagalan beruntun"
                )
            else:
                downtime_services.episode_bpjs_selesai(puskesmas=pkm)
    except Exception:
        log.exception("Gagal mencatat episode BPJS di buku downtime")


PEMUTUS = outbox.Pemutus(
    "bpjs",
    "BPJS_BREAKER_AMBANG",
    "BPJS_BREAKER_JEDA",
    setting_timeout="BPJS_TIMEOUT",
    saat_buka=lambda pkm: _ledger(pkm, buka=True),
    saat_tutup=lambda pkm: _ledger(pkm, buka=False),
)

keadaan = PEMUTUS.rincian
minta_izin = PEMUTUS.minta_izin
catat_berhasil = PEMUTUS.catat_berhasil
catat_gagal = PEMUTUS.catat_gagal
lepas_probe = PEMUTUS.lepas_probe
reset = PEMUTUS.reset
