"""Drop single-column foreign-key indexes that a composite index already leads with.

tiket.unit_id is led by tiket_nomor_unik (unit, tanggal, nomor) and tiket_antrean_idx (unit,
tanggal, status); tiketriwayat.tiket_id by riwayat_tiket_idx (tiket, pada). Each ticket and
each log row updated them for nothing. The foreign key constraints stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("antrean", "0006_nomor_luring_kontak"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The index only: Django's AlterField would also drop and re-add (re-validate)
            # the foreign key constraint, a scan of the whole table for nothing.
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "antrean_tiket_unit_id_4c218e7c"',
                    'CREATE INDEX "antrean_tiket_unit_id_4c218e7c" ON "antrean_tiket" ("unit_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "antrean_tiketriwayat_tiket_id_f9113b01"',
                    'CREATE INDEX "antrean_tiketriwayat_tiket_id_f9113b01" ON "antrean_tiketriwayat" ("tiket_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="tiket",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tiket",
                        to="antrean.unitlayanan",
                    ),
                ),
                migrations.AlterField(
                    model_name="tiketriwayat",
                    name="tiket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="riwayat",
                        to="antrean.tiket",
                    ),
                ),
            ],
        ),
    ]
