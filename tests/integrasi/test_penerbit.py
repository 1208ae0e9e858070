"""The outbox's publisher (integrasi/outbox.py, Penerbit): with the broker off the request
thread, its one background thread keeps its database connection between publishes, as a
request thread does. It closed it after every publish: a new PostgreSQL session per
registration and bridge (58 sessions a second at ten districts with SATUSEHAT and BPJS on)."""

from __future__ import annotations

import pytest
from django.db import connection

from bpjs_bridge.services.dasar import PENERBIT

pytestmark = pytest.mark.django_db(transaction=True)


def _pid_penerbit() -> int:
    """The backend of the publisher thread's connection (it connects if it has none)."""

    def pid() -> int:
        from django.db import connection as milik_thread

        with milik_thread.cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            return c.fetchone()[0]

    return PENERBIT._pelaksana.submit(pid).result(10)


def test_the_publishing_thread_keeps_its_database_session(
    bpjs_settings, peserta_pasien, daftar_bpjs, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("publishing runs inline on SQLite")
    settings.BPJS_TERBIT_LATAR = True  # as in production
    daftar_bpjs(peserta_pasien("aktif", 0))
    pertama = _pid_penerbit()
    for i in range(1, 4):
        daftar_bpjs(peserta_pasien("aktif", i))
        assert _pid_penerbit() == pertama
    # A broken session is replaced at the next publish.
    with connection.cursor() as c:
        c.execute("SELECT pg_terminate_backend(%s, 5000)", [pertama])  # waits for its exit
    daftar_bpjs(peserta_pasien("aktif", 4))
    assert _pid_penerbit() != pertama
