"""Export everything held about one patient as JSON, for a request under UU 27/2022.

    python manage.py ekspor_pasien --puskesmas 0114U163 --no-rm 000123 [--output berkas.json]

The export is recorded in the audit log. The admin has the same export under
Log audit → "Ekspor data satu pasien"."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.ekspor import ekspor_pasien_json


class Command(BaseCommand):
    help = "Ekspor semua data satu pasien (JSON) atas permintaan pasien; tercatat di log audit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--puskesmas", required=True, help="kode faskes BPJS Puskesmas")
        parser.add_argument("--no-rm", required=True, dest="no_rm", help="No. RM pasien")
        parser.add_argument("--output", "-o", help="berkas tujuan (bawaan: stdout)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from pendaftaran.models import Pasien

        pasien = (
            Pasien.objects.select_related("puskesmas")
            .filter(puskesmas__kode_faskes=opts["puskesmas"], no_rm=opts["no_rm"])
            .first()
        )
        if pasien is None:
            raise CommandError(
                f"Pasien dengan No. RM {opts['no_rm']} tidak ada di Puskesmas {opts['puskesmas']}."
            )
        try:
            operator = getpass.getuser()
        except Exception:  # no login name in some containers
            operator = "?"
        teks = ekspor_pasien_json(
            pasien=pasien, keterangan=f"manage.py ekspor_pasien oleh {operator}"
        )
        if opts.get("output"):
            Path(opts["output"]).write_text(teks, encoding="utf-8")
            self.stderr.write(f"Ditulis ke {opts['output']}")
        else:
            self.stdout.write(teks)
