"""The "something changed in this Puskesmas' queues" signal behind live pages.

Every queue write bumps a per-Puskesmas version in the shared cache (Redis in production, the
file cache under `make run`, so the web server's threads and processes all see it). Pages do not
receive queue data through this channel, only the fact that it changed; they then re-fetch their
own htmx partial, which keeps the live path stateless and each page's scoping in its own view.

Beside it each unit has its own version, and the Puskesmas one more for changes that name no
unit (a patient renamed, a replayed batch): the poli panel and the API list are cached under
(that "all units" version, the unit's version), so a registration in one unit does not throw
away every other unit's cached list. The TV and the event streams show the whole Puskesmas and
keep the Puskesmas version. A bump writes the unit (or "all units") key *before* the Puskesmas
key, in one Redis transaction, so a reader that sees a new Puskesmas version also sees the unit
version that goes with it.

The version is a fresh nanosecond timestamp rather than a counter so two processes writing at
once can never produce the same value (a lost `incr` on the file cache would hide a change).

With Redis the new version is also published on one channel (`KANAL`, "<puskesmas id>:<version>"),
so the open event streams of every web process wake at once instead of each polling the cache
(antrean/stream.py). The cache key stays the truth: a stream re-reads it on every heartbeat, so a
message lost while Redis blinked delays a display by one heartbeat, never forever.

The hall TV listens to a version of its own (`versi_tv`), bumped only when what a TV shows may
have changed. It shows per unit the called ticket and the first BERIKUTNYA_TV waiting numbers,
while most registrations land further down a queue: every other write (calls, skips, transfers,
cancellations, replays, renames) moves both versions, a new ticket moves the TV's only when it
lands among those first numbers. How deep is "further down" is told by the TV itself: each time
it reads the queues it notes, per unit and under the TV version it read *before* the queue, the
queue key (antrean/urutan.py) of the last waiting number it shows (`catat_batas_tv`). A ticket
issued behind that key, while the TV version is still the noted one, cannot reach the screen:
every change since that read was either such a ticket or bumps the TV version itself (after its
commit, so a render after that bump also reads this ticket). Anything else — no note, a note
under another version, a unit showing fewer than BERIKUTNYA_TV, a cache that cannot tell — bumps.
"""

from __future__ import annotations

import time
from datetime import date

from django.core.cache import cache
from django.db import transaction

KANAL = "antrean:versi"

# How many waiting numbers the TV shows per unit ("Berikutnya", selectors.layar_tv).
BERIKUTNYA_TV = 3

# Long enough to survive a quiet night; a missing key simply reads as version "0".
_TTL = 3 * 24 * 3600
# A note of the TV's boundary outlives no long quiet spell: a missing one only costs a bump.
_TTL_BATAS = 3600


def _kunci(puskesmas_id: int) -> str:
    return f"antrean:versi:{puskesmas_id}"


def _kunci_semua(puskesmas_id: int) -> str:
    return f"antrean:versi:{puskesmas_id}:semua"


def _kunci_unit(puskesmas_id: int, unit_id: int) -> str:
    return f"antrean:versi:{puskesmas_id}:u{unit_id}"


def _kunci_tv(puskesmas_id: int) -> str:
    return f"antrean:versi-tv:{puskesmas_id}"


def _kunci_batas(puskesmas_id: int, unit_id: int, tanggal: date) -> str:
    # Per day: the TV version need not move overnight, and a note of yesterday's queue says
    # nothing about today's first ticket.
    return f"antrean:batas-tv:{puskesmas_id}:u{unit_id}:{tanggal:%Y%m%d}"


def versi(puskesmas_id: int) -> str:
    return str(cache.get(_kunci(puskesmas_id)) or "0")


def versi_tv(puskesmas_id: int) -> str:
    """The TV's version: moves on every change a hall display may show (see the module doc).
    A missing key (never written, expired, evicted) is created with a fresh value, so a quiet
    Puskesmas' TV is cached too and a version never comes back to an older value; "0" only
    when the cache cannot be read (nothing is cached under it then)."""
    k = _kunci_tv(puskesmas_id)
    v = cache.get(k)
    if v is None:
        cache.add(k, str(time.time_ns()), _TTL)
        v = cache.get(k)
    return str(v or "0")


