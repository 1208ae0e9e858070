"""Soak under compound faults (issue 9): three lokets register continuously while faults are
injected at random, then every entry typed is checked against the database.

    .venv/bin/python bench/soak.py [--menit 4] [--seed 9] [--jenis lan,gunicorn,...]

Needs no DATABASE_URL/REDIS_URL: it starts its own PostgreSQL cluster (initdb into a temp dir,
as user postgres when run as root) and its own redis-server, so it can stop them, and on them
the production-like stack of tests/browser/gangguan.py — gunicorn with the project's settings
and DEBUG off, a Celery worker with beat, the BPJS simulator — on the demo data
(`manage.py muat_demo`). Three persistent Chromium profiles (loket1..3) drive the real loket
page like an officer: F4, the new patient's fields, Ctrl+Enter, the visit, Ctrl+Enter, read
the ticket number, Esc. Loopback only; every process is stopped at the end (also on Ctrl-C).

Faults, one at a time, at random (`--jenis` picks a subset):
  lan       one loket's network cut (`context.set_offline`) for 8–25 s
  gunicorn  SIGKILL of the web server (master + workers), restarted after 5–20 s
  postgres  `pg_ctl stop -m immediate`, started again after 8–25 s
  redis     SIGKILL of redis-server (broker queue and cache lost), restarted after 8–25 s
  worker    SIGKILL of the Celery worker, restarted after 3–10 s
  jam       one loket's PC clock off by −3 h, −1 day or +1 day (its `Date` shifted by an init
            script; timers keep running), with its network cut in the middle of it, so entries
            are made offline under the wrong clock

After `--menit` the typing stops, every fault is healed, each loket's outbox is waited for
(bounded by `--kuras` seconds), and the figures are printed: entries typed (a ticket was shown),
stored once, lost, doubled, number clashes (one number held by two patients per unit and day,
counting what the lokets SHOWED and the final tickets), numbers replaced without the loket
being told, "nomor menyusul" never resolved at the loket, patients created twice, and the worst
time from a fault to the loket showing offline mode (faults that stop the server for a loket:
lan, gunicorn, postgres, jam). `--keep` keeps the temp folder (logs, `entri.json`).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.gangguan import (  # noqa: E402 - after the path
    Entri,
    GagalDiLoket,
    Loket,
    Percobaan,
    Tumpukan,
    orang_ke,
    periksa,
    simpan_json,
    tersedia,
    waktu_sadar,
)

JENIS = ("lan", "gunicorn", "postgres", "redis", "worker", "jam")
MEMUTUS = {"lan", "gunicorn", "postgres", "jam"}  # the loket must notice these
GESER_JAM = (-3 * 3600, -86400, 86400)


@dataclass
class Gangguan:
    jenis: str
    sasaran: str  # "semua" or a loket code
    mulai: float = 0.0
    pulih: float = 0.0
    catatan: str = ""


@dataclass
class Pekerja:
    """One loket's thread: its own Playwright (the sync API is per thread)."""

    indeks: int
    base: str
    folder: Path
    berhenti: threading.Event
    loket: Loket | None = None
    entri: list[Entri] = field(default_factory=list)
    gagal: list[Percobaan] = field(default_factory=list)
    pemberitahuan: dict[str, str] = field(default_factory=dict)
    sisa_outbox: int = -1
    galat: str = ""
    selesai_kuras: threading.Event = field(default_factory=threading.Event)
    siap: threading.Event = field(default_factory=threading.Event)
    kuras: float = 180.0

    @property
    def kode(self) -> str:
        return f"L{self.indeks + 1}"

    def jalan(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                lk = Loket(
                    pw,
                    self.folder / f"profil-{self.kode}",
                    self.base,
                    f"loket{self.indeks + 1}",
                    self.kode,
                )
                self.loket = lk
                lk.buka()
                lk.masuk()
                self.siap.set()
                n = 0
                while not self.berhenti.is_set():
                    orang = orang_ke(self.indeks + 1, n, dengan_nik=n % 5 != 4)
                    n += 1
                    try:
                        self.entri.append(lk.daftar_baru(orang, keluhan="demam"))
                    except GagalDiLoket as e:
                        uid = getattr(e, "client_uuid", "")
                        self.gagal.append(
                            Percobaan(self.kode, orang, e.tahap, e.pesan, uid, time.time())
                        )
                    except Exception as e:  # keep the counter going
                        self.gagal.append(
                            Percobaan(self.kode, orang, "galat", str(e)[:200], "", time.time())
                        )
                        if "closed" in str(e).lower():
                            lk.tutup()
                            lk.buka()
                        try:
                            lk._muat_ulang()
                        except Exception:
                            time.sleep(1)
                # Healed: cable in, clock right, then wait for the outbox (bounded).
                lk.jalankan_perintah()
                if not lk.lan:
                    lk.atur_lan(True)
                if lk.geser:
                    lk.atur_jam(0)
                with contextlib.suppress(Exception):
                    lk._muat_ulang()
                lk.tunggu_outbox_kosong(self.kuras)
                time.sleep(3)  # the replay's result list is drawn after the last batch
                self.sisa_outbox = lk.jumlah_outbox()
                self.pemberitahuan = lk.pemberitahuan()
                lk.tutup()
        except Exception:  # reported, never hangs the run
            self.galat = traceback.format_exc()
            self.siap.set()
        finally:
            self.selesai_kuras.set()


def perintah(p: Pekerja, f) -> threading.Event:
    """Run f(loket) in the loket's own thread; the event is set when it ran."""
    selesai = threading.Event()

    def jalan() -> None:
        try:
            f(p.loket)
        finally:
            selesai.set()

    assert p.loket
    p.loket.perintah.put(jalan)
    return selesai


def suntik(
    stack: Tumpukan, pekerja: list[Pekerja], jenis: str, rng: random.Random, akhir: float
) -> Gangguan:
    """Inject one fault, hold it, heal it. Returns when healed."""
    lama = {"worker": rng.uniform(3, 10), "gunicorn": rng.uniform(5, 20)}.get(
        jenis, rng.uniform(8, 25)
    )
    lama = max(3.0, min(lama, akhir - time.time()))
    if jenis in ("lan", "jam"):
        p = rng.choice(pekerja)
        g = Gangguan(jenis, p.kode)
        if jenis == "jam":
            geser = rng.choice(GESER_JAM)
            g.catatan = f"jam {geser / 3600:+.0f} j"
            perintah(p, lambda lk: lk.atur_jam(geser)).wait(10)
            time.sleep(2)

        def putus(lk: Loket) -> None:
            g.mulai = lk.atur_lan(False)

        perintah(p, putus).wait(15)
        time.sleep(lama)

        def sambung(lk: Loket) -> None:
            g.pulih = lk.atur_lan(True)

        perintah(p, sambung).wait(15)
        if jenis == "jam":
            time.sleep(5)
            perintah(p, lambda lk: lk.atur_jam(0)).wait(10)
        return g
    g = Gangguan(jenis, "semua", mulai=time.time())
    berhenti, mulai = {
        "gunicorn": (stack.bunuh_gunicorn, stack.mulai_gunicorn),
        "postgres": (stack.hentikan_postgres, stack.mulai_postgres),
        "redis": (stack.hentikan_redis, stack.mulai_redis),
        "worker": (stack.bunuh_worker, stack.mulai_worker),
    }[jenis]
    berhenti()
    time.sleep(lama)
    g.pulih = time.time()
    mulai()
    return g


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--menit", type=float, default=4.0, help="minutes of typing and faults")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--jenis", default=",".join(JENIS), help="fault kinds, comma-separated")
    ap.add_argument("--jeda", type=float, default=6.0, help="mean seconds between faults")
    ap.add_argument("--kuras", type=float, default=180.0, help="bound on the final outbox wait (s)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (logs, entri.json)")
    args = ap.parse_args()
    alasan = tersedia()
    if alasan:
        print(f"soak: cannot run here: {alasan}")
        return 2
    jenis = [j for j in args.jenis.split(",") if j]
    assert set(jenis) <= set(JENIS), jenis
    rng = random.Random(args.seed)
    stack = Tumpukan(gunicorn_workers=2)
    berhenti = threading.Event()
    pekerja: list[Pekerja] = []
    utas: list[threading.Thread] = []
    gangguan: list[Gangguan] = []
    t_awal = time.time()
    try:
        print(f"soak: stack in {stack.folder} …", flush=True)
        stack.siapkan(pasien=300)
        stack.database_baru("soak")
        stack.jalankan()
        print(f"soak: server {stack.base} ready after {time.time() - t_awal:.0f} s", flush=True)
        for i in range(3):
            p = Pekerja(i, stack.base, stack.folder, berhenti, kuras=args.kuras)
            t = threading.Thread(target=p.jalan, name=p.kode, daemon=True)
            pekerja.append(p)
            utas.append(t)
            t.start()
            p.siap.wait(120)  # one Chromium at a time through its first page load
        for p in pekerja:
            if p.galat:
                raise RuntimeError(f"{p.kode} did not start:\n{p.galat}")
        mulai = time.time()
        akhir = mulai + args.menit * 60
        print(
            f"soak: {args.menit} min of registration with faults ({', '.join(jenis)})", flush=True
        )
        time.sleep(min(10, args.menit * 6))  # some online entries first
        while time.time() < akhir - 8:
            j = rng.choice(jenis)
            g = suntik(stack, pekerja, j, rng, akhir)
            gangguan.append(g)
            n = sum(len(p.entri) for p in pekerja)
            print(
                f"  {time.time() - mulai:5.0f} s  {g.jenis:<8} {g.sasaran:<5} "
                f"{g.pulih - g.mulai:4.1f} s {g.catatan}  (entri: {n})",
                flush=True,
            )
            time.sleep(rng.uniform(0.5, 2 * args.jeda))
        berhenti.set()
        print("soak: typing stopped; healing everything and draining the outboxes …", flush=True)
        stack.pulihkan()
        for p in pekerja:
            p.selesai_kuras.wait(args.kuras + 90)
        # --- figures ------------------------------------------------------------------------
        entri = [e for p in pekerja for e in p.entri]
        gagal = [g for p in pekerja for g in p.gagal]
        diberitahu: dict[str, str] = {}
        for p in pekerja:
            diberitahu.update(p.pemberitahuan)
        lap = periksa(stack.db_url, entri, diberitahu)
        sadar: list[tuple[str, float]] = []
        tak_sadar: list[str] = []
        for g in gangguan:
            if g.jenis not in MEMUTUS:
                continue
            for p in pekerja:
                if g.sasaran not in ("semua", p.kode) or not p.loket:
                    continue
                w = waktu_sadar(p.loket, g.mulai, g.pulih)
                if w is None:
                    tak_sadar.append(f"{g.jenis}@{g.mulai - mulai:.0f}s {p.kode}")
                else:
                    sadar.append((g.jenis, w))
        print("\n==== soak: hasil ====")
        print(f"durasi                              {args.menit} min, seed {args.seed}")
        print(
            f"gangguan disuntikkan                {len(gangguan)} "
            f"({', '.join(f'{k} {v}' for k, v in Counter(g.jenis for g in gangguan).items())})"
        )
        print(lap.ringkas())
        nyata = [w for _, w in sadar if w > 0]  # 0: the loket was offline already
        if nyata:
            per = ", ".join(
                f"{j} {max(w for k, w in sadar if k == j):.1f} s"
                for j in sorted({k for k, _ in sadar})
            )
            print(
                f"waktu sadar gangguan (→ mode luring) terburuk {max(nyata):.1f} s, "
                f"p50 {statistics.median(nyata):.1f} s, n {len(nyata)}  (terburuk: {per})"
            )
        print(
            f"gangguan tak disadari loket         {len(tak_sadar)}"
            + (f"  ({', '.join(tak_sadar[:12])})" if tak_sadar else "")
        )
        daring = [e for e in entri if e.modus == "online"]
        if daring:
            lama = sorted(e.lama_simpan for e in daring)
            print(
                f"simpan daring (Ctrl+Enter → tiket)  p50 {statistics.median(lama):.2f} s, "
                f"p95 {lama[int(0.95 * (len(lama) - 1))]:.2f} s, maks {lama[-1]:.2f} s, "
                f"n {len(lama)}"
            )
        lambat = [e for e in entri if e.lama_total > 10]
        print(
            f"pendaftaran > 10 s (F4 → tiket)     {len(lambat)}; "
            f"Ctrl+Enter ditekan ulang pada {sum(e.ulang > 0 for e in entri)} entri"
        )
        for j in ("redis", "worker"):
            jendela = [(g.mulai, g.pulih + 2) for g in gangguan if g.jenis == j]
            xs = [e.lama_simpan for e in daring if any(a <= e.t <= b for a, b in jendela)]
            if xs:
                print(f"  … selama {j} mati                maks {max(xs):.2f} s, n {len(xs)}")
        per_tahap = Counter(g.tahap for g in gagal)
        print(
            f"percobaan tanpa tiket               {len(gagal)}"
            + (f"  ({', '.join(f'{k}: {v}' for k, v in per_tahap.items())})" if gagal else "")
        )
        tanpa_pesan = [g for g in gagal if not g.pesan.strip()]
        print(f"  … tanpa pesan apa pun di layar    {len(tanpa_pesan)}")
        for p in pekerja:
            print(
                f"{p.kode}: {len(p.entri)} entri "
                f"({sum(e.modus == 'offline' for e in p.entri)} luring), "
                f"{len(p.gagal)} gagal, outbox tersisa {p.sisa_outbox}, galat JS "
                f"{len(p.loket.galat_js) if p.loket else '?'}"
            )
            if p.galat:
                print(f"  galat: {p.galat[-800:]}")
            for g in (p.loket.galat_js if p.loket else [])[:3]:
                print(f"  galat JS: {g[:200]}")
        if not lap.bersih or lap.tertahan:
            print("\n" + lap.semua().split("\n", len(lap.ringkas().splitlines()))[-1])
        if gagal:
            print("-- contoh percobaan gagal:")
            for g in gagal[:8]:
                print(f"  {g.loket} {g.tahap}: {g.pesan[:160]}")
        simpan_json(
            stack.folder / "entri.json",
            {
                "entri": [e.__dict__ for e in entri],
                "gagal": [g.__dict__ for g in gagal],
                "gangguan": [g.__dict__ for g in gangguan],
                "pemberitahuan": diberitahu,
            },
        )
        return 0 if lap.bersih and not lap.tertahan and not tak_sadar else 1
    finally:
        berhenti.set()
        for p in pekerja:
            p.selesai_kuras.wait(5)
        stack.hentikan_semua()
        for t in utas:
            t.join(10)
        if args.keep:
            stack.pg.hentikan("fast") if stack.pg.hidup else None
            print(f"(kept {stack.folder})")
        else:
            stack.buang()


if __name__ == "__main__":
    sys.exit(main())
