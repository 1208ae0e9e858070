"""Districts' morning peak on one small server: 1, 5 and 10 districts of 30 Puskesmas each.

Starts its own PostgreSQL, Redis, gunicorn (`--workers` × `--threads`, gthread) and one Celery
worker, creates the demo data itself (per Puskesmas: 5 clusters, 9 units, 3 lokets with their
officers and API tokens, a poli officer, `--pasien` patients), then for `--detik` seconds per
level plays, per Puskesmas:

- 3 lokets, each every ~30 s (jittered) either through the API (POST /api/v1/kunjungan and
  three GET /api/v1/pasien searches) or, half of the cycles, through the htmx loket page
  (three search-as-you-type requests to /loket/cari/ and a save to /loket/pasien/<id>/daftar/);
- 1 poli client on the API listing its unit every 5 s and calling the next patient every
  minute (a `--etag` share of them send the list's ETag back as If-None-Match, as a
  well-behaved integrator does, and get 304 while the queue is unchanged), and 1 poli page
  (session, htmx) refreshed every 10 s;
- 1 TV on its live stream as static/js/antrean/live.js does it: the SSE stream when the server
  has a slot, otherwise the version URL every 0.5 s (and the stream again after a minute), the
  TV fragment whenever the version changed (not when a heartbeat repeats it), and the
  fragment's own refresh every 20 s; both send the last ETag they got as If-None-Match, as
  Chromium's HTTP cache does for htmx's GET, and count a 304 as success.

The clients are one asyncio process on a lean HTTP/1.1 keep-alive client (bench/_http.py); its
own CPU is printed beside the server's. `--profil` first runs every request kind in-process on
a spare Puskesmas (CPU ms, SQL statements, share of the total at the played rates).

gunicorn runs with config/gunicorn.py (preload, gthread, stream slots = threads − 16) unless
`--klasik`; the Celery worker is one process (`--celery-pool solo`) unless told otherwise.

Prints per level a table per request kind (n, p50/p95/max ms, errors) and the PSS (proportional
set size) of the gunicorn workers together with the Celery worker, from /proc/<pid>/smaps_rollup.

Without `--integrasi` SATUSEHAT and BPJS are off: no Puskesmas has integration settings, every
visit is `umum`, and the Celery worker has nothing to do. With `--integrasi` every bench
Puskesmas sends as a district server does, to the project's simulators, each started as its own
process (`python -m satusehat.simulator`, `python -m bpjs_bridge.simulator`) so that their CPU is
neither the server's nor the load generator's (printed apart):

- SATUSEHAT: per Puskesmas its own client id, secret and Organization (registered with the
  simulator through POST /_sim/clients, which seeds that Organization's Locations), settings
  saved through integrasi.services.pengaturan_simpan, every unit mapped to its seeded Location
  and a simulator practitioner (satusehat.demo's mapping). Every patient has a NIK the
  simulator knows; every visit becomes an Encounter (IHS number looked up by NIK first), and
  the poli's call moves it to in-progress.
- BPJS: per Puskesmas its own settings row with the simulator's credentials (a district server
  holds one cons-id per Puskesmas; the simulator knows one), PCare / Antrean FKTP URLs from the
  environment. A `--bpjs` share of the patients carries a card of an active participant of the
  simulator, no card twice in the district, and the loket registers them as BPJS (as the
  loket form preselects): eligibility, PCare registration and Antrean FKTP add per visit, the
  Antrean FKTP call on the poli's call. The simulator is ONE FKTP: every participant it knows
  is registered at 0114U163, and it keeps one Antrean FKTP queue, in which a queue number may be
  used once per poli and day. So, in this throw-away database only, every bench Puskesmas
  carries that FKTP code (the code's unique constraint is dropped: the bridge rightly refuses a
  participant registered at another FKTP) and its units' queue prefixes carry the Puskesmas'
  number (A00-001, A01-001, ...), as if each had its own queue at BPJS.

After each level `--integrasi` gives the outbox up to `--kuras` seconds to drain, then prints,
for the visits registered in the measured seconds, the SATUSEHAT and BPJS rows delivered,
pending, retrying, failed, cancelled, and the lag from registration (or call) to delivery
(p50/p95/max), with the Celery worker's CPU per delivery attempt and the PostgreSQL sessions
started in the level (the delivery path's connection churn).

Usage:  .venv/bin/python bench/district.py [--tingkat 1,5,10] [--detik 60] [--integrasi]
Needs root (initdb as user postgres) or to be run as postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _infra
from bench import _integrasi as integ
from bench._http import Klien

PKM_PER_DISTRIK = 30
LOKET_PER_PKM = 3
SIKLUS_LOKET = 30.0
POLI_DAFTAR = 5.0
POLI_PANGGIL = 60.0
POLI_HALAMAN = 10.0
TV_POLL = 0.5
TV_SSE_LAGI = 60.0
TV_SEGAR = 20.0
# TV-visible changes a minute per Puskesmas in the profile: the call, and a registration now
# and then (bench/district.py counts the TV's requests in the run itself).
TV_UBAH = float(os.environ.get("BENCH_TV_UBAH", "1.5"))
NAMA = ["Siti", "Budi", "Dewi", "Agus", "Rina", "Andi", "Wati", "Joko", "Sri", "Eko", "Ani"]
BELAKANG = ["Aminah", "Santoso", "Lestari", "Pratama", "Hidayat", "Wulandari", "Saputra"]


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--tingkat", default="1,5,10", help="numbers of districts, comma-separated")
    p.add_argument("--detik", type=float, default=60.0, help="seconds of load per level")
    p.add_argument("--pemanasan", type=float, default=40.0,
                   help="seconds of the same load before each level is measured: the server "
                   "has been up since the morning, its per-process reference caches warm "
                   "(0: measure from a cold start)")  # fmt: skip
    p.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                   help="gunicorn workers (config/gunicorn.py: cores + 1)")  # fmt: skip
    p.add_argument("--threads", type=int, default=150,
                   help="threads per gunicorn worker (config/gunicorn.py's default)")  # fmt: skip
    p.add_argument("--klasik", action="store_true",
                   help="gunicorn from the command line only, as before config/gunicorn.py "
                   "(no preload, ANTREAN_SSE_MAKS from the environment or 4)")  # fmt: skip
    p.add_argument("--celery-pool", default="solo", help="Celery pool (solo: one process)")
    p.add_argument("--pasien", type=int, default=150, help="patients per Puskesmas")
    p.add_argument("--etag", type=float, default=0.5,
                   help="share of poli API clients that send If-None-Match (0..1)")  # fmt: skip
    p.add_argument("--garis-waktu", type=float, default=0.0, metavar="DETIK",
                   help="also print requests started and their latency per window of "
                        "this many seconds (a tail in bursts is a stall, not load)")  # fmt: skip
    p.add_argument("--profil", action="store_true",
                   help="first profile each request kind in-process on a spare Puskesmas: "
                   "CPU ms and SQL a request, its share at the played rates")  # fmt: skip
    p.add_argument("--integrasi", action="store_true",
                   help="SATUSEHAT and BPJS on for every Puskesmas, against the project's "
                   "simulators run as separate processes (their CPU printed apart); after "
                   "each level the outbox's deliveries and their lag")  # fmt: skip
    p.add_argument("--bpjs", type=float, default=0.7, metavar="BAGIAN",
                   help="with --integrasi: share of the patients who are BPJS participants "
                   "(registered as BPJS), 0..1")  # fmt: skip
    p.add_argument("--kuras", type=float, default=30.0, metavar="DETIK",
                   help="with --integrasi: seconds the outbox may drain after a level before "
                   "its deliveries are counted")  # fmt: skip
    return p.parse_args()


# --- Demo data for many Puskesmas ---------------------------------------------------------------


def buat_data(
    jumlah_pkm: int,
    pasien_per_pkm: int,
    sim: integ.Simulator | None = None,
    bagian_bpjs: float = 0.0,
) -> list[dict]:
    """Everything a Puskesmas needs, in bulk; returns per Puskesmas the credentials the
    clients use (bearer tokens, session cookies) and the ids they work with. With `sim`
    (--integrasi) also SATUSEHAT and BPJS on against those simulators, patients with a NIK
    SATUSEHAT knows and a `bagian_bpjs` share of them with a BPJS card."""
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction

    from antrean.models import Klaster, UnitLayanan
    from bpjs_bridge.simulator.peserta import KD_PROVIDER_KAMI
    from pendaftaran.dedupe import normalisasi_nama
    from pendaftaran.models import Pasien
    from puskesmas.demo import KLASTER, UNIT
    from puskesmas.models import ApiToken, Loket, Peran, Petugas, Puskesmas

    call_command("migrate", verbosity=0)
    User = get_user_model()
    rng = random.Random(15)
    hasil = []
    nik, kartu = (
        (integ.nik_satusehat(), iter(integ.kartu_bpjs(sim.peserta))) if sim else ([], iter([]))
    )
    if sim is not None:
        if pasien_per_pkm > len(nik):
            sys.exit(f"--pasien {pasien_per_pkm}: the SATUSEHAT simulator knows {len(nik)} NIKs")
        if jumlah_pkm > 36**2:
            sys.exit("--integrasi: at most 1296 Puskesmas (two base-36 digits in the prefix)")
        integ.kode_faskes_tidak_unik()
    # Its own generator: the names (rng) stay those of a run without --integrasi.
    rng_bpjs = random.Random(16)
    with transaction.atomic():
        pkms = Puskesmas.objects.bulk_create(
            [
                Puskesmas(nama=f"Puskesmas Bench {i}",
                          kode_faskes=KD_PROVIDER_KAMI if sim else f"B{i:07d}")
                for i in range(jumlah_pkm)
            ]
        )  # fmt: skip
        klaster = Klaster.objects.bulk_create(
            [
                Klaster(puskesmas=p, nomor=n, nama=nm, keterangan=k)
                for p in pkms
                for n, nm, k in KLASTER
            ]
        )
        kl = {(k.puskesmas_id, k.nomor): k for k in klaster}
        units = UnitLayanan.objects.bulk_create(
            [
                UnitLayanan(puskesmas=p, klaster=kl[(p.pk, k)], kode=kode, nama=nama, layanan=lay,
                            prefix=pre + (integ.b36(j) if sim else ""), kd_poli_pcare=kd,
                            urutan=i, menit_per_pasien=m)
                for j, p in enumerate(pkms)
                for i, (k, kode, nama, lay, pre, kd, m) in enumerate(UNIT)
            ]
        )  # fmt: skip
        lokets = Loket.objects.bulk_create(
            [Loket(puskesmas=p, kode=f"L{i}", nama=f"Loket {i}") for p in pkms for i in (1, 2, 3)]
        )
        users = []
        for p in pkms:
            for nama in ("loket1", "loket2", "loket3", "poli"):
                u = User(username=f"{nama}_{p.pk}")
                u.set_unusable_password()
                users.append(u)
        users = User.objects.bulk_create(users)
        ux = {u.username: u for u in users}
        lx = {(lk.puskesmas_id, lk.kode): lk for lk in lokets}
        petugas = []
        for p in pkms:
            for i in (1, 2, 3):
                petugas.append(Petugas(user=ux[f"loket{i}_{p.pk}"], puskesmas=p, peran=Peran.LOKET,
                                       loket=lx[(p.pk, f"L{i}")]))  # fmt: skip
            petugas.append(Petugas(user=ux[f"poli_{p.pk}"], puskesmas=p, peran=Peran.POLI,
                                   klaster=kl[(p.pk, 3)]))  # fmt: skip
        Petugas.objects.bulk_create(petugas)
        token: dict[int, str] = {}
        baris_token = []
        for u in users:
            raw = f"pkm_bench_{u.pk}_{uuid.uuid4().hex}"
            token[u.pk] = raw
            baris_token.append(
                ApiToken(user=u, nama="bench", prefix=raw[4:12], hash=ApiToken.hash_of(raw))
            )
        ApiToken.objects.bulk_create(baris_token)
        pasien = []
        for j, p in enumerate(pkms):
            for n in range(pasien_per_pkm):
                nama = f"{rng.choice(NAMA)} {rng.choice(BELAKANG)} {n}"
                lahir = f"{rng.randint(1950, 2005)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                identitas = {}
                if sim is not None:
                    # NIKs repeat across Puskesmas (one person on several registers), never
                    # within one; a card belongs to one patient of the district.
                    identitas["nik"] = nik[(j * pasien_per_pkm + n) % len(nik)]
                    if rng_bpjs.random() < bagian_bpjs:
                        if (no := next(kartu, None)) is None:
                            sys.exit("too few BPJS participants for --bpjs (peserta_perlu)")
                        identitas["no_bpjs"] = no
                pasien.append(
                    Pasien(puskesmas=p, no_rm=f"{n + 1:06d}", nama=nama,
                           nama_cari=normalisasi_nama(nama), tanggal_lahir=lahir,
                           jenis_kelamin=rng.choice("LP"), **identitas)
                )  # fmt: skip
        Pasien.objects.bulk_create(pasien, batch_size=2000)
        Puskesmas.objects.update(rm_terakhir=pasien_per_pkm)
    if sim is not None:
        integ.pasang_integrasi(pkms, units, sim)
    # (id, name, penjamin): the loket registers a patient with a card as BPJS, as the loket
    # form preselects it (pendaftaran.views).
    per_pkm_pasien: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for pid, pkm_id, nama, no_bpjs in Pasien.objects.values_list(
        "pk", "puskesmas_id", "nama", "no_bpjs"
    ):
        per_pkm_pasien[pkm_id].append((pid, nama, "bpjs" if no_bpjs else "umum"))
    ununit = defaultdict(dict)
    for u in units:
        ununit[u.puskesmas_id][u.kode] = u.pk

    def sesi(u) -> str:
        s = SessionStore()
        s[SESSION_KEY] = str(u.pk)
        # What a login through the form stores (the first backend that accepts the password);
        # the legacy ModelBackend path would cost every session request a user SELECT.
        s[BACKEND_SESSION_KEY] = "puskesmas.backends.BackendPengguna"
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        s["_terakhir_aktif"] = time.time() + 86400  # no idle logout during the run
        s.create()
        return s.session_key

    for p in pkms:
        hasil.append(
            {
                "pkm": p.pk,
                "kunci_tv": p.kunci_display,
                "units": ununit[p.pk],
                "pasien": per_pkm_pasien[p.pk],
                "loket": [
                    {
                        "token": token[ux[f"loket{i}_{p.pk}"].pk],
                        "sesi": sesi(ux[f"loket{i}_{p.pk}"]),
                    }
                    for i in (1, 2, 3)
                ],
                "poli": {"token": token[ux[f"poli_{p.pk}"].pk], "sesi": sesi(ux[f"poli_{p.pk}"])},
            }
        )
    return hasil


# --- The clients --------------------------------------------------------------------------------


class Catatan:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.galat: dict[str, int] = defaultdict(int)
        self.n304: dict[str, int] = defaultdict(int)  # answered 304 (counted as success)
        self.aktif = True
        self.waktu: list[tuple[float, float]] = []  # (start, latency) of every recorded request
        # (time, counters) from `sampel` once a second while recording (--garis-waktu)
        self.sampel: list[tuple[float, dict[str, float]]] = []

    async def minta(self, jenis: str, c: Klien, method: str, url: str, ok=(200, 201), **kw):
        t, dicatat = time.perf_counter(), self.aktif  # a request begun in the warm-up is not
        try:
            r = await c.request(method, url, **kw)
            kode = r.status_code
        except Exception:  # timeouts and resets are errors of that kind, not a crash
            r, kode = None, 0
        if dicatat:
            self.lat[jenis].append(time.perf_counter() - t)
            self.waktu.append((t, time.perf_counter() - t))
            if kode not in ok:
                self.galat[jenis] += 1
            elif kode == 304:
                self.n304[jenis] += 1
        return r


CSRF = "b" * 32  # the cookie secret; the header carries the same unmasked value


class Pemain:
    def __init__(self, base: str, cat: Catatan, akhir: float):
        self.base, self.cat, self.akhir = base, cat, akhir

    async def tidur(self, detik: float) -> bool:
        sisa = self.akhir - time.monotonic()
        await asyncio.sleep(max(0.0, min(detik, sisa)))
        return time.monotonic() < self.akhir

    async def loket(self, c: Klien, pkm: dict, cred: dict, pasien: list) -> None:
        h_api = {"Authorization": f"Bearer {cred['token']}"}
        h_htmx = {"HX-Request": "true", "X-CSRFToken": CSRF}
        cookies = {"sessionid": cred["sesi"], "csrftoken": CSRF}
        if not await self.tidur(random.uniform(0, SIKLUS_LOKET)):
            return
        unit = pkm["units"]["UMUM"]
        while True:
            if not pasien:
                return
            pid, nama, penjamin = pasien.pop()
            kata = nama.split()
            if random.random() < 0.5:
                for q in (kata[0][:3], kata[0], f"{kata[0]} {kata[1][:2]}"):
                    await self.cat.minta("api cari", c, "GET", "/api/v1/pasien", params={"q": q},
                                         headers=h_api)  # fmt: skip
                badan = {"client_uuid": str(uuid.uuid4()), "pasien_id": pid, "unit_id": unit,
                         "penjamin": penjamin, "keluhan": "Batuk"}  # fmt: skip
                await self.cat.minta("api daftar", c, "POST", "/api/v1/kunjungan", json=badan,
                                     headers=h_api)  # fmt: skip
            else:
                for q in (kata[0][:3], kata[0], f"{kata[0]} {kata[1][:2]}"):
                    await self.cat.minta("htmx cari", c, "GET", "/loket/cari/", params={"q": q},
                                         headers=h_htmx, cookies=cookies)  # fmt: skip
                data = {"client_uuid": str(uuid.uuid4()), "penjamin": penjamin,
                        "keluhan": "Batuk", "layanan_diminta": "", "unit": str(unit)}  # fmt: skip
                await self.cat.minta("htmx simpan", c, "POST", f"/loket/pasien/{pid}/daftar/",
                                     data=data, headers=h_htmx, cookies=cookies)  # fmt: skip
            if not await self.tidur(SIKLUS_LOKET * random.uniform(0.8, 1.2)):
                return

    async def poli_api(self, c: Klien, pkm: dict, etag_dipakai: bool) -> None:
        """`etag_dipakai`: a well-behaved integrator sends back the list's ETag and gets 304
        while the queue is unchanged; the others fetch the whole list every time."""
        h = {"Authorization": f"Bearer {pkm['poli']['token']}"}
        unit = pkm["units"]["UMUM"]
        etag = None
        if not await self.tidur(random.uniform(0, POLI_DAFTAR)):
            return
        panggil_berikut = time.monotonic() + random.uniform(0, POLI_PANGGIL)
        while True:
            hx = {**h, "If-None-Match": etag} if etag else h
            r = await self.cat.minta("api antrean", c, "GET", f"/api/v1/antrean/{unit}",
                                     headers=hx, ok=(200, 304))  # fmt: skip
            if etag_dipakai and r is not None and r.status_code == 200:
                etag = r.headers.get("etag")
            if time.monotonic() >= panggil_berikut:
                panggil_berikut += POLI_PANGGIL
                await self.cat.minta(
                    "api panggil",
                    c,
                    "POST",
                    f"/api/v1/antrean/{unit}/panggil-berikutnya",
                    headers=h,
                    ok=(200, 409),
                )  # fmt: skip  (409: nobody waiting)
            if not await self.tidur(POLI_DAFTAR):
                return

    async def poli_halaman(self, c: Klien, pkm: dict) -> None:
        cookies = {"sessionid": pkm["poli"]["sesi"], "csrftoken": CSRF}
        unit = pkm["units"]["UMUM"]
        if not await self.tidur(random.uniform(0, POLI_HALAMAN)):
            return
        while True:
            await self.cat.minta("poli halaman", c, "GET", f"/antrean/poli/{unit}/",
                                 headers={"HX-Request": "true"}, cookies=cookies)  # fmt: skip
            if not await self.tidur(POLI_HALAMAN):
                return

    async def fragmen_tv(self, jenis: str, c: Klien, pkm: dict) -> None:
        """One fetch of the TV fragment as Chromium makes it: the ETag of the last fragment
        this display received goes back as If-None-Match (a 304 keeps what it shows)."""
        h = {"HX-Request": "true"}
        etag = pkm.get("etag_tv")
        if etag:
            h["If-None-Match"] = etag
        r = await self.cat.minta(jenis, c, "GET", f"/antrean/tv/{pkm['kunci_tv']}/", headers=h,
                                 ok=(200, 304))  # fmt: skip
        if r is not None and r.status_code == 200:
            pkm["etag_tv"] = r.headers.get("etag")

    async def tv(self, c: Klien, pkm: dict) -> None:
        kunci = pkm["kunci_tv"]
        versi = None
        if not await self.tidur(random.uniform(0, 2)):
            return
        while time.monotonic() < self.akhir:
            t = time.perf_counter()
            status = 0
            try:
                url = f"/antrean/tv/{kunci}/live/"
                async for status, baris in c.stream_baris(url):  # noqa: B007 (read after)
                    if baris is None:
                        if self.cat.aktif:
                            self.cat.lat["tv stream (connect)"].append(time.perf_counter() - t)
                        continue
                    if time.monotonic() >= self.akhir:
                        return
                    # live.js re-fetches only a version it has not shown: the stream repeats
                    # the current one on every heartbeat (5 s) and on every reconnect.
                    if baris.startswith("data:") and (v := baris[5:].strip()) != versi:
                        if versi is not None:
                            await self.fragmen_tv("tv fragment", c, pkm)
                        versi = v
                if status == 200:
                    continue
                if status != 204 and self.cat.aktif:
                    self.cat.galat["tv stream (connect)"] += 1
            except Exception:
                if self.cat.aktif:
                    self.cat.galat["tv stream (connect)"] += 1
            # No slot: poll the version like live.js, try the stream again after a minute.
            lagi = time.monotonic() + TV_SSE_LAGI
            while time.monotonic() < min(lagi, self.akhir):
                r = await self.cat.minta("tv versi", c, "GET", f"/antrean/tv/{kunci}/versi/")
                v = r.json().get("v") if r is not None and r.status_code == 200 else None
                if v is not None and v != versi:
                    if versi is not None:
                        await self.fragmen_tv("tv fragment", c, pkm)
                    versi = v
                if not await self.tidur(TV_POLL):
                    return

    async def tv_segar(self, c: Klien, pkm: dict) -> None:
        """The TV fragment's own `hx-trigger="every 20s"` (templates/antrean/tv.html)."""
        if not await self.tidur(random.uniform(0, TV_SEGAR)):
            return
        while True:
            await self.fragmen_tv("tv fragment (20 s)", c, pkm)
            if not await self.tidur(TV_SEGAR):
                return


