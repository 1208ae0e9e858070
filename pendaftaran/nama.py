"""Are two written names the same person's name? Pure rules for Indonesian names, no ORM.

Ported line by line to static/js/offline/nama.js (the browser's offline check); both run the
same vectors in tests/data/nama_vektor.json, so a change here without the port fails the tests.

A name becomes a list of canonical tokens:
- upper case, accents folded, apostrophes dropped (Nur'aini = Nuraini), degrees after a comma
  and titles in front (H., Hj., Dr., Ny., By.) dropped;
- spelling folded: ejaan lama (oe→u, dj→j, tj→c, sj→sy, nj→ny), ch/kh→h, th→t, dh→d, ph→f,
  j→y (old "Jusuf" is "Yusuf"), double letters single, a final y→i (Sity = Siti, Rizky = Rizki);
- usual abbreviations to one form (M./Muh./Moch./Mohammad/Muhamad → MUHAMAD, Nurul → NUR,
  Abd. → ABDUL, Chinese-Indonesian surname spellings such as Liem/Lim, Oei/Ui);
- Balinese birth-order names to their rank (Wayan/Gede/Putu → #1, Made/Kadek/Nengah → #2,
  Nyoman/Komang → #3, Ketut → #4) and caste/gender markers (I, Ni, Luh, Ida Bagus, Gusti, Anak
  Agung, Raden…) marked "light": they may be missing on one side, but two different ranks are
  two different people (siblings).

Two names are the same when every core token of the shorter one is found in the longer one:
equal, one typing slip apart, an initial of it, or two adjacent parts written as one
("Nur Aini" / "Nuraini"); and at least one found token is not a very common name part
(Muhammad, Siti, Nur…), so "Siti Aminah" is not "Siti Rahayu" — unless the two names are made
of those words only and match in full ("Muhammad Nur" = "Muhammad Nur"). One word found in a
name of three or more proves too little ("Yusuf" is not "Muhammad Yusuf Hidayat").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA


def _kata(s: str) -> list[str]:
    return s.split()


GELAR_DEPAN = frozenset(
    _kata(
        "H HJ HAJI HAJAH HAJJAH DR DRS DRA IR PROF KH NY NYONYA TN TUAN SDR SDRI NN NONA BY BAYI AN"
    )
)
GELAR_BELAKANG = frozenset(_kata("SPD SKM SE SH ST SKOM SKEP AMD AMKEB AMKEP MM MPD SAG SSOS"))
BAYI = frozenset({"BY", "BAYI"})
# Words joining a person's name to a parent's: the parent's name is just more tokens.
PENGHUBUNG = frozenset({"BIN", "BINTI", "BINTY", "BT", "BN"})

ALIAS = {
    **dict.fromkeys(
        _kata("M MUH MUHD MOH MOHD MHD MUHAMAD MOHAMAD MUHAMED MOHAMED MUHAMET MOHAMET MAMAD"),
        "MUHAMAD",
    ),
    **dict.fromkeys(_kata("NURUL NOR NOER NURU"), "NUR"),
    **dict.fromkeys(_kata("ABD ABDU"), "ABDUL"),
    **dict.fromkeys(_kata("AHMED AMAD"), "AHMAD"),
    **dict.fromkeys(_kata("SITTI"), "SITI"),
    # Chinese-Indonesian surnames: the same clan written in several spellings.
    **dict.fromkeys(_kata("LIEM LIM"), "LIM"),
    **dict.fromkeys(_kata("LIE LI LE"), "LI"),
    **dict.fromkeys(_kata("UI UY OUW UW WI WIE"), "UI"),
    **dict.fromkeys(_kata("GOUW GO GOH"), "GO"),
    **dict.fromkeys(_kata("KWE KWIK"), "KWE"),
    **dict.fromkeys(_kata("COA CUA"), "CUA"),
    **dict.fromkeys(_kata("TE TEE"), "TE"),
    # Balinese birth order.
    **dict.fromkeys(_kata("WAYAN GEDE PUTU ILUH"), "#1"),
    **dict.fromkeys(_kata("MADE KADEK NENGAH"), "#2"),
    **dict.fromkeys(_kata("NYOMAN KOMANG"), "#3"),
    **dict.fromkeys(_kata("KETUT"), "#4"),
}
# Markers that may be present on one side only (caste, gender, nobility).
RINGAN = frozenset(
    _kata("I NI LUH IDA BAGUS GUSTI GST AGUNG ANAK AA NGURAH DEWA DESAK RADEN R RA RR ROROH")
)
# So common that matching only these proves nothing.
UMUM = frozenset(_kata("MUHAMAD NUR SITI ABDUL AHMAD SRI DEWI PUTRI PUTRA AYU"))

_EJAAN = (
    ("OE", "U"),
    ("DJ", "J"),
    ("TJ", "C"),
    ("SJ", "SY"),
    ("NJ", "NY"),
    ("CH", "H"),
    ("KH", "H"),
    ("TH", "T"),
    ("DH", "D"),
    ("PH", "F"),
    ("J", "Y"),
)
_GANDA = re.compile(r"([A-Z])\1+")
_BUKAN_HURUF = re.compile(r"[^A-Z]+")


def ejaan(kata: str) -> str:
    """One token's spelling folded: 'SOEDJATMIKO' → 'SUYATMIKO', 'RIZKY' → 'RIZKI'."""
    for lama, baru in _EJAAN:
        kata = kata.replace(lama, baru)
    kata = _GANDA.sub(r"\1", kata)
    if len(kata) > 2 and kata.endswith("Y"):
        kata = kata[:-1] + "I"
    return kata


