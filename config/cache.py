"""A Redis cache that never holds up or breaks a request.

Everything the app keeps in the cache is an optimisation or a hint (the live-update version, the
BPJS breaker, schedule lookups, rendered TV fragments): losing it costs a re-fetch, never a
registration. So when Redis is down, slow or full this backend answers like an empty cache at
once instead of raising: short socket timeouts, no client-side retries (redis-py's default
retries with backoff cost ~13 s per call), and after one failure the process skips Redis for
`JEDA_MATI` seconds so each request does not pay the timeout again.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cached_property
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)

# Seconds a process leaves Redis alone after a failure.
JEDA_MATI = 5.0

_PILIHAN_BAWAAN = {
    "socket_connect_timeout": 0.25,
    "socket_timeout": 0.5,
    "retry_on_timeout": False,
    "health_check_interval": 30,
}


def _tanpa_ulang():
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Retry(NoBackoff(), 0)


class _KlienTetap(RedisCacheClient):
    """Django's client builds a new redis.Redis around its pool on every call: about 0.25 ms
    of CPU each (its __init__ copies the options and sets up retry and callbacks), two or three
    times a registration. redis.Redis is thread-safe over its pool, so one per pool serves all.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._klien: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # pools are kept for the process's life
        klien = self._klien.get(id(pool))
        if klien is None:
            klien = self._klien[id(pool)] = self._client(connection_pool=pool)
        return klien


class _Bersama:
    """What every backend instance for one Redis location shares within a process."""

    def __init__(self) -> None:
        self.klien: _KlienTetap | None = None
        self.mati_sampai = 0.0


# Django builds a backend per thread (and asgiref per context), so a backend's own attributes
# are not the process's: on gunicorn's request threads every request got a new backend, new
# pools and new TCP connections to Redis (a fifth of a web worker's CPU at a district's peak),
# and the "leave Redis alone" pause after a failure was forgotten by the next request.
_BERSAMA: dict[tuple[Any, ...], _Bersama] = {}
_BERSAMA_KUNCI = threading.Lock()


class CacheRedisTangguh(RedisCache):
    """RedisCache that fails soft: reads miss, writes are dropped, and nothing raises.

    Every instance for the same location and options shares one client (its pools) and one
    failure pause per process."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        pilihan = params.get("OPTIONS", {})
        kunci = (server, repr(sorted(pilihan.items())))
        params["OPTIONS"] = {**_PILIHAN_BAWAAN, "retry": _tanpa_ulang(), **pilihan}
        super().__init__(server, params)
        self._class = _KlienTetap
        with _BERSAMA_KUNCI:
            self._bersama = _BERSAMA.setdefault(kunci, _Bersama())

    @cached_property
    def _cache(self) -> _KlienTetap:
        bersama = self._bersama
        if bersama.klien is None:
            with _BERSAMA_KUNCI:
                if bersama.klien is None:
                    bersama.klien = self._class(self._servers, **self._options)
        return bersama.klien

    @property
    def _mati_sampai(self) -> float:
        return self._bersama.mati_sampai

    @_mati_sampai.setter
    def _mati_sampai(self, nilai: float) -> None:
        self._bersama.mati_sampai = nilai

    def _aman(self, nama: str, bawaan: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._mati_sampai:
            return bawaan
        try:
            return getattr(super(), nama)(*args, **kwargs)
        except Exception as exc:  # ConnectionError, TimeoutError, OOM "command not allowed", …
            self._mati_sampai = time.monotonic() + JEDA_MATI
            log.warning("Cache Redis tidak tersedia (%s: %s); dilewati %ss", nama, exc, JEDA_MATI)
            return bawaan

    def get(self, key, default=None, version=None):
        return self._aman("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._aman("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._aman("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._aman("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._aman("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._aman("get_many", {}, keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._aman("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._aman("delete_many", None, keys, version)

    def has_key(self, key, version=None):
        return self._aman("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError in Django's contract; with Redis down the caller's
        # fallback (set) is dropped the same way, so the signal is simply lost.
        if time.monotonic() < self._mati_sampai:
            raise ValueError(f"Key '{key}' not found (cache tidak tersedia)")
        try:
            return super().incr(key, delta, version)
        except ValueError:
            raise
        except Exception as exc:
            self._mati_sampai = time.monotonic() + JEDA_MATI
            log.warning("Cache Redis tidak tersedia (incr: %s); dilewati %ss", exc, JEDA_MATI)
            raise ValueError(f"Key '{key}' not found (cache tidak tersedia)") from exc

    def clear(self):
        return self._aman("clear", None)

    # --- Live pages' "something changed" channel (antrean/stream.py) -------------------------

    def terbitkan(self, kanal: str, pesan: str) -> None:
        """PUBLISH, failing soft like every write here: a lost message costs a TV at most one
        heartbeat (the stream re-reads the version from the cache every few seconds)."""
        if time.monotonic() < self._mati_sampai:
            return
        try:
            self._cache.get_client(write=True).publish(self.make_key(kanal), pesan)
        except Exception as exc:
            self._mati_sampai = time.monotonic() + JEDA_MATI
            log.warning("Cache Redis tidak tersedia (publish: %s); dilewati %ss", exc, JEDA_MATI)

    def langganan(self, kanal: str) -> Any:
        """A PubSub subscribed to `kanal` on its own connection (not the pool's: a subscribed
        connection can serve nothing else). Raises when Redis is down; the caller retries.
        The health check pings a quiet connection, so a Redis that hangs is noticed too."""
        import redis

        klien = redis.Redis.from_url(
            self._servers[0],
            socket_connect_timeout=0.5,
            socket_timeout=5.0,
            health_check_interval=10,
            retry=_tanpa_ulang(),
        )
        ps = klien.pubsub(ignore_subscribe_messages=True)
        ps.subscribe(self.make_key(kanal))
        return ps
