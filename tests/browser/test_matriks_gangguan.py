"""The fault matrix of issue 9: one test per class of "What was seen" (items 1–7), in Chromium
against a production-like stack (tests/browser/gangguan.py: gunicorn with DEBUG off, a Celery
worker, the BPJS simulator, on a PostgreSQL cluster and a redis-server of its own, so a test can
stop them). Persistent profiles, several lokets, the real loket page driven from the keyboard.

Every test ends with the same invariants over the entries whose ticket the loket showed
(`gangguan.periksa`): each stored exactly once; no number held by two patients (numbers shown
and final tickets, per unit and day); every patient can see their final number (a changed or
"menyusul" number is listed at the loket: `#daftar-nomor-berubah [data-uuid]
[data-nomor-akhir]`); no patient created twice. UI hooks the fixes add: `[data-luring-status]`
(text of the offline banner), `#daftar-nomor-berubah`, `#peringatan-jam` (clock warning).

Tests marked xfail("issue 9 fix pending") fail on the code before the fixes; the marks go
when the fixes are merged. Nothing in the assertions is loosened for them.
"""

from __future__ import annotations

import itertools
import os
import time

import pytest

from tests.browser.gangguan import (
    Entri,
    Loket,
    Orang,
    Tumpukan,
    orang_ke,
    periksa,
    tersedia,
    waktu_sadar,
)

pytestmark = [pytest.mark.browser]
_nomor_db = itertools.count(1)


@pytest.fixture(scope="module")
def tumpukan():
    alasan = tersedia()
    if alasan:
        pytest.skip(alasan)
    if not os.environ.get("DATABASE_URL"):
        # The stack is the production one (its own PostgreSQL and Redis) whatever the suite
        # runs on: once per CI run is enough, in the PostgreSQL + Redis pass.
        pytest.skip("fault matrix runs in the PostgreSQL + Redis pass (DATABASE_URL)")
    s = Tumpukan(gunicorn_workers=2)
    try:
        s.siapkan(pasien=50)
        yield s
    finally:
        s.buang()


@pytest.fixture
def server(tumpukan: Tumpukan):
    """A fresh copy of the demo database per test, and the stack running on it."""
    tumpukan.database_baru(f"matriks_{next(_nomor_db)}")
    tumpukan.jalankan()
    yield tumpukan
    tumpukan.hentikan_layanan()


@pytest.fixture
def buka_loket(playwright, server: Tumpukan, tmp_path):
    """buka_loket("L1") → a logged-in loket whose offline block is in IndexedDB."""
    dibuka: list[Loket] = []

    def buka(kode: str, *, masuk: bool = True, sebelum=None) -> Loket:
        n = kode[1:]
        lk = Loket(playwright, tmp_path / f"profil-{kode}", server.base, f"loket{n}", kode)
        lk.buka()
        dibuka.append(lk)
        if sebelum:
            sebelum(lk)
        if masuk:
            lk.masuk()
            lk.tunggu(
                lambda: lk.js("window.loketLuring.blokStore.ambil('UMUM')"), 15, "blok nomor luring"
            )
        return lk

    yield buka
    for lk in dibuka:
        lk.tutup()


def ketik(lk: Loket, seri: int, jumlah: int, mulai: int = 0, **opsi) -> list[Entri]:
    """`jumlah` new patients of series `seri` (orang_ke), each typed to a ticket."""
    return [
        lk.daftar_baru(orang_ke(seri, n, **opsi), keluhan="demam")
        for n in range(mulai, mulai + jumlah)
    ]


def kuras(*lokets: Loket, batas: float = 60) -> None:
    """Every loket online and its outbox empty (bounded)."""
    for lk in lokets:
        if not lk.lan:
            lk.atur_lan(True)
    for lk in lokets:
        assert lk.tunggu_outbox_kosong(batas), (
            f"{lk.kode}: outbox not drained: {lk.pesan_terlihat()}"
        )
    time.sleep(1)  # the result list is drawn after the last batch


def invarian(server: Tumpukan, entri: list[Entri], *lokets: Loket, boleh_tertahan=()) -> None:
    diberitahu: dict[str, str] = {}
    for lk in lokets:
        diberitahu.update(lk.pemberitahuan())
    lap = periksa(server.db_url, entri, diberitahu)
    tak_terduga = {k: v for k, v in lap.tertahan.items() if k not in boleh_tertahan}
    assert lap.bersih and not tak_terduga, lap.semua()
    for lk in lokets:
        assert not lk.galat_js, lk.galat_js


def luring(*lokets: Loket) -> None:
    for lk in lokets:
        lk.atur_lan(False)
    for lk in lokets:
        lk.tunggu(lambda lk=lk: lk.modus == "offline", 5, "mode luring")


