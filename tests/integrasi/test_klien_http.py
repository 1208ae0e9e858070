"""One HTTP client per process for every outside system (integrasi/klien_http.py): the clients
built per task no longer pay for an SSL context each, their calls reuse kept-alive
connections, a cookie one call received is never sent with another's, and a forked process
gets a client of its own."""

from __future__ import annotations

import os
import select
import signal
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bpjs_bridge.client import BpjsClient
from integrasi.klien_http import klien_bersama
from satusehat.client import SatusehatClient


class _Peladen(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Penjawab)
        self.sambungan = 0
        self.cookie_diterima: list[str | None] = []

    def get_request(self):
        self.sambungan += 1  # one per TCP connection accepted
        return super().get_request()


class _Penjawab(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self) -> None:
        self.server.cookie_diterima.append(self.headers.get("Cookie"))  # type: ignore[attr-defined]
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "sesi=rahasia-puskesmas-a; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def peladen() -> Iterator[_Peladen]:
    p = _Peladen()
    t = threading.Thread(target=p.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield p
    p.shutdown()
    p.server_close()


def test_clients_built_per_task_set_up_no_ssl_context_each(monkeypatch, ss_config, bpjs_config):
    dimuat = []
    asli = ssl.SSLContext.load_verify_locations

    def hitung(self, *args, **kwargs):
        dimuat.append(1)
        return asli(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", hitung)
    for _ in range(5):  # five delivery tasks, each with its own client objects
        with SatusehatClient(ss_config) as c:
            c.token(baru=True)
        with BpjsClient(bpjs_config) as b:
            b.poli_fktp()
    # At most the process's one client, if this test is the first to build it (it was 10:
    # a CA bundle loaded for every client, ~20 ms of CPU each).
    assert len(dimuat) <= 1


def test_calls_reuse_one_kept_alive_connection_and_carry_no_cookie(peladen):
    url = f"http://127.0.0.1:{peladen.server_address[1]}/fhir"
    for _ in range(5):
        assert klien_bersama().get(url, timeout=5).status_code == 200
    assert peladen.sambungan == 1
    # The first answer set a cookie; no later call (another Puskesmas' perhaps) sends it.
    assert peladen.cookie_diterima == [None] * 5


def test_the_shared_client_is_kept_and_a_forked_process_builds_its_own():
    induk = klien_bersama()
    assert klien_bersama() is induk
    baca, tulis = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it got the parent's client, then leave at once
        try:
            os.write(tulis, b"sama" if klien_bersama() is induk else b"baru")
        finally:
            os._exit(0)
    os.close(tulis)
    siap, _, _ = select.select([baca], [], [], 20)  # a child stuck after fork fails, not hangs
    jawab = os.read(baca, 10) if siap else b""
    if not siap:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(baca)
    assert jawab == b"baru"
    assert klien_bersama() is induk
