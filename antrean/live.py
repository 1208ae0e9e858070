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
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

KANAL = "antrean:versi"

# Long enough to survive a quiet night; a missing key simply reads as version "0".
_TTL = 3 * 24 * 3600


def _kunci(puskesmas_id: int) -> str:
    return f"antrean:versi:{puskesmas_id}"


def _kunci_semua(puskesmas_id: int) -> str:
    return f"antrean:versi:{puskesmas_id}:semua"


def _kunci_unit(puskesmas_id: int, unit_id: int) -> str:
    return f"antrean:versi:{puskesmas_id}:u{unit_id}"


def versi(puskesmas_id: int) -> str:
    return str(cache.get(_kunci(puskesmas_id)) or "0")


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


def _bump(puskesmas_id: int, unit_id: int | None = None) -> None:
    v = str(time.time_ns())
    rinci = _kunci_semua(puskesmas_id) if unit_id is None else _kunci_unit(puskesmas_id, unit_id)
    # The finer key first (dict order: the file cache writes one by one), atomic on Redis.
    cache.set_many({rinci: v, _kunci(puskesmas_id): v}, _TTL)
    # After the set: a stream woken by the message and re-reading the cache finds this value.
    terbitkan = getattr(cache, "terbitkan", None)  # only the Redis cache has a channel
    if terbitkan is not None:
        terbitkan(KANAL, f"{puskesmas_id}:{v}")


def tandai_berubah(puskesmas_id: int, *, unit_id: int | None = None) -> None:
    """Announce a change once the surrounding transaction commits, so a page that re-fetches on
    the signal always reads the new state (and a rolled-back write announces nothing).
    `unit_id`: the one unit whose queue changed; without it every unit's lists count as
    changed (a patient's name shows in whichever queue they are in)."""
    # robust: a cache that fails must never turn a committed registration into an error page.
    transaction.on_commit(lambda: _bump(puskesmas_id, unit_id), robust=True)
