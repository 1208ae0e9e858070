"""Which client times the server believes: the window for offline and paper entries.

A replayed entry carries the time the loket says the patient came (`dibuat_klien`, already
corrected by the page with the offset it learnt from the server). That time decides the day the
visit is filed under and its place in the queue, so it is a claim that could put a patient ahead
of people who waited since morning. It is believed only when it is plausible by the server's own
evidence:

- not in the future (beyond `MAJU_MAKS` for clock jitter) and not older than the window
  (`REPLAY_JENDELA_JAM`, default 24 h: a 12-hour power cut and a night);
- not at a moment when the server *knows* the loket was online: its heartbeat stretches
  (`KontakLoket`) cover that time, unless a declared downtime covered it (paper back-entry);
- a time on an earlier day only while the loket had no contact since then (the outage really
  ran over midnight).

A time that is not believed is never used silently: the entry is registered at the moment the
server received it (so it jumps no one and lands on today's queue), and the reason with both
times goes to the loket and to the review list. Pure rules: the ORM reads are done by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.utils import timezone

MAJU_MAKS = timedelta(minutes=2)
# A send that failed and is replayed at once: recent enough to need no further evidence.
BARU_SAJA = timedelta(minutes=5)
# Heartbeats come every 5 s, stretches are extended every 10 s: edges this close are uncertain.
KELONGGARAN = timedelta(seconds=60)


@dataclass(frozen=True)
class Rentang:
    mulai: datetime
    selesai: datetime | None  # None: still open


def jam(t: datetime) -> str:
    """dd-mm-yyyy HH.MM.SS in the Puskesmas' zone, as the officer reads clocks."""
    return timezone.localtime(t).strftime("%d-%m-%Y %H.%M.%S")


def masalah_waktu(
    *,
    t: datetime,
    sekarang: datetime,
    jendela: timedelta,
    kontak: Iterable[Rentang] = (),
    deklarasi: Iterable[Rentang] = (),
    zona: tzinfo | None = None,
) -> str:
    """Why `t` cannot be believed (an Indonesian sentence with both times), or "" when it can.

    `zona` is the zone days are counted in (default: the current one); a batch looks it up
    once, as Django's lookup of the current zone costs more than the rest of this check."""
    if t > sekarang + MAJU_MAKS:
        return (
            f"Jam entri {jam(t)} lebih dari 2 menit di depan jam server {jam(sekarang)}: "
            "jam komputer loket kemungkinan salah."
        )
    if t < sekarang - jendela:
        jam_jendela = int(jendela.total_seconds() // 3600)
        return (
            f"Jam entri {jam(t)} lebih dari {jam_jendela} jam sebelum jam server {jam(sekarang)}: "
            "jam komputer loket kemungkinan salah."
        )
    if t >= sekarang - BARU_SAJA:
        return ""
    for r in deklarasi:
        if r.mulai - KELONGGARAN <= t <= (r.selesai or sekarang) + KELONGGARAN:
            return ""
    kontak = list(kontak)
    for r in kontak:
        selesai = r.selesai or sekarang
        if r.mulai + KELONGGARAN < t < selesai - KELONGGARAN:
            return (
                f"Pada jam entri {jam(t)} loket ini tersambung ke server (kontak "
                f"{jam(r.mulai)}–{jam(selesai)}), jadi entri luring tidak dibuat saat itu; "
                f"jam server {jam(sekarang)}."
            )
    zona = zona or timezone.get_current_timezone()
    if t.astimezone(zona).date() != sekarang.astimezone(zona).date():
        awal_hari = sekarang.astimezone(zona).replace(hour=0, minute=0, second=0, microsecond=0)
        for r in kontak:
            selesai = r.selesai or sekarang
            if selesai > t + KELONGGARAN and r.mulai < sekarang - BARU_SAJA and selesai > awal_hari:
                return (
                    f"Jam entri {jam(t)} jatuh pada hari lain, padahal loket ini tersambung ke "
                    f"server sesudahnya ({jam(r.mulai)}–{jam(selesai)}); "
                    f"jam server {jam(sekarang)}."
                )
    return ""