async def beban(
    base: str, data: list[dict], detik: float, etag_bagian: float,
    pemanasan: float = 0.0, mulai_ukur: Callable[[], None] | None = None,
    sampel: Callable[[], dict[str, float]] | None = None,
) -> Catatan:  # fmt: skip
    """The load for `pemanasan` + `detik` seconds; only requests started after the warm-up
    are recorded, and `mulai_ukur` is called when it ends (the CPU counters start there)."""
    cat = Catatan()
    akhir = time.monotonic() + pemanasan + detik
    cat.aktif = pemanasan <= 0

    async def pemanasan_selesai() -> None:
        await asyncio.sleep(pemanasan)
        if mulai_ukur is not None:
            mulai_ukur()
        cat.aktif = True

    if pemanasan <= 0 and mulai_ukur is not None:
        mulai_ukur()
    pemain = Pemain(base, cat, akhir)
    # No client-side cap: every simulated screen is its own browser, and 300 TVs hold their
    # streams; idle keep-alive connections are shared from one pool (bench/_http.py).
    c = Klien(base, timeout=30)
    tugas = []
    for i, pkm in enumerate(data):
        # One shuffled list per Puskesmas for the whole run: a patient registered at one level
        # is not registered again at the next (that is a 409: one visit per unit and day).
        if "antre" not in pkm:
            pkm["antre"] = random.sample(pkm["pasien"], len(pkm["pasien"]))
        pasien = pkm["antre"]
        for cred in pkm["loket"]:
            tugas.append(pemain.loket(c, pkm, cred, pasien))
        etag = (i % 100) < etag_bagian * 100
        tugas += [pemain.poli_api(c, pkm, etag), pemain.poli_halaman(c, pkm), pemain.tv(c, pkm),
                  pemain.tv_segar(c, pkm)]  # fmt: skip
    if pemanasan > 0:
        tugas.append(pemanasan_selesai())
    if sampel is not None:

        async def catat_sampel() -> None:
            # The loop's own lag rides along: a late wake-up here is the load generator's stall,
            # not the server's, and would show in every latency of that window.
            while time.monotonic() < akhir:
                t = time.perf_counter()
                await asyncio.sleep(1.0)
                lambat = time.perf_counter() - t - 1.0
                if cat.aktif:
                    cat.sampel.append((time.perf_counter(), {**sampel(), "lag": lambat}))

        tugas.append(catat_sampel())
    await asyncio.gather(*tugas)
    await c.aclose()
    return cat