def versi_unit(puskesmas_id: int, unit_id: int) -> tuple[str, str]:
    """(the Puskesmas version, the unit's version) in one read. The unit's version is "0" when
    the cache cannot tell (down or flushed): cache nothing under it then. A key that is merely
    missing (never written, or expired) is created with a fresh value, so a version can never
    come back to a value something was cached under before."""
    kunci = [_kunci(puskesmas_id), _kunci_semua(puskesmas_id), _kunci_unit(puskesmas_id, unit_id)]
    ada = cache.get_many(kunci)
    hilang = [k for k in kunci[1:] if k not in ada]
    if hilang:
        for k in hilang:
            cache.add(k, str(time.time_ns()), _TTL)
        ada.update(cache.get_many(hilang))
    semua, unit = ada.get(kunci[1]), ada.get(kunci[2])
    return str(ada.get(kunci[0]) or "0"), f"{semua}.{unit}" if semua and unit else "0"


def _bump(puskesmas_id: int, unit_id: int | None = None, *, tv: bool = True) -> None:
    v = str(time.time_ns())
    rinci = _kunci_semua(puskesmas_id) if unit_id is None else _kunci_unit(puskesmas_id, unit_id)
    # The finer keys first (dict order: the file cache writes one by one), atomic on Redis.
    kunci = {rinci: v}
    if tv:
        kunci[_kunci_tv(puskesmas_id)] = v
    kunci[_kunci(puskesmas_id)] = v
    cache.set_many(kunci, _TTL)
    # After the set: a stream woken by the message and re-reading the cache finds this value.
    terbitkan = getattr(cache, "terbitkan", None)  # only the Redis cache has a channel
    if terbitkan is not None:
        # One message for both: ":tv" wakes the TV streams too (antrean/stream.py).
        terbitkan(KANAL, f"{puskesmas_id}:{v}:tv" if tv else f"{puskesmas_id}:{v}")


def tandai_berubah(puskesmas_id: int, *, unit_id: int | None = None) -> None:
    """Announce a change once the surrounding transaction commits, so a page that re-fetches on
    the signal always reads the new state (and a rolled-back write announces nothing).
    `unit_id`: the one unit whose queue changed; without it every unit's lists count as
    changed (a patient's name shows in whichever queue they are in). The TV hears it too."""
    # robust: a cache that fails must never turn a committed registration into an error page.
    transaction.on_commit(lambda: _bump(puskesmas_id, unit_id), robust=True)


def tandai_tiket_baru(
    puskesmas_id: int, *, unit_id: int, tanggal: date, kunci_antre: tuple
) -> None:
    """A new waiting ticket (a registration, a transfer's next stop, a replayed entry):
    `kunci_antre` is its urutan.kunci(). Staff pages hear it as any change; the TV only when
    the ticket may land among the numbers it shows (decided after commit, see the module doc)."""
    transaction.on_commit(
        lambda: _bump(
            puskesmas_id, unit_id, tv=_tv_melihat(puskesmas_id, unit_id, tanggal, kunci_antre)
        ),
        robust=True,
    )


def _tv_melihat(puskesmas_id: int, unit_id: int, tanggal: date, kunci_antre: tuple) -> bool:
    """Whether a ticket of this day just committed with this queue key may show on a TV. True
    in doubt."""
    kv, kb = _kunci_tv(puskesmas_id), _kunci_batas(puskesmas_id, unit_id, tanggal)
    try:
        ada = cache.get_many([kv, kb])
    except Exception:  # the signal must still go out
        return True
    v, batas = ada.get(kv), ada.get(kb)
    if v is None or not isinstance(batas, tuple) or len(batas) != 2:
        return True
    versi_batas, terakhir = batas
    if str(versi_batas) != str(v) or terakhir is None:
        return True
    try:
        # Strictly behind the last number shown: equal (never seen, nomor is unique) bumps too.
        return not kunci_antre > tuple(terakhir)
    except TypeError:  # a note of another shape (an older release): bump
        return True


def catat_batas_tv(
    puskesmas_id: int, versi_dibaca: str, batas: dict[int, tuple | None], tanggal: date
) -> None:
    """Note, per unit, the queue key of the last waiting number a TV shows (None: the unit
    shows fewer than BERIKUTNYA_TV, so any new ticket is seen), as read from the queue after
    reading `versi_dibaca` (the TV version). Nothing is noted under an unknown version."""
    if versi_dibaca == "0" or not batas:
        return
    cache.set_many(
        {_kunci_batas(puskesmas_id, u, tanggal): (versi_dibaca, k) for u, k in batas.items()},
        _TTL_BATAS,
    )
