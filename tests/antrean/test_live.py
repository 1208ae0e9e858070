"""The hall TV's own signal (antrean/live.py): it moves on every change a TV may show — calls,
recalls, skips, finishes, transfers, cancellations, replays, renames — and on a new ticket only
when it lands among the numbers the TV shows; staff pages still hear every change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from antrean import live, services

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def segera(django_capture_on_commit_callbacks):
    """Run the after-commit announcements of what happens inside, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def layar(client, puskesmas):
    """layar() → the TV fragment's HTML, as the display fetches it (and notes what it shows)."""
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    return lambda: client.get(url, **HTMX).content.decode()


@pytest.fixture
def antrean_panjang(puskesmas, daftar, layar, segera):
    """antrean_panjang(n) → the TV version once n are waiting and the TV has read them."""

    def buat(n: int) -> str:
        with segera():
            for _ in range(n):
                daftar()
        layar()
        return live.versi_tv(puskesmas.pk)

    return buat


def _versi(pkm_id: int) -> tuple[str, str]:
    return live.versi(pkm_id), live.versi_tv(pkm_id)


def test_a_registration_beyond_what_the_tv_shows_wakes_staff_pages_but_not_the_tv(
    puskesmas, daftar, layar, segera
):
    with segera():
        for _ in range(3):  # the TV shows the next three numbers: A-001..A-003
            daftar()
    assert "<b>A-003</b>" in layar()
    staf, tv = _versi(puskesmas.pk)
    with segera():
        baru = daftar()  # A-004 joins behind them
    assert live.versi(puskesmas.pk) != staf  # the poli panel, overview and API lists hear it
    assert live.versi_tv(puskesmas.pk) == tv  # no TV stream wakes, no fragment is fetched
    assert baru.kode not in layar()


def test_a_registration_within_the_numbers_shown_wakes_the_tv(puskesmas, daftar, layar, segera):
    with segera():
        daftar(), daftar()
    layar()  # two waiting: the third place is still free on screen
    tv = live.versi_tv(puskesmas.pk)
    with segera():
        baru = daftar()
    assert live.versi_tv(puskesmas.pk) != tv
    assert f"<b>{baru.kode}</b>" in layar()


def test_a_priority_patient_registered_last_but_shown_first_wakes_the_tv(
    puskesmas, daftar, layar, segera, antrean_panjang
):
    tv = antrean_panjang(5)
    with segera():
        lansia = daftar(umur=72)  # highest number, first in queue order
    assert lansia.prioritas and live.versi_tv(puskesmas.pk) != tv
    assert f"Berikutnya: <b>{lansia.kode}</b> <b>A-001</b> <b>A-002</b>" in layar()


def test_after_a_call_the_tvs_old_boundary_is_not_trusted(puskesmas, unit, daftar, layar, segera):
    """The call moves everyone up one place: a ticket behind the old third number is shown now,
    before any TV has read the queue again."""
    with segera():
        for _ in range(3):
            daftar()
    layar()
    with segera():
        services.panggil_berikutnya(unit=unit)
    tv = live.versi_tv(puskesmas.pk)
    with segera():
        baru = daftar()  # third of the waiting now
    assert live.versi_tv(puskesmas.pk) != tv
    assert f"<b>{baru.kode}</b>" in layar()


def test_without_a_tv_having_read_the_queue_every_registration_wakes_it(puskesmas, daftar, segera):
    for _ in range(5):
        tv = live.versi_tv(puskesmas.pk)
        with segera():
            daftar()
        assert live.versi_tv(puskesmas.pk) != tv


def test_a_cache_that_cannot_answer_counts_as_a_change_for_the_tv(monkeypatch):
    class CacheRusak:
        def get_many(self, kunci):
            raise ConnectionError("redis down")

    monkeypatch.setattr(live, "cache", CacheRusak())
    assert live._tv_melihat(1, 2, date(2026, 12, 2), (1, 99, None, 99)) is True


def test_a_note_of_yesterdays_queue_does_not_hide_todays_tickets(settings):
    """The TV version need not move overnight: the note of the last number a TV showed is kept
    per day, so today's first tickets are never judged against yesterday's queue."""
    hari_ini = date(2026, 12, 2)
    v = live.versi_tv(1)
    live.catat_batas_tv(1, v, {2: (0, 5, None, 5)}, hari_ini - timedelta(days=1))
    assert live._tv_melihat(1, 2, hari_ini, (0, 9, None, 9)) is True  # no note for today
    live.catat_batas_tv(1, v, {2: (0, 5, None, 5)}, hari_ini)
    assert live._tv_melihat(1, 2, hari_ini, (0, 9, None, 9)) is False  # behind today's fifth
    assert live._tv_melihat(1, 2, hari_ini, (0, 4, None, 4)) is True


def _dipanggil(unit):
    return services.panggil_berikutnya(unit=unit)


def _dilayani(unit):
    return services.mulai_layani(tiket=_dipanggil(unit))


def _dilewati(unit):
    return services.lewati(tiket=_dipanggil(unit))


