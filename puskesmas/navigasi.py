"""The top navigation, as data: (label, URL name, roles that see it). Apps add their pages here;
a URL that does not exist (yet) is simply left out."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .models import Peran

SEMUA = tuple(Peran.values)

MENU: list[tuple[str, str, tuple[str, ...]]] = [
    ("Loket", "pendaftaran:loket", (Peran.LOKET, Peran.ADMIN)),
    ("Poli", "antrean:poli", (Peran.POLI, Peran.ADMIN)),
    ("Ringkasan", "antrean:ringkasan", (Peran.POLI, Peran.ADMIN, Peran.KEPALA)),
    ("Laporan antrean", "antrean:laporan", (Peran.ADMIN, Peran.KEPALA)),
    ("Mode gangguan", "downtime:beranda", (Peran.ADMIN,)),
    ("Buku gangguan", "downtime:episode_daftar", (Peran.KEPALA,)),
    ("Laporan gangguan", "downtime:laporan", (Peran.KEPALA,)),
    ("Entri susulan", "downtime:susulan", (Peran.LOKET,)),
    ("Tindak lanjut BPJS", "bpjs_bridge:worklist", (Peran.LOKET, Peran.ADMIN)),
    ("Kepatuhan", "satusehat:kepatuhan", (Peran.ADMIN, Peran.KEPALA)),
    ("Integrasi", "integrasi:pengaturan", (Peran.ADMIN,)),
    ("Layar TV", "antrean:tv_info", (Peran.POLI, Peran.ADMIN)),
]


def menu_untuk(peran: str, path: str) -> list[dict]:
    items = []
    for label, url_name, peran_boleh in MENU:
        if peran not in peran_boleh:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "aktif": path.startswith(url)})
    return items
