"""The application's own PostgreSQL role: data only (SELECT/INSERT/UPDATE/DELETE), never the
schema, and on the audit log only SELECT and INSERT.

The app connects as this role; migrations run as the owner. So a bug, an injection or a
stolen app password cannot TRUNCATE, disable the audit trigger, set
`session_replication_role = replica` (superuser only) or alter a table: the audit log stays
append-only against the app's own database account, not just against the app's code.
Used by `manage.py peran_db_app` (run as the owner after `migrate`) and by the tests.
"""

from __future__ import annotations

import re

from django.db import connection

_NAMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TABEL_APPEND_ONLY = ("audit_auditlog",)


def pernyataan(*, peran: str, pemilik: str, database: str) -> list[str]:
    """The GRANT statements, for the role `peran` (which must exist), tables owned by
    `pemilik`. Safe to run again (after every migrate)."""
    for nama in (peran, pemilik):
        if not _NAMA.match(nama):
            raise ValueError(f"Nama peran PostgreSQL tidak valid: {nama!r}")
    q = connection.ops.quote_name
    p, o, db = q(peran), q(pemilik), q(database)
    dml = "SELECT, INSERT, UPDATE, DELETE"
    hasil = [
        f"ALTER ROLE {p} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {p}",
        f"GRANT USAGE ON SCHEMA public TO {p}",
        f"REVOKE CREATE ON SCHEMA public FROM {p}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {p}",
        f"GRANT {dml} ON ALL TABLES IN SCHEMA public TO {p}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {p}",
        # Tables a later migration creates get the same rights without a rerun.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT {dml} ON TABLES TO {p}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {p}",
    ]
    hasil += [f"REVOKE UPDATE, DELETE, TRUNCATE ON {q(t)} FROM {p}" for t in TABEL_APPEND_ONLY]
    return hasil


def peran_app_pasang(*, peran: str, sandi: str | None = None) -> list[str]:
    """Create `peran` if missing (LOGIN, with `sandi`), and grant it the data rights. Run as
    the owner of the tables (the migration role)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Peran database terpisah hanya untuk PostgreSQL.")
    with connection.cursor() as c:
        c.execute("SELECT current_user, current_database()")
        pemilik, database = c.fetchone()
        c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [peran])
        if c.fetchone() is None and _NAMA.match(peran):
            c.execute(f"CREATE ROLE {connection.ops.quote_name(peran)} LOGIN")
        if sandi:
            c.execute(f"ALTER ROLE {connection.ops.quote_name(peran)} PASSWORD %s", [sandi])
        semua = pernyataan(peran=peran, pemilik=pemilik, database=database)
        for sql in semua:
            c.execute(sql)
    return semua
