"""Canonical name keys on every patient (pendaftaran.nama), and a unique identity key for
patients without NIK so two counters cannot create one person twice. Existing rows are filled
in; when old data already holds such a pair, only the older patient gets the key (the pair stays
for an admin to merge)."""

from django.db import migrations, models


def isi(apps, schema_editor):
    from pendaftaran.dedupe import kunci_identitas, nama_kunci

    Pasien = apps.get_model("pendaftaran", "Pasien")
    terpakai: set[tuple[int, str]] = set()
    ubah = []
    for p in Pasien.objects.order_by("pk").iterator(chunk_size=2000):
        p.nama_kunci = nama_kunci(p.nama)
        kunci = kunci_identitas(
            nama=p.nama, tanggal_lahir=p.tanggal_lahir, jenis_kelamin=p.jenis_kelamin, nik=p.nik
        )
        if kunci and (p.puskesmas_id, kunci) not in terpakai:
            terpakai.add((p.puskesmas_id, kunci))
            p.kunci_identitas = kunci
        ubah.append(p)
        if len(ubah) >= 2000:
            Pasien.objects.bulk_update(ubah, ["nama_kunci", "kunci_identitas"])
            ubah = []
    if ubah:
        Pasien.objects.bulk_update(ubah, ["nama_kunci", "kunci_identitas"])


class Migration(migrations.Migration):
    dependencies = [
        ("pendaftaran", "0004_kunjungan_sekali_per_unit_hari"),
    ]

    operations = [
        migrations.AddField(
            model_name="pasien",
            name="kunci_identitas",
            field=models.CharField(blank=True, default="", editable=False, max_length=170),
        ),
        migrations.AddField(
            model_name="pasien",
            name="nama_kunci",
            field=models.CharField(blank=True, default="", editable=False, max_length=150),
        ),
        migrations.RunPython(isi, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="pasien",
            index=models.Index(fields=["puskesmas", "nama_kunci"], name="pasien_nama_kunci_idx"),
        ),
        migrations.AddConstraint(
            model_name="pasien",
            constraint=models.UniqueConstraint(
                condition=~models.Q(kunci_identitas=""),
                fields=("puskesmas", "kunci_identitas"),
                name="pasien_identitas_unik",
            ),
        ),
    ]
