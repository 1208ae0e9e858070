"""Stdlib HTTP front for the simulator (ThreadingHTTPServer, no Django, no extra deps).

Fault "down" reads the request and then resets the TCP connection (SO_LINGER 0 + close, so
the peer gets an RST and no response); the listening socket stays open so `/_sim/faults` can
switch it back. Clients see ECONNRESET / "server disconnected", i.e. an httpx TransportError.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bpjs_bridge.simulator.app import SimConfig, SimResponse, Simulator

log = logging.getLogger("bpjs_bridge.simulator")


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator, verbose: bool = False):
        self.simulator = simulator
        self.verbose = verbose
        super().__init__(address, _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real gateway
    server_version = "BPJS-Simulator/1.0"
    # Headers and body go out in two writes; with Nagle + delayed ACK that costs ~40 ms a call.
    disable_nagle_algorithm = True
    server: SimulatorHTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        sim = self.server.simulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        result: SimResponse = sim.handle(self.command, self.path, headers, body)
        if result.action == "hang":
            sim.wait(result.delay)
            self._reset()
            return
        if result.action == "reset":
            self._reset()
            return
        if result.delay:
            sim.wait(result.delay)
        self.log_request(result.status)
        self.send_response_only(result.status)
        self.send_header("Server", self.version_string())
        # BPJS's clock, not ours: a client measures its clock skew against this header.
        self.send_header("Date", formatdate(sim.clock(), usegmt=True))
        self.send_header("Content-Type", result.content_type)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        self.wfile.write(result.body)

    def _reset(self) -> None:
        # RST instead of FIN: closest to a crashed or unreachable upstream.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # the real close happens once rfile/wfile are closed
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            log.info("%s - %s", self.address_string(), format % args)


def make_server(
    host: str = "127.0.0.1",
    port: int = 8090,
    config: SimConfig | None = None,
    *,
    verbose: bool = False,
) -> SimulatorHTTPServer:
    """Bind (port 0 = any free port) without serving yet."""
    return SimulatorHTTPServer((host, port), Simulator(config), verbose=verbose)


def serve(
    host: str = "127.0.0.1",
    port: int = 8090,
    config: SimConfig | None = None,
    *,
    verbose: bool = True,
) -> None:
    """Run in the foreground until Ctrl-C."""
    server = make_server(host, port, config, verbose=verbose)
    print(
        f"BPJS simulator on {server.base_url}  "
        f"(PCare {server.base_url}/pcare-rest, Antrean {server.base_url}/antreanfktp, "
        f"control {server.base_url}/_sim/)",
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
    """A simulator served from a background thread; for tests and scripts."""

    def __init__(self, server: SimulatorHTTPServer):
        self.server = server
        self.simulator = server.simulator
        self.url = server.base_url
        self.pcare_url = f"{self.url}/pcare-rest"
        self.antrean_url = f"{self.url}/antreanfktp"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="bpjs-simulator",
        )
        self._thread.start()

    def stop(self) -> None:
        self.simulator.stop()  # wake requests hanging in "timeout"/"slow"
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
    """Start on a free port (by default) and return once it accepts connections."""
    return RunningSimulator(make_server(host, port, config, verbose=False))
