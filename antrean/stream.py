"""Live updates for the poli page, the overview and the TV: Server-Sent Events with a polling
fallback. bench/README.md has the measured latency of each path and how to size the threads.

An SSE stream answers within ~0.1 s of a change but holds one server thread for as long as it is
open (gunicorn gthread; `make run`: Django's threaded runserver). So streams are
- blocked, not polling: with Redis, one listener thread per process (`Pengumum`) subscribes to the
  channel antrean/live.py publishes each new version on after commit, and wakes only the streams
  of that Puskesmas (one Condition each). A waiting stream costs no CPU; it re-reads the version
  from the cache on its heartbeat, so a lost message delays a display by one heartbeat at most.
  Without Redis (`make run`: file cache) a stream looks at the cache every 0.1 s; with Redis
  configured but unreachable, every second, and the TV keeps working;
- capped per process (ANTREAN_SSE_MAKS; config/gunicorn.py sets it from the thread count, keeping
  threads free for ordinary requests): a client that finds no free slot gets 204, which makes
  EventSource stop, and the page's script polls the cheap version URL instead and tries the
  stream again a minute later;
- bounded in time (ANTREAN_SSE_DETIK, default 30 s, ±20% per stream): the thread returns to the
  pool and the browser reconnects on its own after `retry:`, so a half-open connection (a TV
  whose network dropped) never keeps a slot for long;
- free of database connections while open: they only read the version from the cache.

Staff pages follow the Puskesmas version (every change); the hall TV its own (live.versi_tv,
which a registration further down a queue than the TV shows does not move). One message on the
channel carries both ("<id>:<version>:tv" when the TV's moved too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from config import gerbang

from . import live

log = logging.getLogger(__name__)

SSE_MAKS: int = getattr(settings, "ANTREAN_SSE_MAKS", 4)
SSE_DETIK: float = getattr(settings, "ANTREAN_SSE_DETIK", 30.0)
# How often a stream proves it is alive (and re-reads the version: the catch-all for a lost
# message); live.js drops a stream silent for 15 s. A failed write also frees a dead client's slot.
INTERVAL_DETAK = 5.0
# Polling the cache when there is no channel: the file cache (cheap, few screens) and a Redis
# that is down (slower, so an outage does not turn every stream into a busy loop).
INTERVAL_CEK = 0.1
INTERVAL_CEK_CADANGAN = 1.0
# The listener's pace of retrying a Redis that is down.
JEDA_SAMBUNG_ULANG = 2.0

_slot = threading.BoundedSemaphore(max(SSE_MAKS, 1))


class Pengumum:
    """One per process: listens on the Redis channel and wakes the streams of the Puskesmas whose
    version changed. Started lazily by the first stream in each process (after gunicorn's fork:
    a thread started in the master would not exist in the workers)."""

    def __init__(self) -> None:
        self._kunci = threading.Lock()
        # Keyed by Puskesmas id, and "tv<id>" for the hall TV's own version (live.versi_tv).
        self._kond: dict[int | str, threading.Condition] = {}
        self._versi: dict[int | str, int] = {}
        self._hidup = False
        self._pid: int | None = None

    def hidup(self) -> bool:
        """Whether waiting on the channel is trusted now (else streams poll the cache)."""
        self._mulai()
        return self._hidup

    def _mulai(self) -> None:
        if self._pid == os.getpid() or not hasattr(cache, "langganan"):
            return
        with self._kunci:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._hidup = False
            threading.Thread(target=self._dengar, name="antrean-pengumum", daemon=True).start()

    def _kondisi(self, puskesmas_id: int | str) -> threading.Condition:
        kond = self._kond.get(puskesmas_id)
        if kond is None:
            with self._kunci:
                kond = self._kond.setdefault(puskesmas_id, threading.Condition())
        return kond

    def _bangunkan_semua(self) -> None:
        for kond in list(self._kond.values()):
            with kond:
                kond.notify_all()

    def terima(self, pesan: bytes | str) -> None:
        teks = pesan.decode() if isinstance(pesan, bytes) else pesan
        pkm, _, v = teks.partition(":")
        v, _, tanda = v.partition(":")
        if pkm.isdigit():
            self.catat(int(pkm), v)
            if tanda == "tv":  # the TV's version moved with it (live._bump)
                self.catat(f"tv{pkm}", v)

    def catat(self, puskesmas_id: int | str, v: str) -> str:
        """Note a version seen (published, or read from the cache on a heartbeat); returns the
        newest known. Two writers may publish out of order: a version never goes back, so a
        stream never flips between an older and a newer value."""
        kond = self._kondisi(puskesmas_id)
        with kond:
            lama = self._versi.get(puskesmas_id, 0)
            if v.isdigit() and int(v) > lama:
                self._versi[puskesmas_id] = int(v)
                kond.notify_all()
                return v
            return str(lama) if lama else v

    def _dengar(self) -> None:
        while True:
            ps = None
            try:
                ps = cache.langganan(live.KANAL)  # type: ignore[attr-defined]
                # The SUBSCRIBE confirmation: from here on no publication is missed.
                ps.get_message(timeout=JEDA_SAMBUNG_ULANG, ignore_subscribe_messages=False)
                self._hidup = True
                log.info("Saluran antrean tersambung")
                while True:
                    m = ps.get_message(timeout=1.0)
                    if m is not None and m.get("type") == "message":
                        self.terima(m["data"])
            except Exception as exc:  # Redis down, reset, or hung (the health check times out)
                if self._hidup:
                    log.warning("Saluran antrean terputus (%s); layar memakai polling", exc)
                self._hidup = False
                self._bangunkan_semua()  # waiting streams switch to polling now
            finally:
                if ps is not None:
                    with contextlib.suppress(Exception):
                        ps.close()
            time.sleep(JEDA_SAMBUNG_ULANG)

    def tunggu(self, puskesmas_id: int | str, terakhir: str, batas: float) -> str | None:
        """Block up to `batas` s for a version of this Puskesmas other than `terakhir`; that
        version, or None on timeout (or when the channel went down)."""
        kond = self._kondisi(puskesmas_id)
        with kond:
            v = self._versi.get(puskesmas_id)
            if v is None or str(v) == terakhir:
                kond.wait(batas)
                v = self._versi.get(puskesmas_id)
        return str(v) if v is not None and str(v) != terakhir else None


pengumum = Pengumum()


def _acara(v: str) -> str:
    return f"event: versi\ndata: {v}\n\n"


class _Stream:
    """The event stream of one client. Its slot is given back exactly once: when the generator
    ends, or when the server closes the response (also if it was never iterated)."""

    def __init__(self, puskesmas_id: int, durasi: float, *, tv: bool = False):
        self.puskesmas_id = puskesmas_id
        self.durasi = durasi
        # The TV follows its own version (live.versi_tv), the staff pages every change.
        self._baca = live.versi_tv if tv else live.versi
        self._saluran: int | str = f"tv{puskesmas_id}" if tv else puskesmas_id
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
            akhir = time.monotonic() + self.durasi
            terakhir = self._baca(self.puskesmas_id)
            yield _acara(terakhir)
            detak = time.monotonic()
            while (sekarang := time.monotonic()) < akhir:
                batas = max(0.0, min(detak + INTERVAL_DETAK, akhir) - sekarang)
                if pengumum.hidup():
                    v = pengumum.tunggu(self._saluran, terakhir, batas)
                else:
                    jeda = INTERVAL_CEK_CADANGAN if hasattr(cache, "langganan") else INTERVAL_CEK
                    time.sleep(min(jeda, batas))
                    v = self._baca(self.puskesmas_id)
                if v is None or v == terakhir:
                    if time.monotonic() - detak < INTERVAL_DETAK:
                        continue
                    # The heartbeat carries the cache's version: whatever a lost message hid.
                    v = self._baca(self.puskesmas_id)
                    if pengumum.hidup():
                        v = pengumum.catat(self._saluran, v)
                if time.monotonic() >= akhir and v == terakhir:
                    break
                yield _acara(v)
                terakhir, detak = v, time.monotonic()
        finally:
            self.close()


def slot_bebas() -> int:
    """Stream slots free in this process now. A client that went away keeps its slot until the
    next heartbeat write fails (INTERVAL_DETAK), so a burst of closed pages frees them late."""
    return _slot._value


def respons_stream(
    puskesmas_id: int, durasi: float | None = None, *, tv: bool = False
) -> HttpResponse:
    """The event stream of a staff page (every change), or with `tv` of a hall display (the
    changes a TV shows, live.versi_tv)."""
    if SSE_MAKS <= 0 or not _slot.acquire(blocking=False):
        # 204 tells EventSource not to reconnect; the client falls back to polling.
        return HttpResponse(status=204)
    # The stream never touches the database; give the connection back now rather than hold it
    # (and a PostgreSQL backend) for the whole stream. Behind config/gerbang.py this thread only
    # sets the stream up (the body is sent by another) and keeps its connection for the next.
    if not connection.in_atomic_block and not gerbang.di_gerbang():
        connection.close()
    if durasi is None:
        # Each stream lives 80–120% of ANTREAN_SSE_DETIK: displays that connected together (a
        # server restart, the LAN back) would otherwise all reconnect in the same second, every
        # lifetime, for the rest of the day.
        durasi = SSE_DETIK * random.uniform(0.8, 1.2)
    resp = StreamingHttpResponse(
        _Stream(puskesmas_id, durasi, tv=tv),
        content_type="text/event-stream",
    )
    resp["Cache-Control"] = "no-cache, no-store"
    resp["X-Accel-Buffering"] = "no"  # nginx: pass events through unbuffered
    return resp


def respons_versi(puskesmas_id: int, *, tv: bool = False) -> HttpResponse:
    resp = JsonResponse({"v": (live.versi_tv if tv else live.versi)(puskesmas_id)})
    resp["Cache-Control"] = "no-store"
    return resp
