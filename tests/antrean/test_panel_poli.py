"""The poli panel's cache (antrean/views.py) and the per-unit queue versions under it
(antrean/live.py): an unchanged panel is served without reading the queue, and everything the
officer would see change reaches the very next refresh."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from antrean import live, services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def client_poli(client, perawat_poli):
    client.force_login(perawat_poli.user)
    return client


@pytest.fixture
def panel(client_poli, unit):
    """panel(client=client_poli) → (the panel's HTML, whether the queue was read for it)."""

    def ambil(c: Client = client_poli) -> tuple[str, bool]:
        with CaptureQueriesContext(connection) as q:
            r = c.get(reverse("antrean:poli_unit", args=[unit.pk]), **HTMX)
        assert r.status_code == 200
        return r.content.decode(), any("antrean_tiket" in x["sql"] for x in q.captured_queries)

    return ambil


@pytest.fixture
def segera(django_capture_on_commit_callbacks):
    """A block whose commit hooks run, as after a real commit: the versions move."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _tanpa_csrf(html: str) -> str:
    return _CSRF.sub("", html)


def test_an_unchanged_panel_is_served_without_reading_the_queue(panel, daftar, segera):
    with segera():
        t = daftar()
    pertama, dibaca = panel()
    assert dibaca and t.kode in pertama and "\x00" not in pertama
    kedua, dibaca = panel()
    assert not dibaca and _tanpa_csrf(kedua) == _tanpa_csrf(pertama)


def test_a_call_a_skip_and_a_new_registration_show_on_the_next_refresh(panel, daftar, unit, segera):
    with segera():
        a, b = daftar(), daftar()
    panel()
    with segera():
        services.panggil_berikutnya(unit=unit)
    html, dibaca = panel()
    assert dibaca and f'data-tiket="{a.kode}"' in html  # now the called patient
    with segera():
        services.lewati(tiket=a)
    html, _ = panel()
    assert "Dilewati (1)" in html
    with segera():
        c = daftar()
    html, _ = panel()
    assert c.kode in html and "Menunggu (2)" in html and b.kode in html


def test_a_renamed_patient_shows_on_the_next_refresh(panel, daftar, segera):
    from pendaftaran.services import pasien_ubah
    from pendaftaran.validasi import DataPasien

    with segera():
        t = daftar()
    p = t.kunjungan.pasien
    assert p.nama in panel()[0]
    data = DataPasien(nama="Nama Sesudah Diubah", tanggal_lahir=p.tanggal_lahir,
                      jenis_kelamin=p.jenis_kelamin, nik=p.nik or "")  # fmt: skip
    with segera():
        pasien_ubah(pasien=p, data=data)
    assert "Nama Sesudah Diubah" in panel()[0]


def test_a_renamed_referral_unit_shows_on_the_next_refresh(panel, daftar, unit, lab, segera):
    with segera():
        daftar()
        services.panggil_berikutnya(unit=unit)
    assert f">{lab.nama}</option>" in panel()[0]
    lab.nama = "Laboratorium Terpadu"
    lab.save()  # a unit setting, not a queue change: no version moves
    assert ">Laboratorium Terpadu</option>" in panel()[0]


def test_the_waiting_minutes_move_on_while_the_panel_is_cached(panel, daftar, segera, monkeypatch):
    with segera():
        daftar(menit_lalu=25)
    assert "25 mnt" in panel()[0]
    nanti = timezone.now() + timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: nanti)
    html, dibaca = panel()
    assert not dibaca and "35 mnt" in html and "25 mnt" not in html


def test_each_officer_sees_their_own_called_patient_first(
    panel, daftar, unit, perawat_poli, admin_puskesmas, segera
):
    with segera():
        a, b = daftar(), daftar()
        services.panggil_berikutnya(unit=unit, oleh=perawat_poli.user)
        services.panggil_berikutnya(unit=unit, oleh=admin_puskesmas.user)
    admin = Client()
    admin.force_login(admin_puskesmas.user)
    for _ in range(2):  # the second time from the cache
        milik_poli, milik_admin = panel()[0], panel(admin)[0]
        assert milik_poli.index(f'data-tiket="{a.kode}"') < milik_poli.index(b.kode)
        assert milik_admin.index(f'data-tiket="{b.kode}"') < milik_admin.index(a.kode)


def test_the_csrf_token_in_a_cached_panel_is_accepted(perawat_poli, daftar, unit, segera):
    with segera():
        t = daftar()
    c = Client(enforce_csrf_checks=True)
    c.force_login(perawat_poli.user)
    url = reverse("antrean:poli_unit", args=[unit.pk])
    c.get(url, **HTMX)
    token = _CSRF.search(c.get(url, **HTMX).content.decode()).group(1)  # the cached one
    r = c.post(
        reverse("antrean:aksi", args=[unit.pk, "panggil"]),
        {"tiket": t.pk, "csrfmiddlewaretoken": token},
        **HTMX,
    )
    assert r.status_code == 200 and f"{t.kode} dipanggil." in r.content.decode()


def test_a_change_in_another_unit_keeps_this_units_panel_and_list_but_moves_the_tv(
    panel, daftar, unit, lab, puskesmas, perawat_poli, segera
):
    from puskesmas.services import api_token_buat

    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_buat(user=perawat_poli.user)[1]}")
    with segera():
        daftar()
    panel()
    etag = api.get(f"/api/v1/antrean/{unit.pk}")["ETag"]
    versi_tv = live.versi(puskesmas.pk)
    with segera():
        daftar(lab)
    assert live.versi(puskesmas.pk) != versi_tv  # the TV and the event streams hear it
    html, dibaca = panel()
    assert not dibaca
    # The panel says it shows the newest Puskesmas version, so live.js does not ask again.
    assert f'data-versi-tampil="{live.versi(puskesmas.pk)}"' in html
    assert api.get(f"/api/v1/antrean/{unit.pk}", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_change_without_a_unit_moves_every_units_version(puskesmas, unit, lab, segera):
    umum, di_lab = live.versi_unit(puskesmas.pk, unit.pk), live.versi_unit(puskesmas.pk, lab.pk)
    with segera():
        live.tandai_berubah(puskesmas.pk, unit_id=lab.pk)
    assert live.versi_unit(puskesmas.pk, unit.pk)[1] == umum[1]
    assert live.versi_unit(puskesmas.pk, lab.pk)[1] != di_lab[1]
    with segera():
        live.tandai_berubah(puskesmas.pk)  # e.g. a patient renamed: in whichever queue
    assert live.versi_unit(puskesmas.pk, unit.pk)[1] != umum[1]
    assert live.versi_unit(puskesmas.pk, unit.pk)[0] == live.versi(puskesmas.pk)


def test_without_a_readable_version_the_panel_is_never_cached(panel, daftar, segera, monkeypatch):
    class CacheMati:  # Redis down: reads nothing, writes nothing
        def get_many(self, kunci):
            return {}

        def add(self, *a, **k):
            return False

    with segera():
        daftar()
    monkeypatch.setattr(live, "cache", CacheMati())
    assert live.versi_unit(1, 1) == ("0", "0")
    assert panel()[1] and panel()[1]  # read every time


def test_the_buttons_addresses_follow_the_script_prefix_of_each_request(client_poli, daftar, unit):
    """The buttons' addresses are reversed once per unit and kept (antrean/views.py), keyed by
    the script prefix: a deployment under a sub-path gets its own, never the root's."""
    from django.urls import set_script_prefix

    daftar()
    aksi = f"/antrean/poli/{unit.pk}/aksi/panggil-berikutnya/"
    halaman = f"/antrean/poli/{unit.pk}/"  # not reverse(): the prefix below would go into it
    akar = client_poli.get(halaman).content.decode()
    set_script_prefix("/pkm/")  # what WSGIHandler sets from SCRIPT_NAME; the test client does not
    try:
        sub = client_poli.get(halaman).content.decode()
    finally:
        set_script_prefix("/")
    assert f'action="{aksi}"' in akar and f'action="/pkm{aksi}"' not in akar
    assert f'action="/pkm{aksi}"' in sub
