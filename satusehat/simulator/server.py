"""The SATUSEHAT simulator on a socket: the BPJS simulator's stdlib HTTP front (it serves any
object with `handle`/`wait`/`stop`), so "down" is a TCP reset and "lost" resets after the
request took effect, exactly as there."""

from __future__ import annotations

import threading

from bpjs_bridge.simulator.server import SimulatorHTTPServer
from satusehat.simulator.app import SimConfig, Simulator


def make_server(
    host: str = "127.0.0.1", port: int = 8091, config: SimConfig | None = None, *, verbose=False
) -> SimulatorHTTPServer:
    return SimulatorHTTPServer((host, port), Simulator(config), verbose=verbose)  # type: ignore[arg-type]


def serve(host: str = "127.0.0.1", port: int = 8091, config: SimConfig | None = None) -> None:
    server = make_server(host, port, config, verbose=True)
    print(
        f"SATUSEHAT simulator on {server.base_url}  (token {server.base_url}/oauth2/v1/"
        f"accesstoken, FHIR {server.base_url}/fhir-r4/v1, control {server.base_url}/_sim/)",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.simulator.stop()
        server.server_close()


class RunningSimulator:
    """Served from a background thread; for tests, benches and scripts."""

    def __init__(self, server: SimulatorHTTPServer):
        self.server = server
        self.simulator: Simulator = server.simulator  # type: ignore[assignment]
        self.url = server.base_url
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="satusehat-simulator",
        )  # fmt: skip
        self._thread.start()

    def stop(self) -> None:
        self.simulator.stop()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(
    host: str = "127.0.0.1", port: int = 0, config: SimConfig | None = None
) -> RunningSimulator:
    return RunningSimulator(make_server(host, port, config))
