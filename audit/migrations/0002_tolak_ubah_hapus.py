"""Database-level append-only: a trigger refuses UPDATE and DELETE on the audit table.

PostgreSQL refuses both (TRUNCATE, used by a DBA's retention purge and by test teardown, stays
possible). SQLite refuses UPDATE only: Django's test flush on SQLite empties tables with DELETE.
"""

from django.db import migrations

# One statement per execute(): drivers refuse several in one prepared statement.
PG_BUAT = [
    """CREATE OR REPLACE FUNCTION audit_tolak_ubah() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit_auditlog hanya bisa ditambah (append-only)';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_tolak_ubah BEFORE UPDATE OR DELETE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_tolak_ubah()""",
]
PG_HAPUS = [
    "DROP TRIGGER IF EXISTS audit_tolak_ubah ON audit_auditlog",
    "DROP FUNCTION IF EXISTS audit_tolak_ubah()",
]
SQLITE_BUAT = [
    """CREATE TRIGGER audit_tolak_ubah BEFORE UPDATE ON audit_auditlog
    BEGIN SELECT RAISE(ABORT, 'audit_auditlog hanya bisa ditambah (append-only)'); END""",
]
SQLITE_HAPUS = ["DROP TRIGGER IF EXISTS audit_tolak_ubah"]


def _jalankan(sql: dict[str, list[str]]):
    def run(apps, schema_editor):
        for perintah in sql.get(schema_editor.connection.vendor, []):
            schema_editor.execute(perintah, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _jalankan({"postgresql": PG_BUAT, "sqlite": SQLITE_BUAT}),
            _jalankan({"postgresql": PG_HAPUS, "sqlite": SQLITE_HAPUS}),
        ),
    ]
