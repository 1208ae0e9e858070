"""Eligibility at the counter: opening a BPJS patient starts a background check whose answer
the patient panel polls. The task is run here by calling it (what the worker does); the
browser test (tests/browser/test_bpjs_kepesertaan.py) runs it on a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bpjs_bridge import breaker, tasks
from bpjs_bridge.models import PermintaanBpjs, StatusPeserta
from tests.bpjs_bridge.conftest import panggilan

pytestmark = pytest.mark.django_db


@pytest.fixture
def tugas(monkeypatch):
    """Captures published cek_kepesertaan tasks instead of sending them to a broker."""
    terbit: list[tuple] = []
    monkeypatch.setattr(
        "bpjs_bridge.tasks.cek_kepesertaan.apply_async", lambda args, **kw: terbit.append(args)
    )
    return terbit


def _panel(client, pasien, metode="get") -> str:
    url = f"/bpjs/pasien/{pasien.pk}/kepesertaan/"
    return getattr(client, metode)(url, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.parametrize(
    ("kategori", "judul", "pilihan"),
    [
        ("aktif", "Aktif", False),
        ("tidak_aktif", "Tidak aktif", True),
        ("menunggak", "Tidak aktif: menunggak iuran", True),
        ("fktp_lain", "Terdaftar di FKTP lain", True),
    ],
)
def test_opening_a_bpjs_patient_checks_in_the_background_and_shows_the_answer(
    client_loket, bpjs_settings, sim, peserta_pasien, tugas, kategori, judul, pilihan
):
    pasien = peserta_pasien(kategori)
    html = _panel(client_loket, pasien, "post")
    assert tugas == [(pasien.puskesmas_id, pasien.pk)]  # started, not waited for
    assert panggilan(sim, "GET", "peserta") == []
    assert "Memeriksa BPJS" in html and 'hx-trigger="every 1s"' in html

    assert tasks.cek_kepesertaan(*tugas[0]) == "selesai"
    html = _panel(client_loket, pasien)
    assert f"data-judul>{judul}</span>" in html
    assert ("data-penjamin-pilih" in html) is pilihan
    assert 'hx-trigger="every 1s"' not in html  # final: polling stops
    # Fresh: opening the patient again within minutes asks BPJS nothing new.
    _panel(client_loket, pasien, "post")
    assert len(tugas) == 1


def test_fktp_lain_names_the_other_fktp_and_how_to_move(
    client_loket, bpjs_settings, sim, peserta_pasien, tugas
):
    pasien = peserta_pasien("fktp_lain")
    _panel(client_loket, pasien, "post")
    tasks.cek_kepesertaan(*tugas[0])
    html = _panel(client_loket, pasien)
    status = StatusPeserta.objects.get(no_kartu=pasien.no_bpjs)
    assert f"{status.nm_provider} ({status.kd_provider})" in html
    assert "pindah FKTP ke Puskesmas ini" in html


def test_bpjs_down_shows_the_last_known_status_with_its_date(
    client_loket, bpjs_settings, sim, control, peserta_pasien, tugas, puskesmas
):
    pasien = peserta_pasien("aktif")
    StatusPeserta.objects.create(
        puskesmas=puskesmas,
        no_kartu=pasien.no_bpjs,
        aktif=True,
        ket_aktif="AKTIF",
        diperiksa_pada=timezone.now() - timedelta(days=3),
    )
    control.post("/faults", json={"mode": "down"})
    _panel(client_loket, pasien, "post")
    assert tasks.cek_kepesertaan(*tugas[0]) == "tidak_menjawab"
    html = _panel(client_loket, pasien)
    lalu = timezone.localtime(timezone.now() - timedelta(days=3))
    assert "BPJS tidak menjawab" in html
    assert f"Aktif per {lalu:%d-%m-%Y}, belum terverifikasi hari ini" in html
    assert "Periksa lagi" in html
    assert breaker.keadaan(puskesmas.pk).gagal_beruntun == 1  # an outage counts as one


def test_a_check_that_never_ran_turns_into_tidak_menjawab_instead_of_spinning(
    client_loket, bpjs_settings, peserta_pasien, tugas, monkeypatch
):
    pasien = peserta_pasien("aktif")
    _panel(client_loket, pasien, "post")
    t = timezone.now().timestamp()
    monkeypatch.setattr("bpjs_bridge.selectors.time.time", lambda: t + 61)
    assert "BPJS tidak menjawab" in _panel(client_loket, pasien)


def test_the_counter_check_creates_no_outbox_work_and_needs_a_loket_role(
    client, client_loket, bpjs_settings, peserta_pasien, tugas, perawat_poli
):
    pasien = peserta_pasien("aktif")
    _panel(client_loket, pasien, "post")
    assert not PermintaanBpjs.objects.exists()
    client.force_login(perawat_poli.user)
    r = client.post(f"/bpjs/pasien/{pasien.pk}/kepesertaan/")
    assert r.status_code == 403


def test_the_loket_panel_of_a_bpjs_patient_includes_the_live_check_and_the_last_status(
    client_loket, bpjs_settings, peserta_pasien, pasien_umum, puskesmas
):
    pasien = peserta_pasien("aktif")
    html = client_loket.get(f"/loket/pasien/{pasien.pk}/").content.decode()
    assert f'hx-post="/bpjs/pasien/{pasien.pk}/kepesertaan/"' in html
    assert 'hx-trigger="load"' in html
    assert "Terakhir diketahui: Belum pernah diverifikasi" in html
    # Shown at once, before (or without: server offline) the live answer.
    StatusPeserta.objects.create(
        puskesmas=puskesmas,
        no_kartu=pasien.no_bpjs,
        aktif=False,
        ket_aktif="MENUNGGAK",
        diperiksa_pada=timezone.now() - timedelta(days=5),
    )
    html = client_loket.get(f"/loket/pasien/{pasien.pk}/").content.decode()
    lalu = timezone.localtime(timezone.now() - timedelta(days=5))
    assert f"Menunggak per {lalu:%d-%m-%Y}, belum terverifikasi hari ini" in html
    # A patient without a card gets no check.
    html = client_loket.get(f"/loket/pasien/{pasien_umum.pk}/").content.decode()
    assert "kepesertaan/" not in html
