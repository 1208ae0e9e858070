"""Drop single-column foreign-key indexes that a composite index already leads with.

Every visit and patient insert updated them for nothing: kunjungan.puskesmas_id is led by
kunjungan_tanggal_idx (puskesmas, tanggal), kunjungan.loket_id by kunjungan_loket_idx
(loket, tanggal), pasien.puskesmas_id by pasien_rm_unik (puskesmas, no_rm). A lookup (or the
delete collector's, or PostgreSQL's RI check) on the column alone uses the composite's leading
column. The foreign key constraints stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pendaftaran", "0005_kunci_nama_dan_identitas"),
        ("puskesmas", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The index only: Django's AlterField would also drop and re-add (re-validate)
            # the foreign key constraint, a scan of the whole table for nothing.
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "pendaftaran_kunjungan_loket_id_e73be593"',
                    'CREATE INDEX "pendaftaran_kunjungan_loket_id_e73be593" ON "pendaftaran_kunjungan" ("loket_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "pendaftaran_kunjungan_puskesmas_id_f5fca5b8"',
                    'CREATE INDEX "pendaftaran_kunjungan_puskesmas_id_f5fca5b8" ON "pendaftaran_kunjungan" ("puskesmas_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "pendaftaran_pasien_puskesmas_id_730e4160"',
                    'CREATE INDEX "pendaftaran_pasien_puskesmas_id_730e4160" ON "pendaftaran_pasien" ("puskesmas_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="kunjungan",
                    name="loket",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="puskesmas.loket",
                    ),
                ),
                migrations.AlterField(
                    model_name="kunjungan",
                    name="puskesmas",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="kunjungan",
                        to="puskesmas.puskesmas",
                    ),
                ),
                migrations.AlterField(
                    model_name="pasien",
                    name="puskesmas",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pasien",
                        to="puskesmas.puskesmas",
                    ),
                ),
            ],
        ),
    ]
