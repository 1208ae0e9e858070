"""Switchover time in Chromium: from network loss to the next registration saved locally.

    DATABASE_URL=... .venv/bin/python bench/switchover.py [--ulang 20]

Starts `manage.py runserver` on a throwaway SQLite database (demo Puskesmas), logs loket1 in,
then per trial: the officer has the visit form of a patient open (online), the network is cut
(`context.set_offline(True)` at t0), and the officer presses Ctrl+Enter at once. Measured from
t0,:
  - banner: the red LURING banner is in the DOM;
  - tersimpan: the entry is committed to the IndexedDB outbox.
t0 is taken in Python right before `set_offline(True)`; the page's Date.now() runs on the same
system clock. The banner time comes from a MutationObserver, the save time is the outbox
entry's own timestamp. Between trials the outbox is emptied and the network restored.
Prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RAIZ))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SANDI = "bench-switchover-1"  # the throwaway database's loket1
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

PASANG = """() => {
  window.__bannerPada = null;
  const cek = () => {
    if (!window.__bannerPada && document.querySelector('.banner--luring')) {
      window.__bannerPada = Date.now();
    }
  };
  new MutationObserver(cek).observe(document.body, { subtree: true, childList: true });
  return document.querySelector('form.form-kunjungan [name=client_uuid]').value;
}"""


def port_bebas() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def persen(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ulang", type=int, default=20)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="switchover-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "REDIS_URL": "",
        "DEBUG": "1",
        "SESSION_IDLE_MINUTES": "0",
    }
    py = str(RAIZ / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=RAIZ, env=env, check=True)
    skrip = (
        "from puskesmas.demo import muat_demo;muat_demo(jumlah_pasien=5);"
        "from django.contrib.auth.models import User;u=User.objects.get(username='loket1');"
        f"u.set_password('{SANDI}');u.save()"
    )
    subprocess.run([py, "manage.py", "shell", "-c", skrip], cwd=RAIZ, env=env, check=True)
    port = port_bebas()
    server = subprocess.Popen(
        [py, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=RAIZ,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = browser.new_context(viewport={"width": 1366, "height": 900})
            page = ctx.new_page()
            page.goto(f"{base}/masuk/?next=/loket/")
            page.fill("#id_username", "loket1")
            page.fill("#id_password", SANDI)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/loket/")
            banner: list[float] = []
            simpan: list[float] = []
            for i in range(args.ulang):
                page.goto(f"{base}/loket/pasien/1/")  # a demo patient's visit form
                while not page.evaluate("document.documentElement.dataset.luringSiap === '1'"):
                    time.sleep(0.05)
                page.locator("form.form-kunjungan").wait_for()
                page.fill("#id_keluhan", f"percobaan {i}")
                page.focus("#id_keluhan")
                uuid = page.evaluate(PASANG)
                # t0 on the shared system clock (the page's Date.now() is the same clock); the
                # officer presses Ctrl+Enter right as the network goes.
                t0 = time.time() * 1000
                ctx.set_offline(True)
                page.keyboard.press("Control+Enter")
                entri = None
                batas = time.monotonic() + 10
                while entri is None and time.monotonic() < batas:
                    entri = page.evaluate(f"window.loketLuring.outbox.ambil('{uuid}')")
                    if entri is None:
                        time.sleep(0.005)
                assert entri is not None, "entri tidak tersimpan"
                simpan.append(entri["seq"] - t0)  # seq = Date.now() when the outbox stored it
                while page.evaluate("window.__bannerPada") is None:
                    time.sleep(0.005)
                banner.append(page.evaluate("window.__bannerPada") - t0)
                page.evaluate(
                    "window.loketLuring.outbox.daftar().then(es => Promise.all("
                    "es.map(e => window.loketLuring.outbox.hapus(e.client_uuid))))"
                )
                ctx.set_offline(False)
            browser.close()
        for nama, xs in (("banner tampil", banner), ("pendaftaran tersimpan lokal", simpan)):
            print(
                f"{nama:30s} n={len(xs)}  p50={statistics.median(xs):7.1f} ms  "
                f"p95={persen(xs, 95):7.1f} ms  maks={max(xs):7.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