# --- In-process profile per request kind ------------------------------------------------------


def profil(pkm: dict, n: int = 100) -> None:
    """Each request kind through Django's test client in this process, on a Puskesmas the load
    does not touch, its morning under way (30 waiting, 3 called): CPU ms a request (the least
    disturbed of 5 batches: the box is shared) and SQL statements, and each kind's share of the
    total at the rates one Puskesmas plays. No HTTP server, so gunicorn's own share is left out."""
    import json

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from antrean import live

    host = {"HTTP_HOST": "127.0.0.1"}
    unit, kunci = pkm["units"]["UMUM"], pkm["kunci_tv"]
    api_poli = Client(HTTP_AUTHORIZATION=f"Bearer {pkm['poli']['token']}", **host)
    api_loket = Client(HTTP_AUTHORIZATION=f"Bearer {pkm['loket'][0]['token']}", **host)
    poli, loket, tv = Client(**host), Client(**host), Client(**host)
    poli.cookies["sessionid"] = pkm["poli"]["sesi"]
    loket.cookies["sessionid"], loket.cookies["csrftoken"] = pkm["loket"][1]["sesi"], CSRF
    pasien = iter(pkm["pasien"])
    etag: list[str] = []

    def daftar():
        badan = {"client_uuid": str(uuid.uuid4()), "pasien_id": next(pasien)[0], "unit_id": unit,
                 "penjamin": "umum", "keluhan": "Batuk"}  # fmt: skip
        return api_loket.post("/api/v1/kunjungan", json.dumps(badan), "application/json")

    def simpan():
        data = {"client_uuid": str(uuid.uuid4()), "penjamin": "umum", "keluhan": "Batuk",
                "layanan_diminta": "", "unit": str(unit)}  # fmt: skip
        return loket.post(f"/loket/pasien/{next(pasien)[0]}/daftar/", data,
                          HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=CSRF)  # fmt: skip

    def panggil():
        return api_poli.post(f"/api/v1/antrean/{unit}/panggil-berikutnya")

    def daftar_baru():  # the list right after a change of the queue: a cache miss
        live._bump(pkm["pkm"])
        return api_poli.get(f"/api/v1/antrean/{unit}")

    def etag_304():
        if not etag:
            etag.append(api_poli.get(f"/api/v1/antrean/{unit}").get("ETag", ""))
        return api_poli.get(f"/api/v1/antrean/{unit}", HTTP_IF_NONE_MATCH=etag[0])

    def tv_baru():  # the fragment right after a change the TV shows: a cache miss
        live._bump(pkm["pkm"])
        return tv.get(f"/antrean/tv/{kunci}/", HTTP_HX_REQUEST="true")

    etag_tv: list[str] = []

    def tv_segar():  # the 20 s refresh of an unchanged screen, with the ETag it holds
        url = f"/antrean/tv/{kunci}/"
        if not etag_tv:
            etag_tv.append(tv.get(url, HTTP_HX_REQUEST="true").get("ETag", ""))
        return tv.get(url, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=etag_tv[0])

    def daftar_antrean():
        return api_poli.get(f"/api/v1/antrean/{unit}")

    def halaman():
        return poli.get(f"/antrean/poli/{unit}/", HTTP_HX_REQUEST="true")

    def halaman_baru():  # the panel right after a change of its unit's queue: a cache miss
        live._bump(pkm["pkm"])
        return halaman()

    def cari_api():
        return api_loket.get("/api/v1/pasien", {"q": "Siti Am"})

    def cari_htmx():
        return loket.get("/loket/cari/", {"q": "Siti Am"}, HTTP_HX_REQUEST="true")

    def stream():
        r = tv.get(f"/antrean/tv/{kunci}/live/")
        r.close()  # the slot back; the body (blocked waiting) is not read here
        return r

    for _ in range(33):
        daftar()
    for _ in range(3):
        panggil()
    # Rates per Puskesmas per second as played; the poli list sees a new version about 44% of
    # the time (7 changes a minute, a list every 5 s), the rest split by --etag in the run.
    ubah = 1 - 2.718 ** (-(7 / 60) * POLI_DAFTAR)
    ubah_halaman = 1 - 2.718 ** (-(7 / 60) * POLI_HALAMAN)
    jenis = {
        "api antrean (changed)": (daftar_baru, ubah / POLI_DAFTAR),
        "api antrean (cached)": (daftar_antrean, (1 - ubah) / POLI_DAFTAR / 2),
        "api antrean (304)": (etag_304, (1 - ubah) / POLI_DAFTAR / 2),
        # The panel is cached per unit queue version (antrean/views.py): a refresh 10 s after
        # the last one finds its unit changed about 69% of the time at the played rates.
        "poli halaman (changed)": (halaman_baru, ubah_halaman / POLI_HALAMAN),
        "poli halaman (cached)": (halaman, (1 - ubah_halaman) / POLI_HALAMAN),
        # The TV's own signal moves on calls (1 a minute) and the few registrations that land
        # among the three numbers it shows; it used to move on all 7 changes a minute.
        "tv fragment": (tv_baru, TV_UBAH / 60),
        "tv fragment (20 s)": (tv_segar, 1 / TV_SEGAR),
        "tv stream (connect)": (stream, 1 / 30),
        "api cari": (cari_api, 0.15),
        "htmx cari": (cari_htmx, 0.15),
        "api daftar": (daftar, 0.05),
        "htmx simpan": (simpan, 0.05),
        "api panggil": (panggil, 1 / POLI_PANGGIL),
    }
    baris = []
    for nama, (f, laju) in jenis.items():
        kali = 5 if nama in ("api panggil", "api daftar", "htmx simpan") else n // 5
        f()
        with CaptureQueriesContext(connection) as q, _hitung_redis() as nr:
            r = f()
        nq = len(q.captured_queries)  # now: the next request's start clears the query log
        assert r.status_code in (200, 201, 304, 409), (nama, r.status_code, r.content[:200])
        cpu = []
        for _ in range(5):
            t = time.process_time()
            for _ in range(kali):
                f()
            cpu.append((time.process_time() - t) * 1000 / kali)
        baris.append((nama, min(cpu), nq, nr[0], laju))
    total = sum(c * laju for _, c, _, _, laju in baris)
    print(
        f"\nin-process profile (one Puskesmas, {len(pkm['pasien'])} patients, 30 waiting; "
        f"DEBUG {settings.DEBUG}):"
    )
    print(
        f"  {'kind':<24} {'CPU ms':>7} {'SQL':>4} {'Redis':>6} {'req/s/PKM':>10} {'CPU share':>10}"
    )
    for nama, c, nq, nr, laju in baris:
        print(
            f"  {nama:<24} {c:>7.2f} {nq:>4} {nr:>6} {laju:>10.3f} {c * laju / total * 100:>9.0f}%"
        )
    print(
        f"  mean {total / sum(laju for *_, laju in baris):.2f} ms a request; "
        f"{total * PKM_PER_DISTRIK * 10 / 1000:.2f} cores for ten districts (Django alone)"
    )