LANGKAH = {
    "panggil berikutnya": lambda unit, lab, t: services.panggil_berikutnya(unit=unit),
    "panggil tiket": lambda unit, lab, t: services.panggil(tiket=t[8]),
    "panggil ulang": lambda unit, lab, t: services.panggil_ulang(tiket=t["dipanggil"]),
    "lewati": lambda unit, lab, t: services.lewati(tiket=t["dipanggil"]),
    "mulai layani": lambda unit, lab, t: services.mulai_layani(tiket=t["dipanggil"]),
    "selesai": lambda unit, lab, t: services.selesai(tiket=t["dilayani"]),
    "antre ulang": lambda unit, lab, t: services.antre_ulang(tiket=t["dilewati"]),
    "batal": lambda unit, lab, t: services.batal(tiket=t[5], alasan="pulang"),
    "rujuk": lambda unit, lab, t: services.rujuk(tiket=t["dilayani"], unit_tujuan=lab),
    "batal kunjungan": lambda unit, lab, t: services.batal_kunjungan(
        kunjungan=t[6].kunjungan, alasan="salah daftar"
    ),
    "selesai di kertas": lambda unit, lab, t: services.tiket_selesai_di_kertas(tiket=t[6]),
}


@pytest.mark.parametrize("langkah", LANGKAH)
def test_every_move_of_a_ticket_wakes_the_tv_even_far_down_the_queue(
    langkah, puskesmas, unit, lab, daftar, layar, segera
):
    with segera():
        t = {i: daftar() for i in range(10)}
        t["dilewati"] = _dilewati(unit)
        t["dilayani"] = _dilayani(unit)
        t["dipanggil"] = _dipanggil(unit)
    layar()
    staf, tv = _versi(puskesmas.pk)
    with segera():
        LANGKAH[langkah](unit, lab, t)
    assert live.versi(puskesmas.pk) != staf and live.versi_tv(puskesmas.pk) != tv


def test_a_mobile_jkn_patient_checking_in_wakes_the_tv(puskesmas, daftar, layar, segera):
    with segera():
        for _ in range(5):
            daftar()
        booking = daftar(sumber="mobile_jkn")
    layar()
    tv = live.versi_tv(puskesmas.pk)
    with segera():
        services.hadir(tiket=booking)
    assert live.versi_tv(puskesmas.pk) != tv


def test_a_patient_edit_wakes_the_tv_too(puskesmas, daftar, layar, segera):
    """Nothing of it shows on a TV (no patient data there), but it is rare: in doubt, bump.
    The BPJS worklist's payer change: tests/bpjs_bridge/test_outbox.py."""
    from pendaftaran import services as pendaftaran
    from pendaftaran.validasi import DataPasien

    with segera():
        t = daftar()
    layar()
    tv = live.versi_tv(puskesmas.pk)
    p = t.kunjungan.pasien
    data = DataPasien(
        nama="Nama Baru Sekali", tanggal_lahir=p.tanggal_lahir, jenis_kelamin=p.jenis_kelamin,
        nik=p.nik or "", alamat="Jl. Baru", no_hp="",
    )  # fmt: skip
    with segera():
        pendaftaran.pasien_ubah(pasien=p, data=data)
    assert live.versi_tv(puskesmas.pk) != tv


def test_any_announced_change_without_the_new_ticket_rule_wakes_the_tv(puskesmas, unit, segera):
    """tandai_berubah is what every other writer calls (the replay's printed-number fix, the
    BPJS worklist's payer change, a replayed batch): it always moves the TV's version too."""
    for unit_id in (unit.pk, None):
        staf, tv = _versi(puskesmas.pk)
        with segera():
            live.tandai_berubah(puskesmas.pk, unit_id=unit_id)
        assert live.versi(puskesmas.pk) != staf and live.versi_tv(puskesmas.pk) != tv


def test_a_replayed_batch_wakes_the_tv(puskesmas, petugas_loket, segera, antrean_panjang):
    from downtime import replay
    from tests.downtime.conftest import entri, pasien_baru

    tv = antrean_panjang(5)
    with segera():
        hasil, _ = replay.replay_batch(
            [entri(pasien_baru(serial=31)), entri(pasien_baru(nama="Budi Santoso", serial=32))],
            puskesmas=puskesmas,
            pengirim=petugas_loket.user,
            meta=replay.MetaBatch(loket=petugas_loket.loket),
        )
    assert [h["status"] for h in hasil] == ["dibuat", "dibuat"]
    assert live.versi_tv(puskesmas.pk) != tv


def test_a_unit_renamed_in_the_admin_wakes_the_tv(
    client, admin_client, puskesmas, unit, layar, segera
):
    from django.contrib.admin.sites import site

    from antrean.admin import UnitLayananAdmin
    from antrean.models import UnitLayanan

    layar()
    tv = live.versi_tv(puskesmas.pk)
    unit.nama = "Poli Umum Dewasa"
    with segera():
        UnitLayananAdmin(UnitLayanan, site).save_model(None, unit, None, True)
    assert live.versi_tv(puskesmas.pk) != tv
    assert "Poli Umum Dewasa" in layar()


def test_the_tv_version_url_follows_the_tv_signal(client, puskesmas, daftar, layar, segera):
    with segera():
        for _ in range(3):
            daftar()
    layar()
    url = reverse("antrean:tv_versi", args=[puskesmas.kunci_display])
    v = client.get(url).json()["v"]
    assert v == live.versi_tv(puskesmas.pk)
    with segera():
        daftar()
    assert client.get(url).json()["v"] == v
