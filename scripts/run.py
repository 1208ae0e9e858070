"""`make run`: the whole app on one machine with nothing but Python.

Prepares the database and demo data, then runs the web server, a Celery worker (with beat for
the periodic sweeps) and the BPJS simulator as separate processes, prints where to go and who
to log in as, and stops all of them on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def main() -> int:
    os.chdir(ROOT)
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "true")}
    for folder in ("broker", "processed", "results", "control"):
        (ROOT / "var" / "celery" / folder).mkdir(parents=True, exist_ok=True)
    for step in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["muat_demo"]):
        subprocess.run([PY, "manage.py", *step], check=True, env=env)

    sim_port = env.get("BPJS_SIMULATOR_PORT", "8090")
    ss_port = env.get("SATUSEHAT_SIMULATOR_PORT", "8091")
    procs = {
        # Through manage.py so the simulator accepts exactly the app's BPJS_* credentials.
        "bpjs-simulator": [
            PY,
            "manage.py",
            "bpjs_simulator",
            "--host",
            "127.0.0.1",
            "--port",
            sim_port,
        ],
        # SATUSEHAT simulator: the demo Puskesmas sends its Encounters here (muat_demo).
        "satusehat-simulator": [PY, "manage.py", "satusehat_simulator", "--host", "127.0.0.1"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--pool=solo",
            "-l",
            "warning",
            "--schedule",
            str(ROOT / "var" / "celerybeat-schedule"),
        ],
        "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
    }
    running: dict[str, subprocess.Popen] = {}
    for name, cmd in procs.items():
        running[name] = subprocess.Popen(cmd, env=env)
    time.sleep(2)
    print(
        f"""
==========================================================================
 Pendaftaran Puskesmas berjalan:  http://{HOST}:{PORT}/
 Admin:                           http://{HOST}:{PORT}/admin/
 API (dokumentasi):               http://{HOST}:{PORT}/api/v1/docs
 Simulator BPJS:                  http://127.0.0.1:{sim_port}/_sim/faults
 Simulator SATUSEHAT:             http://127.0.0.1:{ss_port}/_sim/faults
 Akun demo (kata sandi: sehat-2026):
   loket1 / loket2 / loket3   petugas loket
   poli_umum / poli_kia       petugas poli (klaster 3 / klaster 2)
   admin                      admin Puskesmas (juga /admin/)
   kepala                     kepala Puskesmas (laporan)
 Berhenti: Ctrl-C
==========================================================================
""",
        flush=True,
    )

    def stop(*_: object) -> None:
        for p in running.values():
            if p.poll() is None:
                p.terminate()
        for p in running.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for name, p in running.items():
            if p.poll() is not None:
                print(f"{name} berhenti (kode {p.returncode}); menghentikan yang lain.", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
