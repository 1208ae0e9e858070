"""Create/refresh the app's DML-only PostgreSQL role (audit/peran_db.py). Run as the owner
(migration) role, after `migrate`:

    DATABASE_URL=postgres://pemilik:…@db/puskesmas python manage.py peran_db_app \
        --peran puskesmas_app --sandi-file /run/secrets/db_app_password
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.peran_db import peran_app_pasang


class Command(BaseCommand):
    help = "Buat/perbarui peran PostgreSQL aplikasi (hanya data; log audit hanya tambah)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--peran", default="puskesmas_app")
        parser.add_argument("--sandi-file", default="", help="berkas berisi kata sandi peran")
        parser.add_argument("--sandi-env", default="", help="variabel lingkungan berisi sandinya")

    def handle(self, *args: Any, peran: str, sandi_file: str, sandi_env: str, **o: Any) -> None:
        sandi = Path(sandi_file).read_text(encoding="utf-8").strip() if sandi_file else None
        if sandi_env:
            sandi = os.environ.get(sandi_env) or None
        try:
            semua = peran_app_pasang(peran=peran, sandi=sandi)
        except (RuntimeError, ValueError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Peran {peran}: {len(semua)} pernyataan hak akses dijalankan.")