# --- 1. a printed number belongs to its patient ----------------------------------------------
def test_a_lost_online_answer_never_lets_its_number_be_printed_again(server, buka_loket):
    """Saved online, the answer lost on the way back: the loket takes over offline with the
    same entry (same client_uuid) and prints an offline number; the server already gave that
    visit an online number. The printed one must stay that patient's (or the loket is told
    the change), and never be printed for the next patient."""
    l1 = buka_loket("L1")
    hilang = {"n": 0}

    def jawaban_hilang(route):
        if route.request.method == "POST" and hilang["n"] == 0:
            hilang["n"] += 1
            route.fetch()  # stored on the server ...
            route.abort("connectionreset")  # ... the answer lost
        else:
            route.continue_()

    l1.ctx.route("**/loket/pasien/*/daftar/", jawaban_hilang)
    entri = [l1.daftar_baru(orang_ke(1, 0, dewasa=True))]
    assert hilang["n"] == 1 and entri[0].modus == "offline", entri
    l1.ctx.unroute("**/loket/pasien/*/daftar/")
    kuras(l1)
    luring(l1)
    entri += ketik(l1, 1, 3, mulai=1, dewasa=True)
    kuras(l1)
    invarian(server, entri, l1)


def test_a_lost_replay_answer_never_lets_a_printed_number_be_reused(server, buka_loket):
    """The server stores a batch but its answer is lost; later entries and the final tickets
    must never give one of those printed numbers to someone else."""
    l1 = buka_loket("L1")
    luring(l1)
    entri = ketik(l1, 1, 3)
    hilang = {"n": 0}

    def jawaban_hilang(route):
        if hilang["n"] == 0:
            hilang["n"] += 1
            route.fetch()  # the server did the work ...
            route.abort("connectionreset")  # ... and the answer never arrived
        else:
            route.continue_()

    l1.ctx.route("**/api/v1/replay", jawaban_hilang)
    l1.atur_lan(True)
    l1.tunggu(lambda: hilang["n"] == 1, 30, "replay pertama")
    luring(l1)
    entri += ketik(l1, 1, 3, mulai=3)
    kuras(l1)
    invarian(server, entri, l1)


def test_the_lan_dropping_as_a_replay_answer_arrives_does_not_reissue_sent_numbers(
    server, buka_loket
):
    l1 = buka_loket("L1")
    l1.js("window.loketLuring.ukuranBatch = 2")
    luring(l1)
    entri = ketik(l1, 1, 4)
    batch = {"n": 0}

    def putus_setelah_jawaban(route):
        batch["n"] += 1
        if batch["n"] == 1:
            route.fulfill(response=route.fetch())
            l1.ctx.set_offline(True)  # the LAN goes again as the first answer lands
            l1.lan = False
        else:
            route.abort("internetdisconnected")

    l1.ctx.route("**/api/v1/replay", putus_setelah_jawaban)
    l1.atur_lan(True)
    l1.tunggu(lambda: batch["n"] >= 1 and l1.modus == "offline", 30, "replay terputus")
    entri += ketik(l1, 1, 3, mulai=4)
    l1.ctx.unroute("**/api/v1/replay")
    kuras(l1)
    invarian(server, entri, l1)


def test_gunicorn_dying_mid_batch_leaves_every_printed_number_with_its_patient(server, buka_loket):
    l1 = buka_loket("L1")
    l1.js("window.loketLuring.ukuranBatch = 2")
    luring(l1)
    entri = ketik(l1, 1, 6)
    batch = {"n": 0}

    def mati_di_batch_kedua(route):
        batch["n"] += 1
        if batch["n"] == 2:
            server.bunuh_gunicorn()  # SIGKILL while the batch is on its way
        route.continue_()

    l1.ctx.route("**/api/v1/replay", mati_di_batch_kedua)
    l1.atur_lan(True)
    l1.tunggu(lambda: batch["n"] >= 2 and l1.modus == "offline", 30, "server mati saat replay")
    # The server is dead, the LAN is fine: the loket keeps registering offline.
    entri += ketik(l1, 1, 3, mulai=6)
    l1.ctx.unroute("**/api/v1/replay")
    server.mulai_gunicorn()
    kuras(l1)
    invarian(server, entri, l1)


