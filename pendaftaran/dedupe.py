"""Is this new patient someone we already know? Pure rules, no ORM.

Used before a patient without NIK is saved (a newborn, someone without documents), by the API
and by offline replay; the name rules themselves are in pendaftaran/nama.py. `skor_nama` is the
plain fuzzy score the search box orders by.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from . import nama as nama_rules

_BUKAN_HURUF = re.compile(r"[^A-Z' ]+")
_SPASI = re.compile(r"\s+")


def normalisasi_nama(nama: str) -> str:
    """Upper case, accents folded, punctuation dropped, spaces collapsed: 'Siti  Nur'aini'."""
    ascii_ = unicodedata.normalize("NFKD", nama).encode("ascii", "ignore").decode()
    return _SPASI.sub(" ", _BUKAN_HURUF.sub(" ", ascii_.upper())).strip()


def skor_nama(a: str, b: str) -> float:
    """Similarity of two names, order of words ignored ('Nur Siti' ~ 'Siti Nur')."""
    return fuzz.token_sort_ratio(normalisasi_nama(a), normalisasi_nama(b))


def _ddmmyyyy(d: date) -> str:
    return f"{d.day:02d}{d.month:02d}{d.year:04d}"


def tanggal_mirip(a: date, b: date) -> bool:
    """Same date, or one typing slip away: day and month swapped, or one digit wrong."""
    if a == b:
        return True
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    sa, sb = _ddmmyyyy(a), _ddmmyyyy(b)
    return sum(x != y for x, y in zip(sa, sb, strict=True)) == 1


# --- Is this the same person? ------------------------------------------------------------------
# One rule for the loket, the API, offline replay and (ported to static/js/offline/nama.js) the
# browser's offline check. Candidates are only ever looked for among patients whose birth date
# is the same, day and month swapped, or one digit apart, so retrieval can be complete (see
# selectors.kandidat_duplikat).


@dataclass(frozen=True)
class Identitas:
    nama: str
    tanggal_lahir: date
    jenis_kelamin: str = ""
    alamat: str = ""
    nik_ibu: str = ""


@dataclass(frozen=True)
class Kecocokan:
    skor: float  # 0–100, closest first
    alasan: str  # nama | tanggal_tertukar | tanggal_selisih | nik_ibu


def tanggal_tertukar(d: date) -> date | None:
    """The date with day and month swapped, when that is another valid date."""
    if d.day == d.month or d.day > 12:
        return None
    return date(d.year, d.day, d.month)


def tanggal_selisih_satu(d: date) -> list[date]:
    """Every valid date whose dd-mm-yyyy differs from `d` in exactly one digit."""
    s = _ddmmyyyy(d)
    hasil = []
    for i, c in enumerate(s):
        for g in "0123456789":
            if g == c:
                continue
            t = s[:i] + g + s[i + 1 :]
            try:
                slip = date(int(t[4:]), int(t[2:4]), int(t[:2]))
            except ValueError:
                continue
            if slip.year >= 1900:  # a birth year 0990 is no one's
                hasil.append(slip)
    return hasil


def hubungan_tanggal(a: date, b: date) -> str:
    if a == b:
        return "sama"
    if tanggal_tertukar(a) == b:
        return "tertukar"
    if tanggal_mirip(a, b):
        return "selisih"
    return ""


_ANGKA_ALAMAT = re.compile(r"\d+")
_KATA_ALAMAT = frozenset(
    {"JL", "JLN", "JALAN", "RT", "RW", "NO", "DUSUN", "DSN", "DS", "DESA", "KEL", "KEC", "GG"}
    | {"GANG", "BLOK", "PERUM"}
)


def alamat_mirip(a: str, b: str) -> bool:
    """Three quarters of the address words shared (RT/RW and house numbers count as words):
    the same street at another house number is a neighbour, not the same home."""
    ka, kb = set(normalisasi_nama(a).split()), set(normalisasi_nama(b).split())
    ka |= {str(int(n)) for n in _ANGKA_ALAMAT.findall(a or "")}  # RT 02 = RT 2
    kb |= {str(int(n)) for n in _ANGKA_ALAMAT.findall(b or "")}
    ka -= _KATA_ALAMAT
    kb -= _KATA_ALAMAT
    if not ka or not kb:
        return False
    return len(ka & kb) / min(len(ka), len(kb)) >= 0.75


def mirip(baru: Identitas, lama: Identitas) -> Kecocokan | None:
    """Is `lama` probably the person being registered as `baru`? None when not.

    - sex must agree; a different mother (both NIK ibu known) is a different baby;
    - same birth date: the names must be the same name (nama.banding), or — a newborn not yet
      named ("By. Ny. …") — the same mother's NIK; twins (same mother and day, other names)
      are not offered;
    - day and month swapped: the same name in full, or a shorter/longer name at the same
      address;
    - one digit apart: the same name in full AND the same address or mother, because a
      namesake born on another day is another person.
    """
    if baru.jenis_kelamin and lama.jenis_kelamin and baru.jenis_kelamin != lama.jenis_kelamin:
        return None
    if baru.nik_ibu and lama.nik_ibu and baru.nik_ibu != lama.nik_ibu:
        return None
    tgl = hubungan_tanggal(baru.tanggal_lahir, lama.tanggal_lahir)
    if not tgl:
        return None
    na, nl = nama_rules.urai(baru.nama), nama_rules.urai(lama.nama)
    b = nama_rules.banding(na, nl)
    ibu_sama = bool(baru.nik_ibu) and baru.nik_ibu == lama.nik_ibu
    if tgl == "sama":
        if b.sama:
            return Kecocokan(b.skor, "nama")
        if ibu_sama and (na.bayi or nl.bayi):
            return Kecocokan(80.0, "nik_ibu")
        return None
    if not b.sama:
        return None
    dukung = ibu_sama or alamat_mirip(baru.alamat, lama.alamat)
    if tgl == "tertukar" and (b.penuh or dukung):
        return Kecocokan(b.skor - 5, "tanggal_tertukar")
    if tgl == "selisih" and na.kunci == nl.kunci and dukung:
        return Kecocokan(b.skor - 10, "tanggal_selisih")
    return None


def nama_kunci(nama: str) -> str:
    return nama_rules.urai(nama).kunci[:150]


def kunci_identitas(*, nama: str, tanggal_lahir: date, jenis_kelamin: str, nik: str = "") -> str:
    """sex + birth date + canonical name of a patient without NIK ('' with a NIK)."""
    if nik:
        return ""
    return f"{jenis_kelamin}{tanggal_lahir:%Y%m%d}{nama_kunci(nama)}"[:170]
