from __future__ import annotations

from django.core.management.base import BaseCommand

from puskesmas.demo import KATA_SANDI_DEMO, PENGGUNA, muat_demo


class Command(BaseCommand):
    help = "Muat data demo: satu Puskesmas, 3 loket, klaster ILP, unit layanan, petugas, pasien."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pasien", type=int, default=3000, help="jumlah pasien sintetis")
        parser.add_argument(
            "--tanpa-satusehat",
            action="store_true",
            help="jangan sambungkan ke simulator SATUSEHAT",
        )

    def handle(self, *args, pasien: int, **options) -> None:
        hasil = muat_demo(jumlah_pasien=pasien)
        if not options["tanpa_satusehat"]:
            from satusehat.demo import siapkan_demo

            if siapkan_demo(hasil.puskesmas):  # against the simulator `make run` starts
                self.stdout.write("SATUSEHAT: dikirim ke simulator, unit dipetakan.")
        self.stdout.write(
            f"Data demo siap: {hasil.puskesmas} ({hasil.puskesmas.kode_faskes}), "
            f"{hasil.pasien_baru} pasien baru."
        )
        self.stdout.write(f"Akun demo (kata sandi semua: {KATA_SANDI_DEMO}):")
        for username, full, peran, _loket, _klaster in PENGGUNA:
            self.stdout.write(f"  {username:<10} {peran.label:<16} {full}")