def test_numbers_of_duplicate_and_review_entries_are_never_issued_again(server, buka_loket):
    l1, l2 = buka_loket("L1"), buka_loket("L2")
    # L1 goes offline first; then L2 registers a new patient online, so L1's local copies
    # (recent patients and the two-year copy) do not know that NIK: L1's entry with the same
    # NIK under another name can only be caught at replay, and goes to review.
    luring(l1)
    pemilik = orang_ke(8, 1)
    entri = [l2.daftar_baru(pemilik)]
    luring(l2)
    sama = orang_ke(9, 1)
    entri += [l1.daftar_baru(sama), l2.daftar_baru(sama)]  # both lokets → one duplikat
    entri.append(l1.daftar_baru(Orang("Jaka Lain Orang", pemilik.lahir, pemilik.jk, pemilik.nik)))
    kuras(l1, l2)
    # Offline again: the numbers the duplicate and the review entry printed stay theirs.
    luring(l1, l2)
    entri += ketik(l1, 1, 3) + ketik(l2, 2, 3)
    kuras(l1, l2)
    invarian(server, entri, l1, l2, boleh_tertahan=("duplikat", "ditinjau"))


# --- 2. PostgreSQL down ---------------------------------------------------------------------------
def test_postgresql_down_switches_the_loket_offline_with_a_message(server, buka_loket):
    l1 = buka_loket("L1")
    entri = ketik(l1, 1, 1)
    t0 = time.time()
    server.hentikan_postgres()
    # The heartbeat (5 s + 2 s timeout) or the first failed action must notice.
    l1.tunggu(lambda: l1.modus == "offline", 10, "PostgreSQL mati: loket tidak beralih luring")
    # The page reports its switch through a binding polled every 100 ms: let it arrive.
    l1.tunggu(lambda: waktu_sadar(l1, t0, time.time()) is not None, 3, "peralihan tercatat")
    sadar = waktu_sadar(l1, t0, time.time())
    assert sadar is not None and sadar <= 8, sadar
    status = l1.page.locator("[data-luring-status]")
    assert status.is_visible() and status.inner_text().strip()
    e = l1.daftar_baru(orang_ke(1, 1))  # F4 and save work, offline
    assert e.modus == "offline"
    entri.append(e)
    server.mulai_postgres()
    kuras(l1)
    invarian(server, entri, l1)


# --- 3. Redis down --------------------------------------------------------------------------------
def test_redis_down_keeps_online_saves_fast_and_successful(server, buka_loket):
    l1 = buka_loket("L1")
    entri = ketik(l1, 1, 1, dewasa=True)
    # Not a speed target: a save that waits on a dead Redis takes ~13 s, a normal one well
    # under a second; the bound is relative to this machine's own save just before.
    batas = max(3.0, 3 * entri[0].lama_simpan)
    server.hentikan_redis()
    daring = ketik(l1, 1, 3, mulai=1, dewasa=True)
    for e in daring:
        assert e.modus == "online" and e.kode_tampil.startswith("A-0"), e
        assert e.lama_simpan < batas, (e, batas)
    assert "kode 500" not in l1.pesan_terlihat()
    entri += daring
    luring(l1)
    entri += ketik(l1, 1, 3, mulai=4)
    t0 = time.monotonic()
    kuras(l1, batas=30)
    assert time.monotonic() - t0 < 15, "replay slowed down while Redis is down"
    server.mulai_redis()
    invarian(server, entri, l1)


# --- 4. two lokets, the same new patient ----------------------------------------------------------
def test_two_lokets_reconnecting_with_the_same_new_patient_create_one_patient(server, buka_loket):
    l1, l2 = buka_loket("L1"), buka_loket("L2")
    luring(l1, l2)
    entri: list[Entri] = []
    bersama = [orang_ke(20, n, dengan_nik=False) for n in range(3)]  # no NIK: name + birth + sex
    for n, o in enumerate(bersama):
        entri += [l1.daftar_baru(o), l2.daftar_baru(o)]
        entri += [l1.daftar_baru(orang_ke(1, n)), l2.daftar_baru(orang_ke(2, n))]
    # Both cables back at the same moment: both replays race on the same people.
    l1.atur_lan(True)
    l2.atur_lan(True)
    kuras(l1, l2)
    for o in bersama:
        n = server.baris(
            "SELECT count(*) FROM pendaftaran_pasien WHERE upper(nama) = upper(%s)"
            " AND tanggal_lahir = %s",
            [o.nama, o.lahir],
        )[0][0]
        assert n == 1, f"{o.nama}: {n} patients"
    invarian(server, entri, l1, l2, boleh_tertahan=("duplikat", "ditinjau"))


