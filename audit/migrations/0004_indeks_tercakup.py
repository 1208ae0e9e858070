"""Four of the audit log's ten indexes that every audit row updated and no query needs.

- puskesmas_id: audit_pkm_waktu (puskesmas, -waktu) leads with it.
- objek_id and its LIKE twin: every lookup names objek_tipe too (the print count, the patient
  export), which audit_objek (objek_tipe, objek_id) serves.
- aksi's LIKE twin (varchar_pattern_ops): aksi is a choice, only ever compared whole; the plain
  index stays, now named audit_aksi.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# SQLite alters a column by rebuilding the table, which drops its triggers: the append-only
# trigger of 0002 is put back after the rebuilds below, in both directions.
SQLITE_TRIGGER = [
    "DROP TRIGGER IF EXISTS audit_tolak_ubah",
    """CREATE TRIGGER audit_tolak_ubah BEFORE UPDATE ON audit_auditlog
    BEGIN SELECT RAISE(ABORT, 'audit_auditlog hanya bisa ditambah (append-only)'); END""",
]


def _pasang_trigger_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for perintah in SQLITE_TRIGGER:
            schema_editor.execute(perintah, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_aksi_integrasi_ubah"),
        ("puskesmas", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Backwards this runs last, after the rebuilds have dropped the trigger again.
        migrations.RunPython(migrations.RunPython.noop, _pasang_trigger_sqlite),
        migrations.AlterField(
            model_name="auditlog",
            name="aksi",
            field=models.CharField(
                choices=[
                    ("masuk", "Masuk"),
                    ("keluar", "Keluar"),
                    ("keluar_idle", "Keluar otomatis (tidak aktif)"),
                    ("masuk_gagal", "Gagal masuk"),
                    ("terkunci", "Akun terkunci (terlalu banyak gagal)"),
                    ("pasien_lihat", "Data pasien dibuka"),
                    ("pasien_buat", "Pasien baru"),
                    ("pasien_ubah", "Data pasien diubah"),
                    ("pasien_gabung", "Data pasien digabung"),
                    ("pasien_ekspor", "Data pasien diekspor"),
                    ("kunjungan_buat", "Kunjungan didaftarkan"),
                    ("kunjungan_batal", "Kunjungan dibatalkan"),
                    ("konflik_selesai", "Konflik replay diselesaikan"),
                    ("downtime_ubah", "Mode downtime diubah"),
                    ("laporan_ekspor", "Laporan diekspor"),
                    ("bpjs_worklist", "Tindakan worklist BPJS"),
                    ("token_buat", "Token API dibuat"),
                    ("token_cabut", "Token API dicabut"),
                    ("audit_ekspor", "Log audit diekspor"),
                    ("integrasi_ubah", "Pengaturan integrasi diubah"),
                ],
                max_length=30,
                verbose_name="aksi",
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="objek_id",
            field=models.CharField(blank=True, max_length=40, verbose_name="ID objek"),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="puskesmas",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="puskesmas.puskesmas",
            ),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["aksi"], name="audit_aksi"),
        ),
        migrations.RunPython(_pasang_trigger_sqlite, migrations.RunPython.noop),
    ]
