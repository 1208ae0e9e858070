"""gunicorn settings for the web service: `gunicorn config.wsgi -c config/gunicorn_conf.py`
(compose's `web`). Not named gunicorn.conf.py, which gunicorn would also read for every test and
benchmark server started from the project root.

Sized for a 2-core box by bench/registration_pgbench.py (bench/README.md, issue 15): with sync
request handling, 2, 3 or 4 processes reach the same share of PostgreSQL's own rate, while more
threads per process only add CPU per registration (the GIL: 16 ms at 4 × 2 against 11 ms at
4 × 1). Processes are what cost memory (about 100 MB PSS each), so three. The threads are not
there for registration: each TV or poli page may hold a live-update stream for a thread
(ANTREAN_SSE_MAKS), so every process keeps room for all screens. Override per host with
WEB_CONCURRENCY / GUNICORN_THREADS; a command-line flag still wins over this file.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# The workers' heartbeat files on tmpfs: on a container's overlay disk a slow write can make
# the master think a busy worker hung and kill it mid-request.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
