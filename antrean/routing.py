"""ILP cluster routing: which service a patient most likely needs.

Pure rules, no ORM, so they are cheap to unit-test and to mirror in the browser for offline
use. The result is a *suggestion*: the officer confirms it, and an override is recorded on the
visit. Which room of the Puskesmas provides a service is data (UnitLayanan.layanan); this module
only names the service and, when a Puskesmas lacks it, what to fall back to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .models import Layanan

# Services patients ask for by name at the counter; anything else is decided by the rules.
LAYANAN_DIMINTA = (
    Layanan.UGD,
    Layanan.GIGI,
    Layanan.LAB,
    Layanan.FARMASI,
    Layanan.PERSALINAN,
    Layanan.KIA,
)

# When a Puskesmas has no unit for a service, the nearest one that does the same work.
CADANGAN: dict[str, tuple[str, ...]] = {
    Layanan.LANSIA: (Layanan.DEWASA,),
    Layanan.ANAK: (Layanan.KIA, Layanan.DEWASA),
    Layanan.KIA: (Layanan.DEWASA,),
    Layanan.MENULAR: (Layanan.DEWASA,),
    Layanan.PERSALINAN: (Layanan.KIA, Layanan.UGD),
}

# ILP's own placement, used for the reason text when no unit data is at hand.
KLASTER_ILP = {
    Layanan.KIA: 2,
    Layanan.ANAK: 2,
    Layanan.DEWASA: 3,
    Layanan.LANSIA: 3,
    Layanan.MENULAR: 4,
    Layanan.GIGI: 5,
    Layanan.UGD: 5,
    Layanan.LAB: 5,
    Layanan.FARMASI: 5,
    Layanan.PERSALINAN: 5,
}

UMUR_DEWASA = 18
UMUR_LANSIA = 60


@dataclass(frozen=True)
class Saran:
    layanan: str
    alasan: str

    @property
    def klaster_ilp(self) -> int | None:
        return KLASTER_ILP.get(self.layanan)


def umur_tahun(tanggal_lahir: date, pada: date) -> int:
    lewat_ulang_tahun = (pada.month, pada.day) >= (tanggal_lahir.month, tanggal_lahir.day)
    return pada.year - tanggal_lahir.year - (0 if lewat_ulang_tahun else 1)


def sarankan(
    *,
    umur: int,
    jenis_kelamin: str,
    hamil: bool = False,
    suspek_menular: bool = False,
    layanan_diminta: str = "",
) -> Saran:
    """Suggest a service from what the counter knows. Order matters: an emergency beats
    everything, a suspected communicable disease goes to cluster 4 before age decides."""
    if layanan_diminta == Layanan.UGD:
        return Saran(Layanan.UGD, "Kondisi gawat darurat")
    if suspek_menular:
        return Saran(Layanan.MENULAR, "Dugaan penyakit menular (mis. TB) → klaster 4")
    if layanan_diminta in (Layanan.GIGI, Layanan.LAB, Layanan.FARMASI, Layanan.PERSALINAN):
        return Saran(layanan_diminta, f"Layanan diminta: {Layanan(layanan_diminta).label}")
    if hamil and jenis_kelamin == "P":
        return Saran(Layanan.KIA, "Ibu hamil → klaster 2 (ibu dan anak)")
    if layanan_diminta == Layanan.KIA and jenis_kelamin == "P":
        return Saran(Layanan.KIA, "Layanan ibu (nifas/KB) → klaster 2")
    if umur < UMUR_DEWASA:
        return Saran(Layanan.ANAK, f"Usia {umur} th (< 18) → klaster 2 (ibu dan anak)")
    if umur >= UMUR_LANSIA:
        return Saran(Layanan.LANSIA, f"Usia {umur} th (≥ 60) → klaster 3 (lansia)")
    return Saran(Layanan.DEWASA, f"Usia {umur} th (18–59) → klaster 3 (dewasa)")


def urutan_pencarian(layanan: str) -> tuple[str, ...]:
    """The service itself, then its fall-backs, for picking a unit that exists."""
    return (layanan, *CADANGAN.get(layanan, ()))
