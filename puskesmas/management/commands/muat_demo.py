from __future__ import annotations

from django.core.management.base import BaseCommand

from puskesmas.demo import KATA_SANDI_DEMO, PENGGUNA, muat_demo


class Command(BaseCommand):
    help = "Muat data demo: satu Puskesmas, 3 loket, klaster ILP, unit layanan, petugas, pasien."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pasien", type=int, default=3000, help="jumlah pasien sintetis")

    def handle(self, *args, pasien: int, **options) -> None:
        hasil = muat_demo(jumlah_pasien=pasien)
        self.stdout.write(
            f"Data demo siap: {hasil.puskesmas} ({hasil.puskesmas.kode_faskes}), "
            f"{hasil.pasien_baru} pasien baru."
        )
        self.stdout.write(f"Akun demo (kata sandi semua: {KATA_SANDI_DEMO}):")
        for username, full, peran, _loket, _klaster in PENGGUNA:
            self.stdout.write(f"  {username:<10} {peran.label:<16} {full}")
