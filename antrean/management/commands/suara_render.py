"""Renders the TV's Indonesian call clips (antrean/suara.py) for every active unit: run once
after installing espeak-ng or loading units some other way than the admin."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from antrean import suara


class Command(BaseCommand):
    help = "Buat klip suara panggilan TV (espeak-ng, bahasa Indonesia) untuk semua unit aktif."

    def handle(self, *args, **options):
        if suara.espeak() is None:
            raise CommandError(
                "espeak-ng tidak terpasang (apt-get install espeak-ng). TV memakai bel dan "
                "suara peramban sampai klip dibuat."
            )
        hasil = suara.render_semua()
        gagal = [k for k, p in hasil.items() if p is None]
        self.stdout.write(f"{len(hasil) - len(gagal)} klip siap di {suara.direktori()}.")
        if gagal:
            raise CommandError(f"Gagal dibuat: {', '.join(gagal)}")
