"""Celery application. Settings come from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _prioritas_rendah(**_: object) -> None:
    """Deliveries yield the CPU to the officers: the worker (and a prefork pool's children,
    forked after this) runs at niceness WORKER_NICE, below the web server. A SATUSEHAT or BPJS row
    waits in the outbox at a peak and is sent when the peak eases; a registration, a search or
    a call is what a queue of patients waits on (bench/README.md, "SATUSEHAT and BPJS on")."""
    from django.conf import settings

    # Absolute, not a step: a worker started twice in one process (the test suite's) or
    # under an already-niced parent does not sink further. On Linux this sets the calling
    # thread's niceness; threads started after it (the worker's own) inherit it.
    target = int(getattr(settings, "WORKER_NICE", 0))
    if target > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, target)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _koneksi_basis_data(sender: object = None, **_: object) -> None:
    """A task keeps its worker's database connection as a request keeps a web thread's: until
    DB_CONN_MAX_AGE, or at once when it broke (CONN_HEALTH_CHECKS). Celery's Django fix-up would
    close it around every task unless CELERY_DB_REUSE_MAX is set (config/settings.py): a new
    PostgreSQL session per delivery, most of PostgreSQL's CPU with SATUSEHAT and BPJS on."""
    from django.db import close_old_connections

    if getattr(getattr(sender, "request", None), "is_eager", False):
        # An eager task (CELERY_TASK_ALWAYS_EAGER) runs on its caller's connection, perhaps
        # inside its transaction: closing it there would break the caller.
        return
    close_old_connections()
