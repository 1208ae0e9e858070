"""python manage.py downtime_mulai --alasan pemeliharaan [--loket L1] [--puskesmas KODE]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from downtime.models import AlasanDowntime
from downtime.services import DowntimeError, downtime_mulai
from puskesmas.models import Loket, Puskesmas


def puskesmas_dari(kode: str | None) -> Puskesmas:
    qs = Puskesmas.objects.all()
    if kode:
        qs = qs.filter(kode_faskes=kode)
    daftar = list(qs[:2])
    if len(daftar) != 1:
        raise CommandError(
            "Sebutkan --puskesmas <kode faskes> (tidak ditemukan atau lebih dari satu)."
        )
    return daftar[0]


class Command(BaseCommand):
    help = "Nyatakan mode downtime untuk Puskesmas atau satu loket."

    def add_arguments(self, parser):
        parser.add_argument("--puskesmas", help="kode faskes; boleh kosong bila hanya satu")
        parser.add_argument("--loket", help="kode loket, mis. L1; kosong = seluruh Puskesmas")
        parser.add_argument("--alasan", required=True, choices=AlasanDowntime.values)
        parser.add_argument("--keterangan", default="")

    def handle(self, *args, **opts):
        pkm = puskesmas_dari(opts["puskesmas"])
        loket = None
        if opts["loket"]:
            loket = Loket.objects.filter(puskesmas=pkm, kode=opts["loket"]).first()
            if loket is None:
                raise CommandError(f"Loket {opts['loket']} tidak ditemukan.")
        try:
            ep = downtime_mulai(
                puskesmas=pkm, loket=loket, alasan=opts["alasan"], keterangan=opts["keterangan"]
            )
        except DowntimeError as e:
            raise CommandError(str(e.galat)) from e
        self.stdout.write(f"Downtime aktif: episode {ep.pk} ({ep}).")
