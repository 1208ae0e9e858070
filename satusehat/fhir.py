"""Encounter payloads as the SATUSEHAT implementation guide wants them. Pure functions, no ORM:
the outbox passes in the ids and the queue's own timestamps.

Times go out in UTC with an explicit +00:00 offset and seconds, whatever the Puskesmas' zone
(WIB/WITA/WIT): the peers' hard-coded +07:00 is wrong in two of Indonesia's three zones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

KELAS_AMB = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "code": "AMB",
    "display": "ambulatory",
}
PARTISIPAN_ATND = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": "ATND",
            "display": "attender",
        }
    ]
}


def waktu_fhir(t: datetime) -> str:
    """Aware datetime → '2026-12-01T02:15:07+00:00'."""
    if t.tzinfo is None:
        raise ValueError("waktu tanpa zona waktu")
    return t.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class DataEncounter:
    organization_id: str
    kunjungan_id: str
    pasien_ihs: str
    pasien_nama: str
    praktisi_ihs: str
    praktisi_nama: str
    location_id: str
    location_nama: str
    datang: datetime  # arrival: the ticket's own time (offline/paper: the real one)
    dipanggil: datetime | None = None  # first call: in-progress starts
    batal: datetime | None = None


def encounter(d: DataEncounter, status: str) -> dict[str, Any]:
    """The whole Encounter for a status (arrived, in-progress, cancelled). The statusHistory
    is rebuilt from the timestamps each time, so a retried update sends the same body."""
    datang = waktu_fhir(d.datang)
    riwayat: list[dict[str, Any]] = []
    if status == "arrived":
        riwayat = [{"status": "arrived", "period": {"start": datang}}]
    elif status == "in-progress":
        if d.dipanggil is None:
            raise ValueError("in-progress butuh waktu dipanggil")
        panggil = waktu_fhir(max(d.dipanggil, d.datang))
        riwayat = [
            {"status": "arrived", "period": {"start": datang, "end": panggil}},
            {"status": "in-progress", "period": {"start": panggil}},
        ]
    elif status == "cancelled":
        akhir = waktu_fhir(max(d.batal or d.datang, d.datang))
        if d.dipanggil is not None:
            panggil = waktu_fhir(max(d.dipanggil, d.datang))
            riwayat = [
                {"status": "arrived", "period": {"start": datang, "end": panggil}},
                {"status": "in-progress", "period": {"start": panggil, "end": akhir}},
            ]
        else:
            riwayat = [{"status": "arrived", "period": {"start": datang, "end": akhir}}]
    else:
        raise ValueError(f"status tidak didukung: {status}")
    period: dict[str, str] = {"start": datang}
    if status == "cancelled":
        period["end"] = riwayat[-1]["period"]["end"]
    return {
        "resourceType": "Encounter",
        "identifier": [
            {
                "system": f"http://sys-ids.kemkes.go.id/encounter/{d.organization_id}",
                "value": d.kunjungan_id,
            }
        ],
        "status": status,
        "class": KELAS_AMB,
        "subject": {"reference": f"Patient/{d.pasien_ihs}", "display": d.pasien_nama},
        "participant": [
            {
                "type": [PARTISIPAN_ATND],
                "individual": {
                    "reference": f"Practitioner/{d.praktisi_ihs}",
                    "display": d.praktisi_nama,
                },
            }
        ],
        "period": period,
        "location": [
            {"location": {"reference": f"Location/{d.location_id}", "display": d.location_nama}}
        ],
        "statusHistory": riwayat,
        "serviceProvider": {"reference": f"Organization/{d.organization_id}"},
    }
