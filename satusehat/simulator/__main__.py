"""`python -m satusehat.simulator --port 8091` (or `manage.py satusehat_simulator`)."""

from __future__ import annotations

import argparse

from satusehat.simulator.app import SimConfig
from satusehat.simulator.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m satusehat.simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token-detik", type=int, default=3599)
    args = parser.parse_args()
    serve(args.host, args.port, SimConfig(token_detik=args.token_detik))


if __name__ == "__main__":
    main()
