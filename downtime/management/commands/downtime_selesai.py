"""python manage.py downtime_selesai [--loket L1] [--penyebab ..] [--perbaikan ..]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from downtime.models import EpisodeDowntime, JenisEpisode
from downtime.services import downtime_selesai, episode_ubah
from puskesmas.models import Loket

from .downtime_mulai import puskesmas_dari


class Command(BaseCommand):
    help = "Akhiri mode downtime yang dinyatakan untuk Puskesmas atau satu loket."

    def add_arguments(self, parser):
        parser.add_argument("--puskesmas")
        parser.add_argument("--loket")
        parser.add_argument("--penyebab", default="")
        parser.add_argument("--perbaikan", default="")

    def handle(self, *args, **opts):
        pkm = puskesmas_dari(opts["puskesmas"])
        loket = None
        if opts["loket"]:
            loket = Loket.objects.filter(puskesmas=pkm, kode=opts["loket"]).first()
            if loket is None:
                raise CommandError(f"Loket {opts['loket']} tidak ditemukan.")
        ep = EpisodeDowntime.objects.filter(
            puskesmas=pkm, loket=loket, jenis=JenisEpisode.DEKLARASI, selesai__isnull=True
        ).first()
        if ep is None:
            raise CommandError("Tidak ada downtime aktif untuk cakupan itu.")
        ep = downtime_selesai(episode=ep)
        if opts["penyebab"] or opts["perbaikan"]:
            episode_ubah(
                episode=ep,
                penyebab=opts["penyebab"] or ep.penyebab,
                perbaikan=opts["perbaikan"] or ep.perbaikan,
                direspons_pada=ep.direspons_pada,
            )
        self.stdout.write(f"Downtime selesai: episode {ep.pk}, durasi {ep.durasi}.")
