"""Domain events, in process: the domain says what happened, each bridge decides what that
means for its outside system.

    kunjungan_terdaftar.terbitkan(kunjungan=k, tiket=t)  # pendaftaran.services
    kunjungan_dipanggil.terbitkan(tiket=t, hadir=True)  # antrean.services (hadir=False: skipped)
    kunjungan_batal.terbitkan(kunjungan=k)               # pendaftaran.services

Published inside the domain's transaction; subscribers (registered in their AppConfig.ready())
write their own outbox rows in that same transaction, so a rolled-back visit leaves no work
behind and a committed one never lacks it. Subscribers must only write rows: no HTTP, no
waiting. This replaces the function-local imports that tied pendaftaran and antrean to
bpjs_bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Peristiwa:
    def __init__(self, nama: str) -> None:
        self.nama = nama
        self._pelanggan: list[tuple[str, Callable[..., Any]]] = []

    def langganan(self, fungsi: Callable[..., Any], *, nama: str | None = None) -> None:
        """Subscribe once (a second ready() call, e.g. in tests, does not double it)."""
        kunci = nama or f"{fungsi.__module__}.{fungsi.__qualname__}"
        if all(k != kunci for k, _ in self._pelanggan):
            self._pelanggan.append((kunci, fungsi))

    def berhenti(self, nama: str) -> None:
        self._pelanggan = [(k, f) for k, f in self._pelanggan if k != nama]

    @property
    def pelanggan(self) -> list[str]:
        return [k for k, _ in self._pelanggan]

    def terbitkan(self, **data: Any) -> None:
        for _, fungsi in list(self._pelanggan):
            fungsi(**data)

    def __repr__(self) -> str:
        return f"Peristiwa({self.nama!r}, {self.pelanggan})"


kunjungan_terdaftar = Peristiwa("kunjungan_terdaftar")
kunjungan_dipanggil = Peristiwa("kunjungan_dipanggil")
kunjungan_batal = Peristiwa("kunjungan_batal")
