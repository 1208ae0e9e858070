"""Name search indexes led by the Puskesmas.

The name indexes covered every patient of the deployment: a btree on `nama_cari` and a trigram
index on it. On a district server PostgreSQL intersected the Puskesmas' rows with a prefix's
rows of every Puskesmas (7,726 index entries for one search in tests/test_kinerja_tenant.py),
and took the trigram index for the later-word half, whose estimate is a handful of rows
whatever the district holds. Each search read other Puskesmas' names, and more of them with
every Puskesmas on the server.

Now both start at `puskesmas_id`:
- a btree (puskesmas_id, nama_cari varchar_pattern_ops) for "starts with";
- a trigram GIN index over (puskesmas_id, nama_cari), with btree_gin, for "a later word starts
  with". Where btree_gin cannot be created, the btree alone still bounds the search to one
  Puskesmas (a range scan of its names).

On PostgreSQL the new indexes are built CONCURRENTLY, so registrations go on while a large
table is indexed, before the old ones are dropped. SQLite (make run's demo) keeps no name
index; its LIKE is case-insensitive and could not use one anyway.
"""

import logging

from django.db import DatabaseError, migrations, models

log = logging.getLogger(__name__)

_LAMA = (
    "pendaftaran_pasien_nama_cari_be279654",
    "pendaftaran_pasien_nama_cari_be279654_like",
    "pasien_nama_trgm",
)


def _buat_indeks(schema_editor, nama: str, sql: str) -> None:
    """CREATE INDEX CONCURRENTLY that an interrupted earlier run cannot defeat: a build that
    failed leaves an INVALID index behind under the name, which IF NOT EXISTS would keep."""
    with schema_editor.connection.cursor() as c:
        c.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [nama],
        )
        ada = c.fetchone()
    if ada is not None and ada[0]:
        return
    if ada is not None:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{nama}"')
    schema_editor.execute(sql)


def buat(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _buat_indeks(
        schema_editor,
        "pasien_nama_awal_idx",
        "CREATE INDEX CONCURRENTLY pasien_nama_awal_idx ON pendaftaran_pasien "
        "(puskesmas_id, nama_cari varchar_pattern_ops)",
    )
    try:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    except DatabaseError as e:  # a managed server without it: the btree above still bounds
        log.warning("btree_gin unavailable (%s): later-word name search scans one Puskesmas", e)
    else:
        _buat_indeks(
            schema_editor,
            "pasien_nama_trgm_idx",
            "CREATE INDEX CONCURRENTLY pasien_nama_trgm_idx ON pendaftaran_pasien "
            "USING gin (puskesmas_id, nama_cari gin_trgm_ops)",
        )
    for nama in _LAMA:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{nama}"')


_KEMBALI = (
    'CREATE INDEX IF NOT EXISTS "pendaftaran_pasien_nama_cari_be279654" '
    'ON pendaftaran_pasien ("nama_cari")',
    'CREATE INDEX IF NOT EXISTS "pendaftaran_pasien_nama_cari_be279654_like" '
    'ON pendaftaran_pasien ("nama_cari" varchar_pattern_ops)',
    "CREATE INDEX IF NOT EXISTS pasien_nama_trgm ON pendaftaran_pasien "
    "USING gin (nama_cari gin_trgm_ops)",
    "DROP INDEX IF EXISTS pasien_nama_trgm_idx",
    "DROP INDEX IF EXISTS pasien_nama_awal_idx",
)


def hapus(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in _KEMBALI:
            schema_editor.execute(sql)


def hapus_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "pendaftaran_pasien_nama_cari_be279654"')


def buat_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "pendaftaran_pasien_nama_cari_be279654" '
            'ON "pendaftaran_pasien" ("nama_cari")'
        )


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("pendaftaran", "0006_indeks_tercakup")]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The database side by hand (concurrently, in this order); the state only records
            # that nama_cari has no index of its own.
            database_operations=[
                migrations.RunPython(buat, hapus),
                migrations.RunPython(hapus_sqlite, buat_sqlite),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="pasien",
                    name="nama_cari",
                    field=models.CharField(editable=False, max_length=150),
                ),
            ],
        ),
    ]