# --- 5. a wrong PC clock --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "geser", [-3 * 3600, -86400, 86400], ids=["3 jam terlambat", "1 hari terlambat", "1 hari maju"]
)
def test_a_wrong_pc_clock_neither_reorders_the_queue_nor_files_the_visit_on_another_day(
    server, buka_loket, geser
):
    l1, l2 = buka_loket("L1"), buka_loket("L2")
    l1.atur_jam(geser)
    entri = ketik(l2, 2, 3, dewasa=True)  # three who came before, online, Poli Umum
    l1.tunggu(
        lambda: l1.page.locator("#peringatan-jam").is_visible(), 12, "tidak ada peringatan jam PC"
    )
    luring(l1)
    t_datang = time.time()
    e = l1.daftar_baru(orang_ke(1, 0, dewasa=True))
    entri.append(e)
    kuras(l1)
    invarian(server, entri, l1, l2)
    tiket = server.baris(
        """SELECT t.tanggal, t.urut, t.waktu_masuk, t.unit_id FROM antrean_tiket t
           JOIN pendaftaran_kunjungan k ON k.id = t.kunjungan_id
           WHERE k.client_uuid::text = %s""",
        [e.client_uuid],
    )
    assert len(tiket) == 1, server.baris(
        "SELECT status, pesan FROM downtime_entrireplay WHERE client_uuid::text = %s",
        [e.client_uuid],
    )
    [(tanggal, urut, waktu_masuk, unit_id)] = tiket
    [(hari_ini,)] = server.baris("SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date")
    assert tanggal == hari_ini
    assert abs(waktu_masuk.timestamp() - t_datang) < 120, waktu_masuk
    [(terakhir_daring,)] = server.baris(
        "SELECT max(nomor) FROM antrean_tiket WHERE tanggal = %s AND unit_id = %s AND NOT luring",
        [hari_ini, unit_id],
    )
    assert urut >= terakhir_daring, "queued ahead of patients who came earlier"


# --- 6. every patient told their final number -----------------------------------------------------
def test_every_patient_of_a_long_outage_is_told_their_final_number(server, buka_loket):
    l1 = buka_loket("L1")
    luring(l1)
    # A block holds 50 numbers of a unit: the last three Poli Umum patients get "menyusul".
    entri = ketik(l1, 1, 53, dewasa=True)
    menyusul = [e for e in entri if not e.kode_tampil]
    assert menyusul, "the offline block did not run out"
    kuras(l1, batas=90)
    invarian(server, entri, l1)
    daftar = l1.page.locator("#daftar-nomor-berubah")
    assert daftar.is_visible()
    for e in menyusul:
        [(kode,)] = server.baris(
            """SELECT t.kode FROM antrean_tiket t JOIN pendaftaran_kunjungan k
               ON k.id = t.kunjungan_id WHERE k.client_uuid::text = %s""",
            [e.client_uuid],
        )
        baris = daftar.locator(f"[data-uuid='{e.client_uuid}'] [data-nomor-akhir]")
        assert baris.inner_text().strip() == kode


# --- 7. the offline module loads on a slow link ---------------------------------------------------
def test_the_offline_module_loads_when_the_idb_script_arrives_late(server, buka_loket):
    def lambatkan_idb(lk: Loket) -> None:
        def lambat(route):
            time.sleep(3)  # a slow link: every offline module arrives late, in any order
            route.continue_()

        # The offline mode loads no library script any more (idb_asli.js uses the browser's
        # own IndexedDB); what a slow link can still delay is htmx and the modules themselves,
        # arriving out of order. (Route handlers run one at a time: keep the total bounded.)
        lk.ctx.route("**/vendor/htmx*.js", lambat)
        lk.ctx.route("**/js/offline/outbox.js", lambat)
        lk.ctx.route("**/js/offline/idb_asli.js", lambat)

    l1 = buka_loket("L1", masuk=False, sebelum=lambatkan_idb)
    l1.masuk()  # waits for data-luring-siap
    assert "idb tidak termuat" not in l1.pesan_terlihat()
    l1.tunggu(lambda: l1.js("window.loketLuring.blokStore.ambil('UMUM')"), 15, "blok")
    luring(l1)
    entri = ketik(l1, 1, 2)
    assert all(e.modus == "offline" and e.kode_tampil for e in entri)
    kuras(l1)
    invarian(server, entri, l1)


def test_the_harness_sees_a_healthy_stack_register_online_and_offline_cleanly(server, buka_loket):
    """The control: no fault but a plain LAN cut. If this fails, the harness is broken, not
    the product."""
    l1 = buka_loket("L1")
    entri = ketik(l1, 1, 2, dewasa=True)
    t0 = time.time()
    luring(l1)
    l1.tunggu(lambda: waktu_sadar(l1, t0 - 0.01, time.time()) is not None, 3, "peralihan tercatat")
    assert waktu_sadar(l1, t0 - 0.01, time.time()) < 2
    entri += ketik(l1, 1, 2, mulai=2, dewasa=True)
    assert [e.modus for e in entri] == ["online", "online", "offline", "offline"]
    assert entri[2].kode_tampil.startswith("A-5")
    kuras(l1)
    invarian(server, entri, l1)
    assert server.baris("SELECT count(*) FROM pendaftaran_kunjungan")[0][0] >= 4
