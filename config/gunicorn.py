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
# One worker per core plus one: each runs Python under its own GIL, and the extra one fills a
# core while another waits on PostgreSQL. On 2 cores at ten districts (bench/README.md,
# 2026-12-01 21:00) 3 workers served as much as 4 (153 vs 159 requests/s, within a run's
# noise) in 57 MB less (369 MB PSS with Celery, under the 400 MB goal), 2 workers 149/s.
workers = int(
    os.environ.get("GUNICORN_WORKERS", os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
)
worker_class = "gthread"
# Enough stream slots (threads − CADANGAN) in each worker for every screen of the box, since
# gunicorn does not spread streams evenly: 3 × 142 for ten districts' 300 TVs.
threads = int(os.environ.get("GUNICORN_THREADS", "150"))
# Threads kept for ordinary requests whatever the streams hold (and the request pool's size).
# 8, not 16: no loket or poli request waits on an outside system (the BPJS eligibility check
# at the counter runs in Celery; only an admin's "Uji koneksi" and the PCare poli mapping call
# out, bounded by BPJS_TIMEOUT), and fewer request threads contending for a worker's GIL cost
# 12% less CPU a request at ten districts (13.0 → 11.4 ms; 15% with 4 in an earlier run).
CADANGAN = int(os.environ.get("GUNICORN_CADANGAN", "8"))
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
