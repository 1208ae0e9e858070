"""One HTTP client per process, shared by the clients of every outside system
(satusehat/client.py, bpjs_bridge/client.py).

Their client objects are built per task or request, each with one Puskesmas' credentials. They
used to build an httpx.Client each, and that is not cheap: its transport creates an SSL context
and loads the CA bundle (about 20 ms of CPU on the 2-core VM, more than the rest of a delivery
task: bench/README.md, "SATUSEHAT and BPJS on"), and a fresh transport opens a fresh TCP (to
SATUSEHAT and BPJS, TLS) connection for every call. So they send through one httpx.Client per
process instead: the SSL context and any proxy settings from the environment are built once,
and connections are kept alive between tasks (httpx's pool is thread-safe).

What must not be shared is not: each call carries its own credentials and timeout, and the
shared client keeps no cookies (a cookie one Puskesmas' call received is never sent with
another's). A forked process (Celery's prefork pool, gunicorn's workers) builds its own: a
socket is never used on both sides of a fork.
"""

from __future__ import annotations

import http.cookiejar
import os
import threading

import httpx

# A worker talks to two or three hosts. Idle connections are dropped after 15 s, under the idle
# timeouts of common load balancers (60 s and more), so a reused connection is rarely one the
# far side has just closed; httpcore also discards an idle connection the peer has closed.
BATAS = httpx.Limits(max_connections=50, max_keepalive_connections=10, keepalive_expiry=15.0)

_kunci = threading.Lock()
_klien: httpx.Client | None = None
_pid: int | None = None


class _TanpaCookie(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False


def _buat() -> httpx.Client:
    klien = httpx.Client(limits=BATAS, follow_redirects=False)
    klien.cookies.jar.set_policy(_TanpaCookie())
    return klien


def klien(transport: httpx.BaseTransport | None, timeout: httpx.Timeout) -> httpx.Client:
    """The client an outside system's client object sends through: this process's, or with
    `transport` (tests, an in-process simulator) one of its own. Give it back with tutup()."""
    if transport is None:
        return klien_bersama()
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)


def tutup(klien: httpx.Client) -> None:
    """Close a client from klien(); the process's own stays open for the next caller."""
    if klien is not _klien:
        klien.close()


def klien_bersama() -> httpx.Client:
    """This process's client. Never close it; pass each call's timeout with the call."""
    global _klien, _pid
    pid = os.getpid()
    if _klien is None or _pid != pid:
        with _kunci:
            if _klien is None or _pid != pid:
                _klien, _pid = _buat(), pid  # a parent's client is left to the parent
    return _klien
