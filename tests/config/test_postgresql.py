"""config.postgresql: the per-request health check polls the socket instead of a SELECT 1, and
still replaces a connection PostgreSQL dropped before the request's first query fails on it."""

from __future__ import annotations

import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


@pytest.fixture(autouse=True)
def _koneksi_segar(monkeypatch):
    """Each test starts on a fresh connection with the production settings, whatever the tests
    before it did to this thread's connection, and never leaves a terminated one behind: the
    tests after it would all fail on it."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    yield
    connection.close()


def _permintaan_baru() -> int:
    """What a request does: Django's upkeep at its start, then a query (the backend's pid)."""
    close_old_connections()
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        return c.fetchone()[0]


def test_a_healthy_connection_is_reused_without_a_select_1(monkeypatch):
    pid = _permintaan_baru()
    dicek = []
    monkeypatch.setattr(connection, "is_usable", lambda: dicek.append(1) or True)
    assert [_permintaan_baru() for _ in range(3)] == [pid] * 3
    assert dicek == []


def test_a_connection_whose_backend_was_terminated_is_replaced_before_the_next_query():
    pid = _permintaan_baru()
    assert connection.health_check_enabled
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as lain:
        lain.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # Wait (without asserting a time) until the hang-up has reached our socket.
    kolam = select.poll()
    kolam.register(connection.connection.fileno(), select.POLLIN)
    for _ in range(200):
        if kolam.poll(0):
            break
        time.sleep(0.01)
    baru = _permintaan_baru()  # no error: the check saw the hang-up and reconnected
    assert baru != pid
    assert _permintaan_baru() == baru


def test_a_connection_on_a_descriptor_above_1024_is_still_checked_without_a_select_1(
    monkeypatch,
):
    """A busy worker (a hundred streams, their sockets, Redis, PostgreSQL) passes select()'s
    FD_SETSIZE of 1024; the check must still poll rather than fall back to SELECT 1."""
    import os
    import resource

    lunak, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if lunak < 1200:
        pytest.skip(f"the open-files limit ({lunak}) is below the test's 1,100 descriptors")
    pengisi = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        pid = _permintaan_baru()
        assert connection.connection.fileno() > 1024
        dicek = []
        monkeypatch.setattr(connection, "is_usable", lambda: dicek.append(1) or True)
        assert [_permintaan_baru() for _ in range(3)] == [pid] * 3
        assert dicek == []
    finally:
        connection.close()
        for fd in pengisi:
            os.close(fd)


# --- Prepared statements (DB_PREPARED, off by default) ------------------------------------------


def _disiapkan() -> list[str]:
    with connection.cursor() as c:
        c.execute("SELECT statement FROM pg_prepared_statements")
        return [s for (s,) in c.fetchall()]


def test_a_query_run_again_on_a_connection_is_planned_once_and_its_values_bound_by_the_server(
    monkeypatch,
):
    """With DB_PREPARED a request's hot query (here the loket's search by No. RM) is prepared on
    the connection from its second run; the values travel apart from the SQL, so every value
    gives the same statement and its answer is still the right row."""
    from pendaftaran.models import Pasien
    from tests.factories import PasienFactory, PuskesmasFactory

    # What config/settings.py sets with DB_PREPARED=true.
    opsi = {**connection.settings_dict["OPTIONS"], "server_side_binding": True}
    opsi["prepare_threshold"] = 2
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", opsi)
    connection.close()
    pkm = PuskesmasFactory()
    a, b = PasienFactory(puskesmas=pkm), PasienFactory(puskesmas=pkm)
    close_old_connections()
    assert connection.connection.prepare_threshold is not None
    for p in (a, b, a):
        assert Pasien.objects.get(puskesmas=pkm, no_rm=p.no_rm) == p
    siap = [s for s in _disiapkan() if '"no_rm" = $' in s]
    assert len(siap) == 1, siap
    assert a.no_rm not in siap[0] and b.no_rm not in siap[0]


def test_db_prepared_is_off_unless_asked_for_and_then_binds_on_the_server_and_prepares():
    """Off by default (a replay pays for preparing its many statement shapes; behind a pooler in
    transaction mode a prepared statement may be asked for on another server connection)."""
    import json
    import os
    import subprocess
    import sys

    kode = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    opsi = {}
    env.pop("DB_PREPARED", None)
    for nilai in ("true", None):
        keluar = subprocess.run(
            [sys.executable, "-c", kode], env={**env, "DB_PREPARED": nilai} if nilai else env,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        opsi[nilai] = json.loads(keluar.stdout.strip().splitlines()[-1])
    assert opsi["true"]["server_side_binding"] is True
    assert opsi["true"]["prepare_threshold"] == 2
    assert "server_side_binding" not in opsi[None]
    assert "prepare_threshold" not in opsi[None]
