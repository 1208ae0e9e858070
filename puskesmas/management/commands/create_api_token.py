"""`python manage.py create_api_token <username> [--nama ...]`: a bearer token for an integrator.

The token is printed once and stored only as its SHA-256, so it cannot be shown again; an
admin who loses it revokes it and makes a new one (`--cabut <prefix>` or the admin page).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from puskesmas.models import ApiToken, Petugas
from puskesmas.services import api_token_buat, api_token_cabut


class Command(BaseCommand):
    help = "Buat token API (Bearer) untuk seorang petugas. Token hanya ditampilkan sekali."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="username akun petugas")
        parser.add_argument("--nama", default="", help="keterangan token, mis. 'SIMRS Dinkes'")
        parser.add_argument(
            "--cabut",
            metavar="PREFIX",
            default="",
            help="cabut token milik pengguna ini yang berawalan PREFIX, alih-alih membuat baru",
        )

    def handle(self, *args, username: str, nama: str, cabut: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Pengguna '{username}' tidak ditemukan.")
        if not user.is_active:
            raise CommandError(f"Pengguna '{username}' tidak aktif; aktifkan dulu di admin.")
        petugas = Petugas.objects.filter(user=user).select_related("puskesmas").first()
        if petugas is None:
            raise CommandError(
                f"Pengguna '{username}' belum terdaftar sebagai petugas Puskesmas; "
                "tambahkan di admin (Petugas) dulu."
            )
        if cabut:
            self._cabut(user, username, cabut)
            return

        token, raw = api_token_buat(user=user, nama=nama[:100])
        self.stdout.write(
            f"Token API untuk {username} ({petugas.get_peran_display()}, {petugas.puskesmas}):"
        )
        self.stdout.write(raw)
        self.stdout.write(
            "Simpan sekarang: token ini tidak dapat ditampilkan lagi. Pakai sebagai header\n"
            "  Authorization: Bearer <token>\n"
            f"Untuk mencabut: python manage.py create_api_token {username} "
            f"--cabut {token.prefix}\n"
            "atau isi 'dicabut pada' di halaman admin (Token API)."
        )

    def _cabut(self, user, username: str, prefix: str) -> None:
        token = (
            ApiToken.objects.filter(user=user, prefix=prefix, dicabut_pada__isnull=True)
            .order_by("-dibuat_pada")
            .first()
        )
        if token is None:
            raise CommandError(f"Tidak ada token aktif berawalan '{prefix}' milik '{username}'.")
        api_token_cabut(token=token)
        self.stdout.write(f"Token {prefix}… milik {username} dicabut.")
