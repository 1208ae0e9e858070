"""gunicorn settings for production (docker-compose.yml) and bench/district.py:
`gunicorn -c config/gunicorn.py config.wsgi`. Figures behind each choice: bench/README.md
("Districts on one server").

- gthread workers with many threads: every TV and poli page holds one live-update stream (one
  thread, blocked on a Condition: no CPU; antrean/stream.py), so a worker needs a thread per
  screen plus a reserve for ordinary requests. ANTREAN_SSE_MAKS is derived from the threads,
  never equal to them: a worker whose threads all hold streams would queue every other request
  behind them.
- preload: the app is imported once in the master and the workers share its pages (PSS);
  `gc.freeze()` before the fork keeps the collector from touching (and so copying) them.
- max_requests recycles a worker now and then (with jitter, never all at once), so a slow leak
  cannot grow for weeks; an open stream is closed with it and its display reconnects in 1 s.
"""

from __future__ import annotations

import contextlib
import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.environ.get("WEB_CONCURRENCY", "4")))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "112"))
# Threads kept for ordinary requests whatever the streams hold (and the request pool's size).
CADANGAN = int(os.environ.get("GUNICORN_CADANGAN", "16"))
os.environ.setdefault("ANTREAN_SSE_MAKS", str(max(threads - CADANGAN, 0)))
# Ordinary requests run on this many threads per worker (config/gerbang.py), the only ones
# holding database connections; the other threads only wait there or hold streams.
os.environ.setdefault("WEB_SERENTAK_MAKS", str(CADANGAN))
preload_app = True
timeout = 60
# Open streams end within ANTREAN_SSE_DETIK (30 s): a reload or restart waits for them.
graceful_timeout = 35
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# The workers' heartbeat files on tmpfs: on a container's overlay disk a slow write can make
# the master think a busy worker hung and kill it mid-request.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def _panaskan() -> None:
    """Load in the master what every worker would otherwise load on its first requests (the URL
    tree, every template): the first requests after a start are not slow, and the pages stay
    shared between the workers."""
    from pathlib import Path

    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver()._populate()
    akar = Path(__file__).resolve().parent.parent / "templates"
    for berkas in akar.rglob("*.html"):
        # A template that fails to load here is simply loaded on first use.
        with contextlib.suppress(Exception):
            get_template(str(berkas.relative_to(akar)))


def when_ready(server: object) -> None:
    _panaskan()
    # Everything imported so far (Django, the app, templates loaded at import) moves to a
    # permanent generation the collector never scans: the workers' copies stay shared.
    gc.collect()
    gc.freeze()
