# Issue 15: fewer indexes for the replay's bulk inserts into EntriReplay. The single-column
# indexes of puskesmas and episode duplicate the leading columns of entri_status_idx and
# entri_episode_idx; kunjungan_dipertahankan is set on duplicates only, so it is indexed where
# set. The AlterFields change Django's state only: as generated they would drop and re-add
# each foreign key (a scan of the table to validate it) just to drop an index.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('downtime', '0002_nomor_luring_kontak'),
        ('pendaftaran', '0005_kunci_nama_dan_identitas'),
        ('puskesmas', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='entrireplay',
                    name='episode',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='entri', to='downtime.episodedowntime'),
                ),
                migrations.AlterField(
                    model_name='entrireplay',
                    name='kunjungan_dipertahankan',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pendaftaran.kunjungan'),
                ),
                migrations.AlterField(
                    model_name='entrireplay',
                    name='puskesmas',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='puskesmas.puskesmas'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "downtime_entrireplay_puskesmas_id_5f01f471";'
                    'DROP INDEX IF EXISTS "downtime_entrireplay_episode_id_f30a9aa1";'
                    'DROP INDEX IF EXISTS "downtime_entrireplay_kunjungan_dipertahankan_id_576064ba";',
                    reverse_sql='CREATE INDEX "downtime_entrireplay_puskesmas_id_5f01f471" '
                    'ON "downtime_entrireplay" ("puskesmas_id");'
                    'CREATE INDEX "downtime_entrireplay_episode_id_f30a9aa1" '
                    'ON "downtime_entrireplay" ("episode_id");'
                    'CREATE INDEX "downtime_entrireplay_kunjungan_dipertahankan_id_576064ba" '
                    'ON "downtime_entrireplay" ("kunjungan_dipertahankan_id");',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='entrireplay',
            index=models.Index(condition=models.Q(('kunjungan_dipertahankan__isnull', False)), fields=['kunjungan_dipertahankan'], name='entri_dipertahankan_idx'),
        ),
    ]
