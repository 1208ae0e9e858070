"""Ordinary requests run on a small fixed set of threads per process (WEB_SERENTAK_MAKS; 0: off,
the request runs where the server put it).

config/gunicorn.py gives each worker many threads because every TV and poli page holds one
live-update stream: a blocked thread with no CPU and no database connection (antrean/stream.py).
Those threads must not run ordinary requests themselves:
- on 2 cores more requests in flight only make each one slower (the GIL and PostgreSQL share the
  cores); here the others wait their turn, blocked, in arrival order;
- Django keeps one database connection per thread: a hundred threads taking turns would each
  hold a PostgreSQL backend (more than max_connections), or with CONN_MAX_AGE=0 every request
  would pay a fresh connection (~10 ms wall on the shared box). Here only these few threads ever
  connect, and they keep their connections.
The server's thread hands the whole middleware chain and view to one of these threads and waits
for the response; a streaming body (the event stream, a CSV export) is still sent by the
server's thread afterwards, so a stream holds a worker thread only while it is set up.
Connection upkeep that Django does on request start/finish in the server's thread (CONN_MAX_AGE,
health checks after an error) is done here around each request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, set_script_prefix

_lokal = threading.local()


def di_gerbang() -> bool:
    """Whether this thread is one of the request threads (its database connection is kept)."""
    return getattr(_lokal, "di_gerbang", False)


def _tandai() -> None:
    _lokal.di_gerbang = True


class GerbangSerentakMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        maks = int(getattr(settings, "WEB_SERENTAK_MAKS", 0) or 0)
        if maks <= 0:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self._pool = ThreadPoolExecutor(
            max_workers=maks, thread_name_prefix="permintaan", initializer=_tandai
        )

    def _jalankan(self, request: HttpRequest, awalan: str) -> HttpResponse:
        set_script_prefix(awalan)
        close_old_connections()
        try:
            return self.get_response(request)
        finally:
            close_old_connections()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The request runs in the pool thread's own context, not a copy of the server
        # thread's: Django's per-thread objects (asgiref Locals: the cache backends, the active
        # translation) then live as long as the thread, as in any sync server. In a copied
        # context they were built anew for every request (a new Redis pool and TCP connection
        # each time) and thrown away with it. All that comes from before us is the script
        # prefix (set by the WSGI handler in the server's thread), passed along.
        return self._pool.submit(self._jalankan, request, get_script_prefix()).result()
