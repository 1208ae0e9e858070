"""Offline mode at two counters in Debian's Chromium, with persistent profiles (the service
worker and IndexedDB survive a browser restart).

"The server is unreachable" is simulated with `context.set_offline(True)`: every request of
the context fails at once (pages, htmx, fetch, and the service worker's own fetches), which is
what a dead LAN or a stopped server looks like from the counter. The live server keeps running
so the test can look at the database; nothing reaches it while a context is offline, which
`test_js_units`-style fakes cannot prove but the "exactly once" counts below do.

Scenario (issue 5): both lokets go offline; loket 1 registers a returning patient found in the
local copy, a new patient, a new patient whose NIK belongs to someone else (conflict) and a
run of new patients (21 entries in all); loket 2 registers the same new patient as loket 1
(duplicate) and more;
loket 1 reloads, loket 2's browser is closed and reopened, both offline; then the network
comes back: loket 1 replays at once with a progress bar, loket 2 must log in again (its
session died with the browser) and replays after login. Verified on the server: each entry
exactly once, the duplicate marked, the conflict in review, tickets in original order with
their offline numbers, the ledger episode.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from downtime.models import EntriReplay, EpisodeDowntime
from pendaftaran.models import Kunjungan, Pasien
from puskesmas.demo import KATA_SANDI_DEMO
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PasienFactory, buat_nik

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANNER = "LURING — pendaftaran tetap berjalan"


def buka(playwright, profil, base: str) -> tuple[BrowserContext, Page]:
    ctx = playwright.chromium.launch_persistent_context(
        user_data_dir=str(profil),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        viewport={"width": 1366, "height": 900},
        service_workers="allow",
    )
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    return ctx, page


def masuk(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/masuk/?next=/loket/")
    page.fill("#id_username", username)
    page.fill("#id_password", KATA_SANDI_DEMO)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/loket/")
    siap(page)


def tunggu(page: Page, js: str, timeout: float = 10.0) -> None:
    """Poll a JS expression (awaiting a promise) until truthy. page.wait_for_function evaluates
    its predicate with eval(), which the page's CSP (script-src 'self') forbids."""
    batas = time.monotonic() + timeout
    while not page.evaluate(f"async () => !!({js})"):
        assert time.monotonic() < batas, f"timed out waiting for {js}"
        time.sleep(0.1)


def siap(page: Page) -> None:
    tunggu(page, "document.documentElement.dataset.luringSiap === '1'")


def sw_siap(page: Page) -> None:
    """The worker controls the page and has kept the loket page for offline reloads."""
    tunggu(page, "navigator.serviceWorker.controller !== null")
    tunggu(page, "await caches.match('/loket/', {ignoreVary: true})")


def jumlah_outbox(page: Page) -> int:
    return page.evaluate("window.loketLuring.outbox.jumlah()")


def daftar_baru(
    page: Page, *, nama: str, nik: str, lahir: date, jk: str, keluhan: str = ""
) -> tuple[str, str]:
    """F4, type the patient, Ctrl+Enter, then the visit: Ctrl+Enter. Returns the ticket text."""
    page.keyboard.press("F4")
    expect(page.locator("#panel-pasien-baru")).to_be_visible()
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.type(nama)
    page.fill("#id_nik", nik)
    page.fill("#id_tanggal_lahir", lahir.isoformat())
    page.check(f"input[name=jenis_kelamin][value={jk}]")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#panel-kunjungan")).to_contain_text(
        "Pasien baru tersimpan di komputer ini"
    )
    expect(page.locator("#id_keluhan")).to_be_focused()
    if keluhan:
        page.keyboard.type(keluhan)
    page.keyboard.press("Control+Enter")
    nomor = page.locator("#nomor-antrean")
    expect(nomor).to_be_visible()
    teks = nomor.inner_text()
    page.keyboard.press("Escape")  # Pasien berikutnya
    expect(page.locator(".panel-kosong")).to_be_visible()
    return nama, teks


