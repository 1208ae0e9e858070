"""Logging out at a shared loket, in Debian's Chromium with the real service worker and
IndexedDB outbox:

1. With a registration made offline and not yet accepted by the server, logout warns the officer
   and — confirmed — logs out *without* deleting the entry: it belongs to the loket.
2. At the next login the entry replays and reaches the server exactly once.
3. With everything confirmed, logout leaves no patient data in the browser's store.

"Not yet accepted" is made real by answering POST /api/v1/replay with the server's own "could
not process it now" outcome (`gagal_sementara` per entry: the browser keeps the entry and stays
online), while the server is otherwise reachable."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from pendaftaran.models import Kunjungan, Pasien
from puskesmas.demo import KATA_SANDI_DEMO
from tests.browser.test_offline import BANNER, buka, daftar_baru, masuk, sw_siap, tunggu
from tests.factories import buat_nik

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMA = "Rahmat Hidayat"
LAHIR = date(1987, 9, 14)
NIK = buat_nik(LAHIR, "L", serial=4321)

# Every record of every store of the loket's IndexedDB, as JSON text. Runs on any of our pages
# (the login page included): it opens the database by name, not through the page's modules.
ISI_IDB = """async () => {
  const db = await new Promise((ok, gagal) => {
    const r = indexedDB.open("loket-luring");
    r.onsuccess = () => ok(r.result); r.onerror = () => gagal(r.error);
  });
  const isi = {};
  for (const nama of Array.from(db.objectStoreNames)) {
    isi[nama] = await new Promise((ok, gagal) => {
      const r = db.transaction(nama).objectStore(nama).getAll();
      r.onsuccess = () => ok(r.result); r.onerror = () => gagal(r.error);
    });
  }
  db.close();
  return JSON.stringify(isi);
}"""


def isi_idb(page: Page) -> dict:
    return json.loads(page.evaluate(ISI_IDB))


def belum_bisa_diproses(route) -> None:
    """The replay answer of a server whose database is busy: every entry `gagal_sementara`."""
    entri = json.loads(route.request.post_data or "{}").get("entri", [])
    hasil = [
        {"client_uuid": e.get("client_uuid"), "status": "gagal_sementara", "pesan": "sibuk"}
        for e in entri
    ]
    route.fulfill(
        status=200,
        content_type="application/json",
        body=json.dumps(
            {
                "selesai": False,
                "jumlah": {"gagal_sementara": len(hasil)},
                "hasil": hasil,
                "waktu_server": "2026-01-01T00:00:00+07:00",
            }
        ),
    )


def klik_keluar(page: Page) -> None:
    page.click("#form-keluar button[type=submit]")


def test_logout_keeps_unsent_entries_then_leaves_no_patient_data_once_confirmed(
    playwright, live_server, puskesmas, petugas_loket, tmp_path, artifacts_dir
):
    petugas_loket.user.set_password(KATA_SANDI_DEMO)
    petugas_loket.user.save()
    base = live_server.url
    ctx, page = buka(playwright, tmp_path / "loket1", base)
    masuk(page, base, "loket1")
    sw_siap(page)

    # --- offline: one new patient registered at the counter ----------------------------------
    ctx.set_offline(True)
    expect(page.locator(".banner--luring")).to_contain_text(BANNER, timeout=10_000)
    daftar_baru(page, nama=NAMA, nik=NIK, lahir=LAHIR, jk="L", keluhan="batuk")
    assert page.evaluate("window.loketLuring.outbox.jumlah()") == 1

    # --- back online, but the replay does not get through ------------------------------------
    ctx.route("**/api/v1/replay", belum_bisa_diproses)
    ctx.set_offline(False)
    expect(page.locator(".banner--luring")).to_have_count(0, timeout=15_000)
    assert page.evaluate("window.loketLuring.outbox.jumlah()") == 1

    # Logout: first a warning that names the unsent entry and promises it stays ...
    klik_keluar(page)
    peringatan = page.locator("#peringatan-keluar")
    expect(peringatan).to_contain_text("1 pendaftaran luring belum terkirim")
    expect(peringatan).to_contain_text("tidak dihapus")
    page.screenshot(path=f"{artifacts_dir}/logout_peringatan_outbox.png")
    # ... and confirmed, the officer is out but the entry is still in this browser.
    klik_keluar(page)
    expect(page).to_have_url(f"{base}/masuk/")
    isi = isi_idb(page)
    assert [e["client_uuid"] for e in isi["outbox"]], "entri luring hilang saat keluar"
    assert NIK in json.dumps(isi["outbox"])
    assert not Pasien.objects.filter(nik=NIK).exists()

    # --- next login: the entry replays, exactly once ------------------------------------------
    ctx.unroute("**/api/v1/replay")
    masuk(page, base, "loket1")
    tunggu(page, "(await window.loketLuring.outbox.jumlah()) === 0", timeout=20)
    assert Pasien.objects.filter(nik=NIK).count() == 1
    assert Kunjungan.objects.filter(pasien__nik=NIK).count() == 1

    # --- everything confirmed: logout leaves no patient data behind ---------------------------
    klik_keluar(page)
    expect(page).to_have_url(f"{base}/masuk/")
    teks = json.dumps(isi_idb(page))
    for jejak in (NIK, NAMA, "Jl. "):
        assert jejak not in teks, f"{jejak!r} masih di IndexedDB setelah keluar"
    isi = isi_idb(page)
    assert isi["outbox"] == [] and isi["pasien"] == []
    # The cached loket page (it lists today's patients) is gone too.
    assert not page.evaluate("async () => !!(await caches.match('/loket/', {ignoreVary: true}))")
    page.screenshot(path=f"{artifacts_dir}/logout_bersih.png")
    ctx.close()


def test_an_idle_timeout_clears_the_patient_copy_and_leaves_the_loket_page(
    playwright, live_server, puskesmas, petugas_loket, tmp_path, settings
):
    """Nobody touched the shared PC: the next heartbeat finds the session ended, and with the
    outbox empty the page forgets the local patient copy and shows the login page, saying why —
    no officer action, no patient left on the screen or in the browser."""
    from pendaftaran import services
    from pendaftaran.validasi import DataKunjungan
    from tests.factories import PasienFactory

    petugas_loket.user.set_password(KATA_SANDI_DEMO)
    petugas_loket.user.save()
    # A patient seen this week, so the loket preloads them into its local copy.
    pasien = PasienFactory(puskesmas=puskesmas, nama="Wulan Sari", nik=NIK)
    services.kunjungan_daftar(
        puskesmas=puskesmas,
        pasien=pasien,
        unit=puskesmas.unit_layanan.get(kode="UMUM"),
        data=DataKunjungan(penjamin="umum"),
        client_uuid=uuid.uuid4(),
        loket=petugas_loket.loket,
    )
    base = live_server.url
    ctx, page = buka(playwright, tmp_path / "loket1", base)
    masuk(page, base, "loket1")
    sw_siap(page)
    tunggu(page, "(await window.loketLuring.lokal.jumlah()) >= 1")
    assert NIK in json.dumps(isi_idb(page)["pasien"])

    settings.SESSION_IDLE_MINUTES = 0.02  # the officer has been away: the next request is late
    expect(page).to_have_url(f"{base}/masuk/?next=%2Floket%2F", timeout=15_000)
    expect(page.locator(".messages")).to_contain_text("tidak ada aktivitas")
    isi = isi_idb(page)
    assert isi["pasien"] == [] and isi["outbox"] == []
    assert NIK not in json.dumps(isi)
    assert not page.evaluate("async () => !!(await caches.match('/loket/', {ignoreVary: true}))")
    ctx.close()