@contextlib.contextmanager
def _hitung_redis():
    """Round trips to Redis while the block runs (a pipeline is one): with SQL statements, the
    waits after which a request thread must take its process's GIL again."""
    import redis

    n = [0]
    asli_c, asli_p = redis.Redis.execute_command, redis.client.Pipeline.execute

    def perintah(self, *a, **kw):
        n[0] += 1
        return asli_c(self, *a, **kw)

    def pipa(self, *a, **kw):
        n[0] += 1
        return asli_p(self, *a, **kw)

    redis.Redis.execute_command, redis.client.Pipeline.execute = perintah, pipa
    try:
        yield n
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = asli_c, asli_p


def cetak(
    tingkat: int, cat: Catatan, detik: float, pss: tuple[float, float], cpu_load: str
) -> None:
    n_pkm = tingkat * PKM_PER_DISTRIK
    total = sum(len(v) for v in cat.lat.values())
    print(f"\n{tingkat} district(s): {n_pkm} Puskesmas, {detik:g} s, {total / detik:.0f} req/s")
    print(
        f"  {'kind':<22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}"
        f" {'304':>6}"
    )
    for jenis in sorted(cat.lat):
        lat = cat.lat[jenis]
        print(
            f"  {jenis:<22} {len(lat):>6} {_infra.ms(lat, 0.5):>8.1f} {_infra.ms(lat, 0.95):>8.1f} "
            f"{max(lat) * 1000:>8.1f} {cat.galat.get(jenis, 0):>7} {cat.n304.get(jenis, 0):>6}"
        )
    tv = {j: len(v) for j, v in cat.lat.items() if j.startswith("tv")}
    print(
        f"  TV requests: {sum(tv.values())} of {total} ({sum(tv.values()) / max(total, 1):.0%}), "
        f"{sum(cat.n304.get(j, 0) for j in tv)} of them 304"
    )
    print(
        f"  PSS gunicorn workers + Celery worker: {pss[0]:.0f} MB "
        f"(with the gunicorn master: {pss[1]:.0f} MB) · load average {cpu_load}"
    )


