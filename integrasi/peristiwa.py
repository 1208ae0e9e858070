"""Domain events, in process: the domain says what happened, each bridge decides what that
means for its outside system.

    kunjungan_terdaftar.terbitkan(kunjungan=k, tiket=t)  # pendaftaran.services
    kunjungan_terdaftar.terbitkan_banyak([{"kunjungan": k}, …])  # downtime.replay.serentak
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
        # A subscriber's handler for many occurrences at once (terbitkan_banyak), by its key.
        self._banyak: dict[str, Callable[[list[dict[str, Any]]], Any]] = {}

    def langganan(
        self,
        fungsi: Callable[..., Any],
        *,
        nama: str | None = None,
        banyak: Callable[[list[dict[str, Any]]], Any] | None = None,
    ) -> None:
        """Subscribe once (a second ready() call, e.g. in tests, does not double it).
        `banyak`, when given, takes a whole list of occurrences (terbitkan_banyak) and must
        write what `fungsi` would write for each of them."""
        kunci = nama or f"{fungsi.__module__}.{fungsi.__qualname__}"
        if all(k != kunci for k, _ in self._pelanggan):
            self._pelanggan.append((kunci, fungsi))
        if banyak is not None:
            self._banyak[kunci] = banyak

    def berhenti(self, nama: str) -> None:
        self._pelanggan = [(k, f) for k, f in self._pelanggan if k != nama]
        self._banyak.pop(nama, None)

    @property
    def pelanggan(self) -> list[str]:
        return [k for k, _ in self._pelanggan]

    def terbitkan(self, **data: Any) -> None:
        for _, fungsi in list(self._pelanggan):
            fungsi(**data)

    def terbitkan_banyak(self, daftar: list[dict[str, Any]]) -> None:
        """Many occurrences at once (a replayed batch's visits): a subscriber with a batch
        handler gets them in one call (its rows in one statement); the others one by one."""
        if not daftar:
            return
        for kunci, fungsi in list(self._pelanggan):
            if (banyak := self._banyak.get(kunci)) is not None:
                banyak(daftar)
            else:
                for data in daftar:
                    fungsi(**data)

    def __repr__(self) -> str:
        return f"Peristiwa({self.nama!r}, {self.pelanggan})"


kunjungan_terdaftar = Peristiwa("kunjungan_terdaftar")
kunjungan_dipanggil = Peristiwa("kunjungan_dipanggil")
kunjungan_batal = Peristiwa("kunjungan_batal")
