"""Staff pages and partials: the banner, the per-visit badge, the worklist and its actions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bpjs_bridge import breaker, services
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan, StatusPeserta

J = JenisPermintaan
S = StatusPermintaan
pytestmark = pytest.mark.django_db


def test_banner_is_empty_while_bpjs_is_fine_and_warns_every_loket_when_the_breaker_is_open(
    client_loket, bpjs_settings, puskesmas
):
    r = client_loket.get("/bpjs/status/")
    assert r.status_code == 200
    assert "gangguan" not in r.content.decode()
    assert 'hx-trigger="every 10s"' in r.content.decode()
    for _ in range(3):
        breaker.catat_gagal(puskesmas.pk)
    r = client_loket.get("/bpjs/status/")
    assert (
        "BPJS sedang gangguan — pendaftaran tetap jalan, verifikasi menyusul" in r.content.decode()
    )


def test_badge_shows_the_last_known_status_while_unverified_and_stops_polling_when_final(
    client_loket, bpjs_settings, peserta_pasien, daftar_bpjs, puskesmas
):
    pasien = peserta_pasien("aktif")
    StatusPeserta.objects.create(
        puskesmas=puskesmas,
        no_kartu=pasien.no_bpjs,
        aktif=True,
        ket_aktif="AKTIF",
        diperiksa_pada=timezone.make_aware(timezone.datetime(2026, 11, 12, 9, 0)),
    )
    k = daftar_bpjs(pasien)
    html = client_loket.get(f"/bpjs/kunjungan/{k.pk}/badge/").content.decode()
    assert "Menunggu verifikasi BPJS" in html
    assert "Aktif per 12-11-2026, belum terverifikasi hari ini" in html
    assert 'hx-trigger="every 3s"' in html
    for r in PermintaanBpjs.objects.filter(kunjungan=k).order_by("pk"):
        services.permintaan_proses(permintaan_id=r.pk)
    html = client_loket.get(f"/bpjs/kunjungan/{k.pk}/badge/").content.decode()
    assert "Terverifikasi: Aktif" in html and "No. urut PCare A1" in html
    assert "hx-trigger" not in html


def test_badge_of_another_puskesmas_visit_is_404(
    client, bpjs_settings, puskesmas_lain, peserta_pasien, daftar_bpjs
):
    from tests.factories import PetugasFactory

    k = daftar_bpjs(peserta_pasien("aktif"))
    lain = PetugasFactory(puskesmas=puskesmas_lain, user__username="tetangga")
    client.force_login(lain.user)
    assert client.get(f"/bpjs/kunjungan/{k.pk}/badge/").status_code == 404


def test_worklist_lists_problems_and_its_actions_are_recorded(
    client_loket, bpjs_settings, peserta_pasien, daftar_bpjs, petugas_loket
):
    k = daftar_bpjs(peserta_pasien("tidak_aktif"))
    for r in PermintaanBpjs.objects.filter(kunjungan=k).order_by("pk"):
        services.permintaan_proses(permintaan_id=r.pk)
    cek = PermintaanBpjs.objects.get(kunjungan=k, jenis=J.CEK_PESERTA)
    html = client_loket.get("/bpjs/worklist/").content.decode()
    assert k.pasien.nama in html and "Peserta tidak aktif di BPJS" in html
    r = client_loket.post(f"/bpjs/permintaan/{cek.pk}/ubah_umum/", {"catatan": "bayar umum"})
    assert r.status_code == 302
    k.refresh_from_db()
    assert k.penjamin == "umum"
    html = client_loket.get("/bpjs/worklist/").content.decode()
    assert "Tidak ada permintaan BPJS yang perlu ditangani" in html
    assert "Ubah penjamin ke umum oleh" in html and "bayar umum" in html
    # Acting twice on the same row says so instead of acting again.
    r = client_loket.post(f"/bpjs/permintaan/{cek.pk}/coba_lagi/", follow=True)
    assert "sudah dibatalkan" in r.content.decode()


def test_worklist_is_for_loket_and_admin_only(client, perawat_poli):
    client.force_login(perawat_poli.user)
    assert client.get("/bpjs/worklist/").status_code == 403
    assert client.get("/bpjs/status/").status_code == 200


def test_unknown_worklist_action_is_refused(
    client_loket, bpjs_settings, peserta_pasien, daftar_bpjs
):
    k = daftar_bpjs(peserta_pasien("aktif"))
    cek = PermintaanBpjs.objects.get(kunjungan=k, jenis=J.CEK_PESERTA)
    assert client_loket.post(f"/bpjs/permintaan/{cek.pk}/hapus/").status_code == 400
    assert client_loket.get(f"/bpjs/permintaan/{cek.pk}/coba_lagi/").status_code == 405


def test_worklist_says_which_rows_need_a_person_in_indonesian_and_shows_one_banner(
    client_loket, bpjs_settings, peserta_pasien, daftar_bpjs
):
    for kategori in ("tidak_aktif", "menunggak", "fktp_lain"):
        k = daftar_bpjs(peserta_pasien(kategori))
        for r in PermintaanBpjs.objects.filter(kunjungan=k).order_by("pk"):
            services.permintaan_proses(permintaan_id=r.pk)
    html = client_loket.get("/bpjs/worklist/").content.decode()
    for label in ("Peserta tidak aktif", "Menunggak iuran", "Terdaftar di FKTP lain"):
        assert label in html
    for kode in ("· tidak_aktif", "· menunggak", "· fktp_lain"):
        assert kode not in html
    # Six rows (PCare registration + Mobile JKN queue of each visit) wait behind the refused
    # checks: they are not "in the automatic send queue".
    assert "6 permintaan menunggu di belakang baris di bawah" in html
    assert "dikirim otomatis" not in html
    assert html.count('id="bpjs-banner"') == 0  # base.html loads the one banner itself
    assert html.count("bpjs_bridge/status") == 0 and html.count('hx-get="/bpjs/status/"') == 1


def test_an_eligibility_refusal_on_the_ticket_offers_umum_and_answers_with_the_new_badge(
    client_loket, bpjs_settings, peserta_pasien, daftar_bpjs
):
    from pendaftaran.models import Kunjungan

    k = daftar_bpjs(peserta_pasien("menunggak"))
    for r in PermintaanBpjs.objects.filter(kunjungan=k).order_by("pk"):
        services.permintaan_proses(permintaan_id=r.pk)
    cek = PermintaanBpjs.objects.get(kunjungan=k, jenis=J.CEK_PESERTA)
    html = client_loket.get(f"/bpjs/kunjungan/{k.pk}/badge/").content.decode()
    aksi = f"/bpjs/permintaan/{cek.pk}/ubah_umum/"
    assert f'hx-post="{aksi}"' in html and "Ubah ke umum" in html
    r = client_loket.post(aksi, {"balasan": "badge", "catatan": "di loket"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "Penjamin diubah ke umum" in r.content.decode()
    assert Kunjungan.objects.get(pk=k.pk).penjamin == "umum"
    # An active patient's ticket offers no such choice.
    aktif = daftar_bpjs(peserta_pasien("aktif"))
    html = client_loket.get(f"/bpjs/kunjungan/{aktif.pk}/badge/").content.decode()
    assert "Ubah ke umum" not in html
