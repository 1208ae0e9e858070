"""`python -m bpjs_bridge.simulator --host 127.0.0.1 --port 8090`."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from collections.abc import Sequence

from bpjs_bridge.simulator.app import SimConfig
from bpjs_bridge.simulator.server import serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bpjs_bridge.simulator",
        description="BPJS PCare + Antrean FKTP simulator. Every credential flag also reads "
        "BPJS_SIM_<NAME> from the environment (e.g. BPJS_SIM_CONS_ID).",
    )
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Shared with the `bpjs_simulator` management command."""
    parser.add_argument("--host", default=os.environ.get("BPJS_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BPJS_SIM_PORT", "8090")))
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    for f in dataclasses.fields(SimConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            parser.add_argument(flag, dest=f"sim_{f.name}", action="store_true", default=None)
        else:
            kind = int if f.type in ("int", int) else str
            parser.add_argument(
                flag,
                dest=f"sim_{f.name}",
                type=kind,
                default=None,
                metavar=f.name.upper(),
                help=f"default {f.default!r}",
            )


def config_from_options(options: dict[str, object]) -> SimConfig:
    """Environment first, then explicit flags on top."""
    config = SimConfig.from_env()
    overrides = {
        f.name: options[f"sim_{f.name}"]
        for f in dataclasses.fields(SimConfig)
        if options.get(f"sim_{f.name}") is not None
    }
    return dataclasses.replace(config, **overrides)


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    serve(args.host, args.port, config_from_options(vars(args)), verbose=not args.quiet)


if __name__ == "__main__":
    main()