@dataclass(frozen=True)
class Nama:
    inti: tuple[str, ...]  # core tokens, in written order
    ringan: tuple[str, ...]  # markers that may be absent on the other side
    urutan: str  # Balinese birth rank "#1".."#4", or ""
    bayi: bool  # "By. Ny. Siti": a newborn not named yet

    @property
    def kunci(self) -> str:
        """Core tokens in order without spaces: the same for 'Nur Aini' and 'Nuraini'."""
        return "".join(self.inti)


@lru_cache(maxsize=200_000)
def urai(nama: str) -> Nama:
    s = unicodedata.normalize("NFKD", nama or "").encode("ascii", "ignore").decode().upper()
    s = s.split(",")[0]  # "Siti Aminah, S.Pd."
    s = s.replace("'", "").replace("`", "")
    kata = [k for k in _BUKAN_HURUF.split(s) if k]
    bayi = bool(kata) and kata[0] in BAYI
    while len(kata) > 1 and kata[0] in GELAR_DEPAN:
        kata = kata[1:]
    while len(kata) > 1 and kata[-1] in GELAR_BELAKANG:
        kata = kata[:-1]
    inti: list[str] = []
    ringan: list[str] = []
    urutan = ""
    for k in kata:
        if k in PENGHUBUNG:
            continue
        if k in RINGAN:
            ringan.append(k)
            continue
        e = ejaan(k)
        e = ALIAS.get(e, ALIAS.get(k, e))
        if e.startswith("#"):
            urutan = urutan or e
            continue
        inti.append(e)
    if not inti and ringan:  # a name made only of markers: keep them as the name
        inti, ringan = ringan, []
    return Nama(tuple(inti), tuple(ringan), urutan, bayi)


def jarak(a: str, b: str) -> int:
    """Edit distance with a swap of two adjacent letters counting as one slip (optimal string
    alignment; rapidfuzz's C implementation, the same numbers as nama.js' `jarak`)."""
    return OSA.distance(a, b)


@lru_cache(maxsize=1 << 18)  # name words repeat endlessly: most calls are a dict lookup
def kata_mirip(a: str, b: str) -> bool:
    """Equal, or one slip apart for words of 5+ letters (two slips from 9 letters)."""
    if a == b:
        return True
    n = min(len(a), len(b))
    if n < 5 or abs(len(a) - len(b)) > 2:
        return False
    return jarak(a, b) <= (2 if n >= 9 else 1)


def _gabung(a: list[str], b: list[str]) -> list[str]:
    """Merge adjacent parts of `a` written as one word in `b` ('NUR','AINI' + 'NURAINI')."""
    hasil = list(a)
    if len(hasil) < 2:
        return hasil
    i = 0
    while i < len(hasil) - 1:
        dua = hasil[i] + hasil[i + 1]
        n = len(dua)
        # Lengths first: a word more than two letters longer or shorter cannot be one slip off.
        if any(abs(n - len(k)) <= 2 and kata_mirip(dua, k) for k in b) and not any(
            kata_mirip(hasil[i], k) or kata_mirip(hasil[i + 1], k) for k in b
        ):
            hasil[i : i + 2] = [dua]
        else:
            i += 1
    return hasil


@dataclass(frozen=True)
class Banding:
    sama: bool
    penuh: bool  # every core token on both sides found (no added/dropped name, no initial)
    skor: float  # 0–100, for ordering candidates


TIDAK = Banding(False, False, 0.0)


def banding(a: str | Nama, b: str | Nama) -> Banding:
    na = a if isinstance(a, Nama) else urai(a)
    nb = b if isinstance(b, Nama) else urai(b)
    if na.urutan and nb.urutan and na.urutan != nb.urutan:
        return TIDAK  # I Wayan … and I Made …: brothers, not one man
    ta, tb = list(na.inti), list(nb.inti)
    if not ta or not tb:
        return TIDAK
    ta, tb = _gabung(ta, tb), _gabung(tb, ta)
    if len(ta) > len(tb):
        ta, tb = tb, ta
    panjang = len(tb)
    sisa = list(tb)
    bobot = 0.0
    bukti = False  # a found token that is not a very common name part
    inisial = False
    for tahap in ("persis", "mirip", "inisial"):
        for k in list(ta):
            if k not in ta:
                continue
            j = _cari(k, sisa, tahap)
            if j is None:
                continue
            lawan = sisa.pop(j)
            ta.remove(k)
            if tahap == "inisial":
                inisial = True
                bobot += 0.5
            else:
                bobot += 1.0 if tahap == "persis" else 0.9
                if k not in UMUM and lawan not in UMUM and len(k) >= 3:
                    bukti = True
    if ta or (not bukti and (sisa or inisial)):
        return TIDAK  # a common word or two found proves nothing — unless that is all the name
    if (len(na.inti) == 1 and len(nb.inti) > 2) or (len(nb.inti) == 1 and len(na.inti) > 2):
        return TIDAK  # one word found in a three-word name proves too little
    return Banding(True, not sisa and not inisial, round(100 * bobot / panjang, 1))


def _cari(k: str, daftar: list[str], tahap: str) -> int | None:
    for j, lawan in enumerate(daftar):
        if tahap == "persis" and k == lawan:
            return j
        if tahap == "mirip" and kata_mirip(k, lawan):
            return j
        if tahap == "inisial" and (
            (len(k) == 1 and lawan.startswith(k)) or (len(lawan) == 1 and k.startswith(lawan))
        ):
            return j
    return None


def sama(a: str, b: str) -> bool:
    return banding(a, b).sama
