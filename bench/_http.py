"""A lean HTTP/1.1 keep-alive client on raw asyncio streams, for load generators.

bench/district.py plays up to ~1,800 screens from one process on the same 2 cores as the server
it measures; httpx's async client spent a large share of a core on its own machinery there
(bench/README.md). This one does only what the benchmark needs: GET/POST with a few headers,
Content-Length or chunked bodies, keep-alive connections reused from a shared idle pool, one
retry on a fresh connection when a reused one turns out closed by the server's keep-alive
timeout, and a line iterator for event streams. No TLS, no redirects, no cookie jar, no
decompression.
"""

from __future__ import annotations

import asyncio
import json as _json
from collections.abc import AsyncIterator
from urllib.parse import urlencode, urlsplit


class Jawaban:
    def __init__(self, status: int, header: dict[str, str], isi: bytes):
        self.status_code, self.headers, self.content = status, header, isi

    def json(self):
        return _json.loads(self.content)


class _Sambungan:
    def __init__(self, r: asyncio.StreamReader, w: asyncio.StreamWriter):
        self.r, self.w = r, w
        self.dipakai = False  # served a request before: may have been closed by the server


class Klien:
    def __init__(self, base: str, timeout: float = 30.0):
        u = urlsplit(base)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.timeout = timeout
        self._diam: list[_Sambungan] = []

    async def _sambung(self) -> _Sambungan:
        if self._diam:
            return self._diam.pop()
        r, w = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        return _Sambungan(r, w)

    def _kembali(self, s: _Sambungan) -> None:
        s.dipakai = True
        self._diam.append(s)

    @staticmethod
    def _tutup(s: _Sambungan) -> None:
        s.w.close()

    def _permintaan(self, method: str, url: str, params, headers, json, data, cookies) -> bytes:
        if params:
            url = f"{url}?{urlencode(params)}"
        isi = b""
        h = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if json is not None:
            isi = _json.dumps(json).encode()
            h["Content-Type"] = "application/json"
        elif data is not None:
            isi = urlencode(data).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if isi or method in ("POST", "PUT", "PATCH"):
            h["Content-Length"] = str(len(isi))
        kepala = "".join(f"{k}: {v}\r\n" for k, v in h.items())
        return f"{method} {url} HTTP/1.1\r\n{kepala}\r\n".encode() + isi

    @staticmethod
    async def _kepala(s: _Sambungan) -> tuple[int, dict[str, str]]:
        baris = await s.r.readuntil(b"\r\n\r\n")
        bagian = baris.decode("latin-1").split("\r\n")
        status = int(bagian[0].split(" ", 2)[1])
        header = {}
        for b in bagian[1:]:
            if b:
                k, _, v = b.partition(":")
                header[k.strip().lower()] = v.strip()
        return status, header

    @staticmethod
    async def _potongan(s: _Sambungan) -> AsyncIterator[bytes]:
        while True:
            ukuran = int((await s.r.readuntil(b"\r\n")).split(b";")[0], 16)
            if ukuran == 0:
                await s.r.readuntil(b"\r\n")
                return
            yield await s.r.readexactly(ukuran)
            await s.r.readexactly(2)

    async def _isi(self, s: _Sambungan, status: int, header: dict[str, str]) -> bytes:
        if status in (204, 304) or 100 <= status < 200:
            return b""
        if header.get("transfer-encoding", "").lower() == "chunked":
            return b"".join([p async for p in self._potongan(s)])
        if "content-length" in header:
            return await s.r.readexactly(int(header["content-length"]))
        header["connection"] = "close"
        return await s.r.read()

    async def _kirim(self, req: bytes) -> tuple[_Sambungan, int, dict[str, str]]:
        """Send on a pooled connection; once more on a fresh one if a reused connection was
        closed by the server meanwhile (nothing of the answer read: safe to repeat)."""
        while True:
            s = await self._sambung()
            try:
                s.w.write(req)
                await s.w.drain()
                status, header = await self._kepala(s)
                return s, status, header
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self._tutup(s)
                if not s.dipakai:
                    raise

    async def request(
        self, method, url, *, params=None, headers=None, json=None, data=None, cookies=None
    ) -> Jawaban:
        req = self._permintaan(method, url, params, headers, json, data, cookies)

        async def jalan() -> Jawaban:
            s, status, header = await self._kirim(req)
            try:
                isi = await self._isi(s, status, header)
            except BaseException:
                self._tutup(s)
                raise
            if header.get("connection", "").lower() == "close":
                self._tutup(s)
            else:
                self._kembali(s)
            return Jawaban(status, header, isi)

        return await asyncio.wait_for(jalan(), self.timeout)

    async def stream_baris(
        self, url: str, *, headers=None
    ) -> AsyncIterator[tuple[int, str | None]]:
        """An event stream: yields (status, None) once the head is in, then (status, line) per
        line of the body. The connection is not reused (the stream may be left mid-way)."""
        req = self._permintaan("GET", url, None, headers, None, None, None)
        s, status, header = await asyncio.wait_for(self._kirim(req), self.timeout)
        try:
            yield status, None
            if status != 200:
                await self._isi(s, status, header)
                return
            sisa = b""
            async for p in self._potongan(s):
                sisa += p
                *baris, sisa = sisa.split(b"\n")
                for b in baris:
                    yield status, b.decode()
        finally:
            self._tutup(s)

    async def aclose(self) -> None:
        while self._diam:
            self._tutup(self._diam.pop())
