"""Live updates for the poli page, the overview and the TV: Server-Sent Events with a polling
fallback. bench/README.md has the measured latency of each path (20 displays, quiet 2-vCPU
machine: SSE p50 89 ms / p95 126 ms; 0.5 s polling p50 311 ms / p95 369 ms) and how to size
the threads.

Why both. An SSE stream answers within ~0.1 s of a change but holds one server thread for as long
as it is open; production runs gunicorn with a fixed thread pool (docker-compose: 3 workers × 32
threads) and `make run` runs Django's threaded runserver. So streams are
- capped per process (ANTREAN_SSE_MAKS, default 4): a client that finds no free slot gets 204,
  which makes EventSource stop, and the page's script polls the cheap version URL instead
  (one cache read, no database) every 0.5 s and tries the stream again a minute later;
- bounded in time (ANTREAN_SSE_DETIK, default 30 s): the thread returns to the pool and the
  browser reconnects on its own after `retry:`, so a half-open connection (a TV whose network
  dropped) never keeps a slot for long;
- free of database connections while open: they only read the version from the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from . import live

SSE_MAKS: int = getattr(settings, "ANTREAN_SSE_MAKS", 4)
SSE_DETIK: float = getattr(settings, "ANTREAN_SSE_DETIK", 30.0)
# How often an open stream looks at the version (a cache GET) and how often it proves it is
# alive; the heartbeat also lets a dead client's slot be freed (the write fails).
INTERVAL_CEK = 0.1
INTERVAL_DETAK = 5.0

_slot = threading.BoundedSemaphore(max(SSE_MAKS, 1))


class _Stream:
    """The event stream of one client. Its slot is given back exactly once: when the generator
    ends, or when the server closes the response (also if it was never iterated)."""

    def __init__(self, puskesmas_id: int, durasi: float):
        self.puskesmas_id = puskesmas_id
        self.durasi = durasi
        self._dilepas = False
        self._kunci = threading.Lock()

    def close(self) -> None:
        with self._kunci:
            if not self._dilepas:
                self._dilepas = True
                _slot.release()

    def __iter__(self) -> Iterator[str]:
        try:
            # Reconnect quickly after the bounded stream ends or the network comes back.
            yield "retry: 1000\n\n"
            terakhir = None
            detak = 0.0
            mulai = time.monotonic()
            while time.monotonic() - mulai < self.durasi:
                v = live.versi(self.puskesmas_id)
                sekarang = time.monotonic()
                if v != terakhir or sekarang - detak >= INTERVAL_DETAK:
                    yield f"event: versi\ndata: {v}\n\n"
                    terakhir, detak = v, sekarang
                time.sleep(INTERVAL_CEK)
        finally:
            self.close()


def respons_stream(puskesmas_id: int, durasi: float | None = None) -> HttpResponse:
    if SSE_MAKS <= 0 or not _slot.acquire(blocking=False):
        # 204 tells EventSource not to reconnect; the client falls back to polling.
        return HttpResponse(status=204)
    # The stream never touches the database; give the connection back now rather than hold it
    # (and a PostgreSQL backend) for the whole stream.
    if not connection.in_atomic_block:
        connection.close()
    resp = StreamingHttpResponse(
        _Stream(puskesmas_id, SSE_DETIK if durasi is None else durasi),
        content_type="text/event-stream",
    )
    resp["Cache-Control"] = "no-cache, no-store"
    resp["X-Accel-Buffering"] = "no"  # nginx: pass events through unbuffered
    return resp


def respons_versi(puskesmas_id: int) -> HttpResponse:
    resp = JsonResponse({"v": live.versi(puskesmas_id)})
    resp["Cache-Control"] = "no-store"
    return resp
