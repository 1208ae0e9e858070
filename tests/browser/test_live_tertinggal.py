"""A live page never sits on a stale queue because a change was announced at a bad moment.

The class of defect: the TV (or the poli list) is swapped in by htmx; a change announced while
that swap is still settling, or an answer that left the server before the latest change, used to
leave the screen one call behind until the 20–30 s safety refresh. CI saw it as a TV that never
showed the second of two quick calls. The stream here is a stand-in EventSource driven by the
test, so the announcement lands exactly in that window every run; the queue, the versions and
the fragments are the real server's.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from antrean import live, services
from tests.antrean.conftest import daftar  # noqa: F401 (fixture shared with tests/antrean)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A controllable EventSource: live.js sees an open stream; the test decides what it announces.
# After the first fragment swap it announces, on the next tick, the version the server reached
# meanwhile (sent back in a test header), which is inside htmx's swap/settle window.
SSE_PALSU = """
(() => {
  const semua = [];
  class ES {
    constructor(url) { this.url = url; this.readyState = 1; this.daftar = {}; semua.push(this); }
    addEventListener(nama, f) { (this.daftar[nama] = this.daftar[nama] || []).push(f); }
    close() { this.readyState = 2; }
  }
  ES.CLOSED = 2;
  window.EventSource = ES;
  window.__umumkan = (v) => semua.filter((e) => e.readyState === 1)
    .forEach((e) => (e.daftar.versi || []).forEach((f) => f({ data: v })));
  let sekali = false;
  document.addEventListener("htmx:afterSwap", (e) => {
    const v = e.detail.xhr && e.detail.xhr.getResponseHeader("x-uji-versi-berikut");
    if (v && !sekali) { sekali = true; setTimeout(() => window.__umumkan(v), 0); }
  });
})();
"""


def test_tv_shows_a_call_announced_while_the_previous_one_is_being_swapped_in(
    live_server,
    browser,
    puskesmas,
    unit,
    daftar,  # noqa: F811
):
    pertama, kedua = daftar(), daftar()
    kunci = puskesmas.kunci_display
    # The TV's service worker would answer the fragment itself, out of reach of page.route.
    ctx = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="id-ID", service_workers="block"
    )
    ctx.add_init_script(SSE_PALSU)
    tv = ctx.new_page()
    permintaan: list[str] = []
    tv.on("request", lambda r: permintaan.append(r.url) if r.headers.get("hx-request") else None)
    tv.goto(live_server.url + reverse("antrean:tv", args=[kunci]))
    expect(tv.locator('[data-unit="UMUM"] [data-nomor-dipanggil]')).to_have_text("–")

    def tahan_jawaban_pertama(route):
        if not route.request.headers.get("hx-request"):
            route.continue_()
            return
        # The fragment is rendered now (first call on it); the second call happens before the
        # TV receives it, so the TV gets an answer already one version behind.
        jawaban = route.fetch()
        services.panggil_berikutnya(unit=unit)
        route.fulfill(
            response=jawaban,
            headers={**jawaban.headers, "x-uji-versi-berikut": live.versi_tv(puskesmas.pk)},
        )
        tv.unroute("**/antrean/tv/**", tahan_jawaban_pertama)

    tv.route("**/antrean/tv/**", tahan_jawaban_pertama)
    services.panggil_berikutnya(unit=unit)
    tv.evaluate("v => window.__umumkan(v)", live.versi_tv(puskesmas.pk))

    # Well within the 20 s safety refresh: the second call is on screen.
    expect(tv.locator("[data-sorot-nomor]")).to_have_text(kedua.kode, timeout=3000)
    assert len(permintaan) >= 2, permintaan
    assert pertama.kode != kedua.kode
    ctx.close()