def test_two_lokets_register_offline_and_every_entry_reaches_the_server_once(
    playwright, live_server, puskesmas, petugas_loket, petugas_loket_2, tmp_path, artifacts_dir
):
    for p in (petugas_loket, petugas_loket_2):
        p.user.set_password(KATA_SANDI_DEMO)
        p.user.save()
    hari_ini = timezone.localdate()
    # A returning patient who came last week (so she is in the preload of recent visitors) ...
    siti_lahir = date(1980, 3, 12)
    siti = PasienFactory(
        puskesmas=puskesmas,
        nama="Siti Aminah",
        tanggal_lahir=siti_lahir,
        jenis_kelamin="P",
        nik=buat_nik(siti_lahir, "P", serial=1),
        no_bpjs="0001234567890",
    )
    from pendaftaran import services
    from pendaftaran.validasi import DataKunjungan

    k_lalu = services.kunjungan_daftar(
        puskesmas=puskesmas,
        pasien=siti,
        unit=puskesmas.unit_layanan.get(kode="UMUM"),
        data=DataKunjungan(penjamin="bpjs"),
        client_uuid=uuid.uuid4(),
        loket=petugas_loket.loket,
        dibuat_klien=timezone.now() - timedelta(days=6),
    ).kunjungan
    Kunjungan.objects.filter(pk=k_lalu.pk).update(tanggal=hari_ini - timedelta(days=6))
    # ... and one who has not been here for long (registered three years ago, no visit since):
    # in neither local copy, not even the two-year copy of returning patients.
    joko_lahir = date(1992, 11, 2)
    joko = PasienFactory(
        puskesmas=puskesmas,
        nama="Joko Santoso",
        tanggal_lahir=joko_lahir,
        jenis_kelamin="L",
        nik=buat_nik(joko_lahir, "L", serial=2),
        no_bpjs=None,
    )
    Pasien.objects.filter(pk=joko.pk).update(dibuat_pada=timezone.now() - timedelta(days=3 * 365))

    base = live_server.url
    galat_js: list[str] = []
    # Each browser navigates before the next one starts: a fresh persistent context's first
    # tab misbehaves (locators find nothing) when another Chromium was launched meanwhile.
    ctx1, p1 = buka(playwright, tmp_path / "loket1", base)
    p1.on("pageerror", lambda e: galat_js.append(str(e)))
    masuk(p1, base, "loket1")
    ctx2, p2 = buka(playwright, tmp_path / "loket2", base)
    p2.on("pageerror", lambda e: galat_js.append(str(e)))
    masuk(p2, base, "loket2")
    sw_siap(p1)
    sw_siap(p2)
    # The preload of recent visitors has reached the local copy.
    tunggu(p1, "(await window.loketLuring.lokal.jumlah()) >= 1")

    # --- the network goes away -------------------------------------------------------------
    for c in (ctx1, ctx2):
        c.set_offline(True)
    expect(p1.locator(".banner--luring")).to_contain_text(BANNER, timeout=3000)
    expect(p2.locator(".banner--luring")).to_contain_text(BANNER, timeout=3000)
    p1.screenshot(path=os.path.join(artifacts_dir, "offline_banner.png"), full_page=True)

    # Loket 1: the returning patient, found offline by NIK, registered from the keyboard.
    p1.locator("#q").focus()
    p1.keyboard.type(siti.nik)
    p1.keyboard.press("Enter")
    expect(p1.locator(".ringkasan__nama")).to_have_text("Siti Aminah")
    expect(p1.locator("input[name=penjamin][value=bpjs]")).to_be_checked()
    expect(p1.locator("[data-tombol-simpan]")).to_contain_text("Poli Umum (A)")
    p1.keyboard.type("kontrol tensi")
    p1.keyboard.press("Control+Enter")
    tiket_siti = p1.locator("#nomor-antrean").inner_text()
    assert tiket_siti.startswith("A-"), tiket_siti
    p1.screenshot(path=os.path.join(artifacts_dir, "offline_tiket.png"), full_page=True)
    p1.keyboard.press("Escape")

    # A new patient with a NIK typo: the browser checks it like the server would.
    p1.keyboard.press("F4")
    p1.keyboard.type("Dewi Lestari")
    dewi_lahir = date(1990, 5, 17)
    p1.fill("#id_nik", buat_nik(dewi_lahir, "L", serial=77))  # typed as a man's NIK
    p1.fill("#id_tanggal_lahir", dewi_lahir.isoformat())
    p1.check("input[name=jenis_kelamin][value=P]")
    p1.keyboard.press("Control+Enter")
    expect(p1.locator("#panel-pasien-baru .field-error")).to_contain_text(
        "NIK menunjukkan jenis kelamin laki-laki"
    )
    expect(p1.locator("#id_nik")).to_be_focused()
    p1.keyboard.press("Escape")

    dewi_nik = buat_nik(dewi_lahir, "P", serial=77)
    tiket: dict[str, list[tuple[str, str]]] = {"L1": [("Siti Aminah", tiket_siti)], "L2": []}
    tiket["L1"].append(daftar_baru(p1, nama="Dewi Lestari", nik=dewi_nik, lahir=dewi_lahir, jk="P"))
    # The same woman walks to loket 2 as well (both offline): one visit must survive.
    tiket["L2"].append(daftar_baru(p2, nama="Dewi Lestari", nik=dewi_nik, lahir=dewi_lahir, jk="P"))
    # Joko's NIK typed for a different name: the server must send it to review.
    tiket["L1"].append(daftar_baru(p1, nama="Jaka Sembung", nik=joko.nik, lahir=joko_lahir, jk="L"))
    # A run of new patients at both counters.
    for i in range(8):
        for p, kode in ((p1, "L1"), (p2, "L2")):
            lahir = date(1970 + i, 1 + i, 3 + (kode == "L2"))
            nik = buat_nik(lahir, "L", serial=1000 + i * 2 + (kode == "L2"))
            tiket[kode].append(
                daftar_baru(p, nama=f"Pasien {kode} Nomor {i + 1}", nik=nik, lahir=lahir, jk="L")
            )
    assert jumlah_outbox(p1) == 11 and jumlah_outbox(p2) == 9
    assert not Kunjungan.objects.filter(sumber="offline").exists()  # nothing reached the server

    # The new patient registered offline at loket 1 is found again offline.
    p1.locator("#q").focus()
    p1.keyboard.type("dewi")
    expect(p1.locator("#hasil-list [role=option]")).to_have_count(1)
    expect(p1.locator("#hasil-list")).to_contain_text("baru (luring)")

    # --- loket 1 reloads, loket 2's browser is closed and reopened, still offline ----------
    p1.reload()
    siap(p1)
    expect(p1.locator(".banner--luring")).to_contain_text("11 pendaftaran menunggu dikirim")
    expect(p1.locator("#luring-antre tbody tr")).to_have_count(11)
    ctx2.close()
    ctx2, p2 = buka(playwright, tmp_path / "loket2", base)
    ctx2.set_offline(True)
    p2.on("pageerror", lambda e: galat_js.append(str(e)))
    p2.goto(f"{base}/loket/")
    siap(p2)
    expect(p2.locator(".banner--luring")).to_contain_text("9 pendaftaran menunggu dikirim")
    # ... and keeps working: one more patient after the restart.
    tiket["L2"].append(
        daftar_baru(
            p2,
            nama="Pasien Setelah Restart",
            nik=buat_nik(date(2001, 2, 3), "P", serial=5),
            lahir=date(2001, 2, 3),
            jk="P",
        )
    )

    # --- the network is back ------------------------------------------------------------------
    p1.evaluate("window.loketLuring.ukuranBatch = 3")
    ctx1.route("**/api/v1/replay", lambda r: (time.sleep(0.4), r.continue_()))
    ctx1.set_offline(False)
    expect(p1.locator(".banner--kirim")).to_be_visible(timeout=3000)
    expect(p1.locator("[data-kemajuan]")).to_contain_text("dari 11")
    tunggu(
        p1, "document.querySelector('progress') && document.querySelector('progress').value >= 3"
    )
    p1.screenshot(path=os.path.join(artifacts_dir, "replay_progress.png"), full_page=True)
    tunggu(p1, "(await window.loketLuring.outbox.jumlah()) === 0", 15)
    expect(p1.locator("#luring-antre")).to_contain_text("Perlu ditinjau admin")

    ctx2.set_offline(False)
    # The session ended with the browser: the counter says so and keeps the entries.
    expect(p2.locator("#banner-luring")).to_contain_text("masuk lagi", timeout=8000)
    assert jumlah_outbox(p2) == 10
    masuk(p2, base, "loket2")
    tunggu(p2, "(await window.loketLuring.outbox.jumlah()) === 0", 15)
    expect(p2.locator("#luring-antre")).to_contain_text("panggil dengan nomor")

    # --- the server's view ------------------------------------------------------------------------
    entri = EntriReplay.objects.filter(sumber="offline")
    assert entri.count() == 21
    assert entri.values("client_uuid").distinct().count() == 21
    uuids = list(entri.values_list("client_uuid", flat=True))
    # One duplicate (nothing created) and one in review (no visit until an admin decides).
    assert Kunjungan.objects.filter(client_uuid__in=uuids).count() == 19
    for u in uuids:
        assert Kunjungan.objects.filter(client_uuid=u).count() <= 1
    dup = entri.get(status="duplikat")
    assert dup.loket.kode == "L2"
    assert Pasien.objects.filter(nik=dewi_nik).count() == 1
    tinjau = entri.get(status="ditinjau")
    assert tinjau.alasan_tinjau == "konflik_nik"
    assert Pasien.objects.get(nik=joko.nik).nama == "Joko Santoso"  # not overwritten
    # Each ticket carries the number printed offline, and each loket's tickets follow the
    # original times.
    for kode in ("L1", "L2"):
        ks = list(
            Kunjungan.objects.filter(sumber="offline", loket__kode=kode)
            .order_by("dibuat_klien")
            .prefetch_related("tiket")
        )
        kode_server = [(k.pasien.nama, k.tiket.all()[0].kode) for k in ks]
        harap = [t for t in tiket[kode] if t[0] != "Jaka Sembung" and t != tiket["L2"][0]]
        assert kode_server == harap, (kode, kode_server, tiket[kode])
        nomor = [k.tiket.all()[0].nomor for k in ks]
        waktu = [k.tiket.all()[0].waktu_masuk for k in ks]
        assert waktu == sorted(waktu)
        assert len(set(nomor)) == len(nomor)
    assert siti.kunjungan.filter(sumber="offline").count() == 1
    # The ledger: an offline episode per loket, with its entries counted.
    ep = EpisodeDowntime.objects.filter(jenis__in=["jaringan_loket", "server"])
    assert {e.loket.kode for e in ep} == {"L1", "L2"}
    assert all(e.selesai is not None and e.entri_tercatat >= 10 for e in ep), [
        (e.loket.kode, e.entri_tercatat, e.selesai) for e in ep
    ]

    # Logout with an empty outbox forgets the local copy and the cached loket page.
    p1.click("#form-keluar button")
    expect(p1).to_have_url(f"{base}/masuk/")
    assert p1.evaluate("caches.match('/loket/', {ignoreVary: true}).then(r => !r)")
    # The admin sees the conflict side by side.
    from puskesmas.models import Petugas

    admin = Petugas.objects.get(user__username="admin").user
    admin.set_password(KATA_SANDI_DEMO)
    admin.save()
    p1.fill("#id_username", "admin")
    p1.fill("#id_password", KATA_SANDI_DEMO)
    p1.click("button[type=submit]")
    p1.goto(f"{base}/downtime/tinjau/{tinjau.pk}/")
    expect(p1.locator("main")).to_contain_text("Joko Santoso")
    expect(p1.locator("main")).to_contain_text("Jaka Sembung")
    p1.screenshot(path=os.path.join(artifacts_dir, "conflict_review.png"), full_page=True)

    assert not galat_js, galat_js
    ctx1.close()
    ctx2.close()
