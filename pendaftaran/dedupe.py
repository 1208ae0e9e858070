"""Is this new patient someone we already know? Fuzzy name comparison, no ORM.

Used before a patient without NIK is saved (a newborn, someone without documents) and by
offline replay. Thresholds were chosen on the typing errors the field studies describe:
swapped letters, missing vowels, a dropped second name.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

AMBANG_NAMA = 85  # names at least this similar (0–100) with the same birth date are candidates
AMBANG_NAMA_KETAT = 93  # …or this similar with a birth date one typo away

_BUKAN_HURUF = re.compile(r"[^A-Z' ]+")
_SPASI = re.compile(r"\s+")


def normalisasi_nama(nama: str) -> str:
    """Upper case, accents folded, punctuation dropped, spaces collapsed: 'Siti  Nur'aini'."""
    ascii_ = unicodedata.normalize("NFKD", nama).encode("ascii", "ignore").decode()
    return _SPASI.sub(" ", _BUKAN_HURUF.sub(" ", ascii_.upper())).strip()


def skor_nama(a: str, b: str) -> float:
    """Similarity of two names, order of words ignored ('Nur Siti' ~ 'Siti Nur')."""
    return fuzz.token_sort_ratio(normalisasi_nama(a), normalisasi_nama(b))


def tanggal_mirip(a, b) -> bool:
    """Same date, or one typing slip away: day and month swapped, or one digit wrong."""
    if a == b:
        return True
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    sa, sb = a.strftime("%d%m%Y"), b.strftime("%d%m%Y")
    return sum(x != y for x, y in zip(sa, sb, strict=True)) == 1
