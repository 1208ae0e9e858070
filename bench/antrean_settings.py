"""Settings for bench/queue_latency.py's server: the app's own settings plus the SSE knobs the
benchmark varies (antrean/stream.py reads them with getattr defaults)."""

import os

from config.settings import *  # noqa: F403

ANTREAN_SSE_MAKS = int(os.environ.get("ANTREAN_SSE_MAKS", "4"))
ANTREAN_SSE_DETIK = float(os.environ.get("ANTREAN_SSE_DETIK", "30"))
