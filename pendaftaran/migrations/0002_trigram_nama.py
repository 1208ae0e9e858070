"""On PostgreSQL, a trigram index makes "name contains" searches an index scan (p95 well under
100 ms with 100,000 patients, see bench/registration.py). SQLite has no such index; the demo
sizes there are small enough for a scan."""

from django.db import migrations


def buat(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS pasien_nama_trgm ON pendaftaran_pasien "
        "USING gin (nama_cari gin_trgm_ops)"
    )


def hapus(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pasien_nama_trgm")


class Migration(migrations.Migration):
    dependencies = [("pendaftaran", "0001_initial")]
    operations = [migrations.RunPython(buat, hapus)]