def cetak_garis_waktu(cat: Catatan, jendela: float) -> None:
    if not cat.waktu:
        return
    t0 = min(t for t, _ in cat.waktu)
    per: dict[int, list[float]] = defaultdict(list)
    for t, lat in cat.waktu:
        per[int((t - t0) // jendela)].append(lat)
    # Counters sampled once a second, as cores over each window: whether a slow window was
    # a busy machine (CPU), a stalled one (idle cores, waits) or the load generator itself.
    sumber: dict[int, list[tuple[float, dict[str, float]]]] = defaultdict(list)
    for t, c in cat.sampel:
        sumber[int((t - t0) // jendela)].append((t, c))

    def inti(i: int, k: str) -> str:
        s = sumber.get(i, [])
        if len(s) < 2:
            return "-"
        return f"{(s[-1][1][k] - s[0][1][k]) / (s[-1][0] - s[0][0]):.2f}"

    print(
        f"  per {jendela:g} s: started, p50 / p95 / max ms"
        + (
            " · cores busy / web / PostgreSQL, worst loop lag ms, PG waiting, autovacuum"
            if cat.sampel
            else ""
        )
    )
    for i in sorted(per):
        lat = per[i]
        baris = (
            f"    {i * jendela:>5.0f} s {len(lat):>6} {_infra.ms(lat, 0.5):>8.1f} "
            f"{_infra.ms(lat, 0.95):>8.1f} {max(lat) * 1000:>8.1f}"
        )
        if cat.sampel:
            s = sumber.get(i, [])
            lag = max((c["lag"] for _, c in s), default=0.0) * 1000
            tunggu = max((c.get("tunggu", 0.0) for _, c in s), default=0.0)
            av = max((c.get("av", 0.0) for _, c in s), default=0.0)
            baris += (
                f"   {inti(i, 'sibuk'):>5} {inti(i, 'web'):>5} {inti(i, 'pg'):>5}"
                f" {lag:>7.0f} {tunggu:>4.0f} {av:>3.0f}"
            )
        print(baris)


def main() -> None:
    args = _parse()
    tingkat = [int(x) for x in args.tingkat.split(",")]
    import psycopg

    t0 = time.perf_counter()
    n_pkm = max(tingkat) * PKM_PER_DISTRIK + args.profil
    with (
        _infra.postgres_sendiri() as (server_url, pg_port),
        _infra.redis_sendiri() as redis_url,
        integ.simulator_jalan(integ.peserta_perlu(n_pkm * args.pasien, args.bpjs))
        if args.integrasi
        else contextlib.nullcontext() as sim,
    ):
        pg_pid = _infra.pid_pendengar(pg_port)
        redis_pid = _infra.pid_pendengar(int(redis_url.rsplit(":", 1)[1].split("/")[0]))
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        db_url = server_url.rsplit("/", 1)[0] + "/bench"
        env = _infra.env_app(db_url, redis_url)
        if sim is not None:
            env.update(sim.env)
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
        os.environ["REDIS_URL"] = redis_url
        import redis

        info = redis.Redis.from_url(redis_url)

        def _sambungan() -> int:
            return int(info.info("stats")["total_connections_received"])

        print(f"VM speed: {_infra.kalibrasi():.0f} ms for a fixed Python loop (lower: faster)")
        t = time.perf_counter()
        data = buat_data(n_pkm, args.pasien, sim, args.bpjs)
        if args.profil:
            profil(data.pop())
        from django.db import connection
        from django.utils import timezone

        connection.close()
        print(
            f"set-up: {len(data)} Puskesmas, {args.pasien} patients each, "
            f"{time.perf_counter() - t:.0f} s; {os.cpu_count()} CPUs; gunicorn {args.workers} × "
            f"{args.threads} threads ({'command line' if args.klasik else 'config/gunicorn.py'}), "
            f"1 Celery worker (pool {args.celery_pool}, concurrency 1)"
        )
        if sim is not None:
            print(
                f"integration: SATUSEHAT ({sim.ss_url}) and BPJS ({sim.bpjs_url}, "
                f"{sim.peserta} participants) simulators on for every Puskesmas; "
                f"{args.bpjs:.0%} of the patients BPJS"
            )
        with (
            _infra.gunicorn(env, args.workers, args.threads, konfig=not args.klasik) as (
                base,
                gpid,
            ),
            _infra.celery_worker(env, pool=args.celery_pool) as cpid,
        ):
            awal: dict[str, float] = {}

            def mulai_ukur() -> None:
                """Called when the warm-up ends: every counter starts from here."""
                web0 = [p for p in _infra.anak(gpid) if p != gpid]
                awal["per_pekerja"] = {p: _infra.cpu_detik([p]) for p in web0}
                awal.update(
                    cpu=_infra.cpu_detik(web0), celery=_infra.cpu_detik(_infra.anak(cpid)),
                    gen=time.process_time(), dinding=time.perf_counter(), sambung=_sambungan(),
                    pg=_infra.cpu_server(pg_pid), redis=_infra.cpu_server(redis_pid),
                    mesin=_infra.cpu_mesin(),
                )  # fmt: skip
                if sim is not None:
                    awal["saat"] = timezone.now()
                    awal["sim"] = {n: _infra.cpu_detik([p]) for n, p in sim.pid.items()}
                    awal["sesi"] = _sesi_pg()

            pantau = psycopg.connect(db_url, autocommit=True) if args.garis_waktu else None
            # With --integrasi: backends PostgreSQL started (each a fork and a cold catalog
            # cache), the delivery path's connection churn.
            sesi_pg = psycopg.connect(db_url, autocommit=True) if sim is not None else None

            def _sesi_pg() -> int:
                assert sesi_pg is not None
                baris = sesi_pg.execute(
                    "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
                return int(baris[0]) if baris else 0

            def sampel() -> dict[str, float]:
                """Cumulative CPU seconds (machine busy, web workers, PostgreSQL) and the
                PostgreSQL backends waiting on a lock or I/O right now."""
                assert pantau is not None
                tunggu, av = pantau.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active' AND wait_event_type IN "
                    "('Lock', 'LWLock', 'IO') AND pid <> pg_backend_pid()), "
                    "count(*) FILTER (WHERE backend_type = 'autovacuum worker') "
                    "FROM pg_stat_activity"
                ).fetchone()
                return {
                    "sibuk": _infra.cpu_mesin()["sibuk"],
                    "web": _infra.cpu_detik([p for p in _infra.anak(gpid) if p != gpid]),
                    "pg": _infra.cpu_server(pg_pid),
                    "tunggu": float(tunggu),
                    "av": float(av),
                }

            for n in tingkat:
                cat = asyncio.run(
                    beban(base, data[: n * PKM_PER_DISTRIK], args.detik, args.etag,
                          args.pemanasan, mulai_ukur, sampel if pantau else None)
                )  # fmt: skip
                if sim is not None:
                    saat_akhir = timezone.now()
                    sesi = _sesi_pg() - awal["sesi"]
                    cpu_sim = {
                        n: _infra.cpu_detik([p]) - awal["sim"][n] for n, p in sim.pid.items()
                    }
                cpu0, celery0, gen0, dinding0, sambung0, pg0, redis0 = (
                    awal[k] for k in ("cpu", "celery", "gen", "dinding", "sambung", "pg", "redis")
                )
                gen = time.process_time() - gen0
                # The level lasts past --detik while a saturated server drains what is queued.
                dinding = time.perf_counter() - dinding0
                sambung = _sambungan() - sambung0
                cpu_pg = _infra.cpu_server(pg_pid) - pg0
                cpu_redis = _infra.cpu_server(redis_pid) - redis0
                web = [p for p in _infra.anak(gpid) if p != gpid]
                pekerja = web + _infra.anak(cpid)
                # CPU of the web workers and the Celery worker over the level: less noisy than
                # latency on a shared machine (a recycled worker's CPU is lost: may undercount).
                cpu_web = _infra.cpu_detik(web) - cpu0
                cpu_celery = _infra.cpu_detik(_infra.anak(cpid)) - celery0
                cpu = cpu_web + cpu_celery
                n_minta = sum(len(v) for v in cat.lat.values())
                # With preload the master shares its pages with the workers: PSS splits them, so
                # the workers alone would undercount; both figures are printed.
                pss = (_infra.pss_mb(pekerja), _infra.pss_mb([gpid, *pekerja]))
                cetak(n, cat, args.detik, pss, " ".join(f"{x:.1f}" for x in os.getloadavg()))
                if args.garis_waktu:
                    cetak_garis_waktu(cat, args.garis_waktu)
                print(
                    f"  CPU web workers + Celery: {cpu:.1f} s in {dinding:.0f} s "
                    f"({cpu / dinding:.2f} cores), {cpu * 1000 / max(n_minta, 1):.1f} ms "
                    f"a request (web {cpu_web * 1000 / max(n_minta, 1):.1f} ms, "
                    f"Celery {cpu_celery * 1000 / max(n_minta, 1):.1f} ms)"
                )
                print(
                    f"  CPU of this load generator: {gen:.1f} s ({gen / dinding:.2f} cores), "
                    f"{gen * 1000 / max(n_minta, 1):.2f} ms a request"
                )
                print(
                    f"  CPU PostgreSQL: {cpu_pg:.1f} s ({cpu_pg / dinding:.2f} cores), "
                    f"{cpu_pg * 1000 / max(n_minta, 1):.1f} ms a request; Redis: "
                    f"{cpu_redis:.1f} s ({cpu_redis / dinding:.2f} cores)"
                )
                if sim is not None:
                    # Their own processes: in none of the figures above, in "whole machine".
                    print(
                        "  CPU simulators (remote services, not the server): "
                        + ", ".join(f"{k} {c:.1f} s ({c / dinding:.2f} cores)"
                                    for k, c in cpu_sim.items())
                        + "; inside 'whole machine' below"
                    )  # fmt: skip
                per = sorted(
                    (_infra.cpu_detik([p]) - awal["per_pekerja"].get(p, 0.0)) / dinding for p in web
                )
                # One process runs Python on one core at most (the GIL): a worker near 1.0
                # while others idle is a queue no free core can help.
                print(f"  web workers' cores each: {', '.join(f'{x:.2f}' for x in per)}")
                m0, m1 = awal["mesin"], _infra.cpu_mesin()
                m = {k: (m1[k] - m0[k]) / dinding for k in m1}
                print(
                    f"  whole machine: {m['sibuk']:.2f} cores busy, {m['diam']:.2f} idle, "
                    f"{m['curi']:.2f} stolen by the hypervisor"
                )
                # A healthy server keeps its Redis connections: this counts new ones.
                print(f"  Redis connections opened: {sambung} ({sambung / dinding:.1f}/s)")
                if sim is not None:
                    print(f"  PostgreSQL sessions started: {sesi} ({sesi / dinding:.1f}/s)")
                    integ.cetak_kiriman(
                        awal["saat"], saat_akhir, args.kuras, cpu_celery,
                        lambda: _infra.cpu_detik(_infra.anak(cpid)),
                    )  # fmt: skip
            for c in (pantau, sesi_pg):
                if c is not None:
                    c.close()
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
