"""The TV's voice, made on the server: short Indonesian clips (digits, letters, "nomor antrean",
"silakan menuju", each unit's name) rendered with espeak-ng's Indonesian voice, so a TV box
without an Indonesian speechSynthesis voice (most cheap Android TV boxes) still calls numbers.

Clips are content-addressed (file name = hash of voice + text): renaming a unit renders a new
file and the TV's cache never plays a stale name. Without espeak-ng nothing is rendered and the
TV falls back to the chime (and the browser's own voice where it has an Indonesian one).
static/js/antrean/suara.mjs turns a call into the same clip keys, in speaking order."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from puskesmas.models import Puskesmas

from .models import UnitLayanan

log = logging.getLogger(__name__)

SUARA = "id"  # espeak-ng's Indonesian voice
KECEPATAN = "140"  # words per minute: slower than the default 175, for a hall

FRASA = {"nomor_antrean": "nomor antrean", "silakan_menuju": "silakan menuju"}
# Letters as Indonesians say them; espeak reads a bare "Q" in English otherwise.
HURUF = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            "a",
            "be",
            "ce",
            "de",
            "e",
            "ef",
            "ge",
            "ha",
            "i",
            "je",
            "ka",
            "el",
            "em",
            "en",
            "o",
            "pe",
            "ki",
            "er",
            "es",
            "te",
            "u",
            "ve",
            "we",
            "eks",
            "ye",
            "zet",
        ],
        strict=True,
    )
)
# Every word terbilang.mjs can produce for a queue number.
KATA = [
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
    "belas",
    "puluh",
    "seratus",
    "ratus",
    "seribu",
    "ribu",
    "juta",
]


def direktori() -> Path:
    return Path(settings.SUARA_DIR)


def espeak() -> str | None:
    return shutil.which(getattr(settings, "SUARA_ESPEAK", "espeak-ng"))


def nama_berkas(teks: str) -> str:
    return hashlib.sha256(f"{SUARA}|{KECEPATAN}|{teks}".encode()).hexdigest()[:20] + ".wav"


def teks_tetap() -> dict[str, str]:
    """The clips every Puskesmas shares: phrases, letters, number words."""
    teks = {f"frasa:{k}": v for k, v in FRASA.items()}
    teks.update({f"huruf:{h}": v for h, v in HURUF.items()})
    teks.update({f"kata:{k}": k for k in KATA})
    return teks


def teks_unit(units: Iterable[UnitLayanan]) -> dict[str, str]:
    return {f"unit:{u.pk}": u.nama for u in units}


def render(teks: str) -> Path | None:
    """The clip for `teks`, rendered now if it is missing; None without espeak-ng."""
    tujuan = direktori() / nama_berkas(teks)
    if tujuan.exists():
        return tujuan
    program = espeak()
    if program is None:
        return None
    tujuan.parent.mkdir(parents=True, exist_ok=True)
    # Several TVs may ask at once: each renders to its own temporary name.
    sementara = tujuan.with_name(f"{tujuan.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        subprocess.run(
            [program, "-v", SUARA, "-s", KECEPATAN, "-w", str(sementara), teks],
            check=True,
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("espeak-ng gagal untuk %r: %s", teks, e)
        sementara.unlink(missing_ok=True)
        return None
    sementara.replace(tujuan)  # atomic: a TV never fetches half a file
    return tujuan


def render_unit(unit: UnitLayanan) -> Path | None:
    return render(unit.nama)


def render_semua(puskesmas: Puskesmas | None = None) -> dict[str, Path | None]:
    units = UnitLayanan.objects.filter(aktif=True)
    if puskesmas is not None:
        units = units.filter(puskesmas=puskesmas)
    teks = {**teks_tetap(), **teks_unit(units)}
    return {kunci: render(t) for kunci, t in teks.items()}


def daftar_klip(puskesmas: Puskesmas) -> dict[str, str]:
    """Clip key → file name for the TV of `puskesmas`; missing clips are rendered first (a unit
    added outside the admin), clips that cannot be made are left out (the TV falls back)."""
    units = UnitLayanan.objects.filter(puskesmas=puskesmas, aktif=True)
    hasil = {}
    for kunci, t in {**teks_tetap(), **teks_unit(units)}.items():
        berkas = render(t)
        if berkas is not None:
            hasil[kunci] = berkas.name
    return hasil


def berkas_klip(nama: str) -> Path | None:
    """A clip by file name, or None (also for any name that is not one of ours)."""
    if len(nama) != 24 or not nama.endswith(".wav") or not nama[:20].isalnum():
        return None
    p = direktori() / nama
    return p if p.is_file() else None
