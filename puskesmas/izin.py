"""The permission matrix, as data: for every named URL, who may use it.

This is the written decision; the views enforce it (`peran_wajib`, the API's auth classes, the
display key, the Mobile JKN token), and `tests/security/test_matriks_izin.py` walks every URL
pattern and checks each kind of caller against this table. A URL name missing here fails that
test: a new endpoint needs a decision before it ships. docs/keamanan.md renders the same table.

Kinds of caller (`Akses`):
- anonim      nobody signed in (public pages: login, a ticket's status by its unguessable token);
- display     the TV screen, holding the Puskesmas' display key in the URL; no personal data;
- loket, poli, admin, kepala   signed-in officers of one Puskesmas, by role (kepala: reports);
- integrator  an API bearer token (ApiToken) — its officer's role still limits what it writes;
- mobile_jkn  BPJS' Mobile JKN with its own x-token from /bpjs/jkn/auth.

`objek` names what the URL's id refers to, so the test can try another Puskesmas' record and
expect 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Akses(StrEnum):
    ANONIM = "anonim"
    DISPLAY = "display"
    LOKET = "loket"
    POLI = "poli"
    ADMIN = "admin"
    KEPALA = "kepala"
    INTEGRATOR = "integrator"
    MOBILE_JKN = "mobile_jkn"


A = Akses
STAF = frozenset({A.LOKET, A.POLI, A.ADMIN, A.KEPALA})
LOKET = frozenset({A.LOKET, A.ADMIN})
POLI = frozenset({A.POLI, A.ADMIN})
LAPORAN = frozenset({A.ADMIN, A.KEPALA})
PUBLIK = frozenset(Akses)  # anyone, signed in or not


@dataclass(frozen=True)
class Izin:
    akses: frozenset[Akses]
    objek: str | None = None  # what the URL's <pk>/<id> names, for the Puskesmas-scoping test
    metode: tuple[str, ...] = ("GET",)
    catatan: str = ""
    parameter: dict[str, str] = field(default_factory=dict)

    def boleh(self, akses: Akses | str) -> bool:
        return Akses(akses) in self.akses


def _i(akses: frozenset[Akses] | set[Akses], **kw: object) -> Izin:
    return Izin(akses=frozenset(akses), **kw)  # type: ignore[arg-type]


IZIN: dict[str, Izin] = {
    # --- puskesmas: login and start page ---------------------------------------------------------
    "masuk": _i(PUBLIK, metode=("GET", "POST"), catatan="halaman masuk; dibatasi django-axes"),
    "keluar": _i(PUBLIK, metode=("POST",), catatan="keluar; tanpa sesi tidak berbuat apa-apa"),
    "beranda": _i(STAF, catatan="mengarahkan tiap peran ke halaman kerjanya"),
    # --- pendaftaran: the loket pages ------------------------------------------------------------
    "pendaftaran:loket": _i(LOKET),
    "pendaftaran:pilih_loket": _i(LOKET, metode=("POST",)),
    "pendaftaran:cari": _i(LOKET),
    "pendaftaran:hari_ini": _i(LOKET),
    "pendaftaran:salinan_luring": _i(
        LOKET, catatan="salinan luring pasien 2 tahun: tanpa alamat, NIK/kartu hanya hash"
    ),
    "pendaftaran:pasien_baru": _i(LOKET, metode=("GET", "POST")),
    "pendaftaran:pasien": _i(LOKET, objek="pasien", catatan="membuka pasien tercatat di audit"),
    "pendaftaran:pasien_ubah": _i(LOKET, objek="pasien", metode=("GET", "POST")),
    "pendaftaran:saran": _i(LOKET, objek="pasien"),
    "pendaftaran:daftar": _i(LOKET, objek="pasien", metode=("POST",)),
    "pendaftaran:tiket": _i(LOKET, objek="kunjungan"),
    "pendaftaran:cetak": _i(LOKET, objek="kunjungan"),
    "pendaftaran:hadir": _i(LOKET, objek="kunjungan", metode=("POST",)),
    "pendaftaran:batal": _i(LOKET, objek="kunjungan", metode=("GET", "POST")),
    # --- antrean: poli, overview, reports, TV, public ticket status ------------------------------
    "antrean:status_tiket": _i(
        PUBLIK, objek="tiket_token", catatan="token acak di QR tiket; tanpa data pribadi"
    ),
    "antrean:poli": _i(POLI),
    "antrean:poli_unit": _i(POLI, objek="unit"),
    "antrean:aksi": _i(POLI, objek="unit", metode=("POST",)),
    "antrean:ringkasan": _i({A.POLI, A.ADMIN, A.KEPALA}),
    "antrean:laporan": _i(LAPORAN),
    "antrean:live_stream": _i(STAF, catatan="server-sent events"),
    "antrean:live_versi": _i(STAF),
    "antrean:tv": _i({A.DISPLAY}, objek="kunci_display", catatan="nama pasien tidak tampil"),
    "antrean:tv_stream": _i({A.DISPLAY}, objek="kunci_display"),
    "antrean:tv_versi": _i({A.DISPLAY}, objek="kunci_display"),
    "antrean:tv_suara": _i({A.DISPLAY}, objek="kunci_display", catatan="daftar klip suara"),
    "antrean:tv_klip": _i({A.DISPLAY}, objek="kunci_display", catatan="klip suara panggilan"),
    "antrean:tv_sw": _i(PUBLIK, catatan="service worker layar TV (berkas statis)"),
    "antrean:tv_info": _i(POLI, catatan="alamat dan QR layar TV"),
    # --- bpjs_bridge: status, worklist, Mobile JKN ---------------------------------------------
    "bpjs_bridge:banner": _i(STAF),
    "bpjs_bridge:badge": _i(STAF, objek="kunjungan"),
    "bpjs_bridge:kepesertaan": _i(
        LOKET, objek="pasien", metode=("GET", "POST"), catatan="cek BPJS di latar saat panel dibuka"
    ),
    "bpjs_bridge:worklist": _i(LOKET),
    "bpjs_bridge:worklist_aksi": _i(LOKET, objek="permintaan_bpjs", metode=("POST",)),
    "bpjs_bridge:jkn_auth": _i(
        PUBLIK, catatan="menukar x-username/x-password Mobile JKN dengan x-token"
    ),
    "bpjs_bridge:jkn_status": _i({A.MOBILE_JKN}),
    "bpjs_bridge:jkn_sisa": _i({A.MOBILE_JKN}),
    "bpjs_bridge:jkn_antrean": _i({A.MOBILE_JKN}, metode=("POST",)),
    "bpjs_bridge:jkn_batal": _i({A.MOBILE_JKN}, metode=("PUT",)),
    "bpjs_bridge:jkn_peserta": _i({A.MOBILE_JKN}, metode=("POST",)),
    # --- downtime: manual mode, conflict review, ledger ---------------------------------------
    "downtime:beranda": _i({A.ADMIN}, catatan="menyalakan/mematikan downtime: admin"),
    "downtime:banner": _i(STAF),
    "downtime:mulai": _i({A.ADMIN}, metode=("POST",)),
    "downtime:episode_daftar": _i(LAPORAN),
    "downtime:episode": _i(LAPORAN, objek="episode"),
    "downtime:selesai": _i({A.ADMIN}, objek="episode", metode=("POST",)),
    "downtime:tinjau": _i({A.ADMIN}, catatan="tinjauan konflik replay: admin"),
    "downtime:tinjau_detail": _i({A.ADMIN}, objek="tinjauan"),
    "downtime:tinjau_gabung": _i({A.ADMIN}, objek="tinjauan", metode=("POST",)),
    "downtime:tinjau_pisah": _i({A.ADMIN}, objek="tinjauan", metode=("POST",)),
    "downtime:tinjau_koreksi": _i({A.ADMIN}, objek="tinjauan", metode=("POST",)),
    "downtime:susulan": _i(LOKET, metode=("GET", "POST"), catatan="entri susulan dari kertas"),
    "downtime:laporan": _i(LAPORAN),
    "downtime:laporan_csv": _i(LAPORAN),
    "downtime:laporan_pdf": _i(LAPORAN),
    # --- integrasi + satusehat: credentials per Puskesmas, unit mapping, compliance ----------
    "integrasi:pengaturan": _i({A.ADMIN}, metode=("GET", "POST"), catatan="rahasia tak tampil"),
    "integrasi:uji": _i({A.ADMIN}, metode=("POST",), catatan="uji koneksi per layanan"),
    "integrasi:pemetaan": _i({A.ADMIN}, objek="unit", metode=("POST",)),
    "satusehat:kepatuhan": _i(LAPORAN),
    "satusehat:kepatuhan_csv": _i(LAPORAN),
    "satusehat:kepatuhan_pdf": _i(LAPORAN),
    "satusehat:coba_lagi": _i(LOKET, objek="kiriman_satusehat", metode=("POST",)),
    # --- offline mode (downtime/urls_luring.py, served at the site root) ----------------------
    "service_worker": _i(PUBLIK, catatan="skrip service worker; tanpa data"),
    "luring_pasien": _i(
        LOKET, catatan="salinan lokal pasien untuk mode luring (dibatasi, no-store)"
    ),
    # --- JSON API /api/v1/ (session for the loket browser, bearer token for integrators) --------
    "api-v1:api-root": _i(PUBLIK, catatan="bawaan ninja; tanpa data"),
    "api-v1:openapi-json": _i(PUBLIK, catatan="skema API, tanpa data"),
    "api-v1:openapi-view": _i(PUBLIK, catatan="dokumentasi Swagger, tanpa data"),
    "api-v1:pasien_cari": _i(STAF | {A.INTEGRATOR}),
    "api-v1:pasien_buat": _i(LOKET | {A.INTEGRATOR}, metode=("POST",)),
    "api-v1:pasien_detail": _i(STAF | {A.INTEGRATOR}, objek="pasien"),
    "api-v1:kunjungan_daftar": _i(LOKET | {A.INTEGRATOR}, metode=("POST",)),
    "api-v1:kunjungan_batal": _i(LOKET | {A.INTEGRATOR}, objek="kunjungan", metode=("POST",)),
    "api-v1:unit_daftar": _i(STAF | {A.INTEGRATOR}),
    "api-v1:antrean": _i(STAF | {A.INTEGRATOR}, objek="unit"),
    "api-v1:panggil_berikutnya": _i(
        POLI, objek="unit", metode=("POST",), catatan="token dari akun poli/admin juga boleh"
    ),
    "api-v1:tiket_aksi": _i(POLI, metode=("POST",), catatan="unit klaster petugas saja"),
    "api-v1:status": _i(STAF | {A.INTEGRATOR}),
    "api-v1:blok_ambil": _i(LOKET | {A.INTEGRATOR}, metode=("POST",)),
    "api-v1:replay_kirim": _i(LOKET | {A.INTEGRATOR}, metode=("POST",)),
    "api-v1:pemberitahuan": _i(LOKET | {A.INTEGRATOR}),
    "api-v1:pemberitahuan_dibaca": _i(LOKET | {A.INTEGRATOR}, metode=("POST",)),
    "api-v1:kunjungan_satusehat": _i(STAF | {A.INTEGRATOR}, objek="kunjungan"),
}

# URL namespaces decided as a whole rather than name by name.
NAMESPACE: dict[str, Izin] = {
    "admin": _i(
        {A.ADMIN},
        catatan="Django admin: hanya akun staf (admin Puskesmas); data dibatasi per Puskesmas",
    ),
}


def izin_untuk(nama_url: str) -> Izin | None:
    """The decision for a URL name (`namespace:name`), or None when nobody decided yet."""
    if nama_url in IZIN:
        return IZIN[nama_url]
    namespace = nama_url.split(":", 1)[0] if ":" in nama_url else ""
    return NAMESPACE.get(namespace)
