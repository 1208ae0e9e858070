"""The "something changed in this Puskesmas' queues" signal behind live pages.

Every queue write bumps a per-Puskesmas version in the shared cache (Redis in production, the
file cache under `make run`, so the web server's threads and processes all see it). Pages do not
receive queue data through this channel, only the fact that it changed; they then re-fetch their
own htmx partial, which keeps the live path stateless and each page's scoping in its own view.

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


def versi(puskesmas_id: int) -> str:
    return str(cache.get(_kunci(puskesmas_id)) or "0")


def _bump(puskesmas_id: int) -> None:
    v = str(time.time_ns())
    cache.set(_kunci(puskesmas_id), v, _TTL)
    # After the set: a stream woken by the message and re-reading the cache finds this value.
    terbitkan = getattr(cache, "terbitkan", None)  # only the Redis cache has a channel
    if terbitkan is not None:
        terbitkan(KANAL, f"{puskesmas_id}:{v}")


def tandai_berubah(puskesmas_id: int) -> None:
    """Announce a change once the surrounding transaction commits, so a page that re-fetches on
    the signal always reads the new state (and a rolled-back write announces nothing)."""
    # robust: a cache that fails must never turn a committed registration into an error page.
    transaction.on_commit(lambda: _bump(puskesmas_id), robust=True)
