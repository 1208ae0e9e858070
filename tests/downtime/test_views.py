"""Downtime pages: declare/end, banner, review decisions, back entry, ledger, monthly report,
and who may open what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditLog
from downtime import replay, services
from downtime.models import EntriReplay, EpisodeDowntime, KeputusanTinjau, StatusEntri
from pendaftaran.models import Kunjungan, Pasien, Sumber

from .conftest import entri, pasien_baru


@pytest.fixture
def client_admin(admin_puskesmas):
    # Its own Client: a test may log another persona into pytest-django's `client`.
    from django.test import Client

    c = Client()
    c.force_login(admin_puskesmas.user)
    return c


def _replay(batch, petugas):
    hasil, _ = replay.replay_batch(
        batch,
        puskesmas=petugas.puskesmas,
        pengirim=petugas.user,
        meta=replay.MetaBatch(loket=petugas.loket),
    )
    return hasil


def _konflik(petugas, pasien, pada, **lain):
    data = pasien_baru(
        nama=lain.pop("nama", "Bambang Wijaya"),
        lahir=lain.pop("lahir", pasien.tanggal_lahir),
        jk=pasien.jenis_kelamin,
        serial=None,
        nik=pasien.nik,
        **lain,
    )
    (h,) = _replay([entri(data, pada=pada)], petugas)
    assert h["status"] == "ditinjau"
    return EntriReplay.objects.get(client_uuid=h["client_uuid"])


# --- Declared downtime ----------------------------------------------------------------------


def test_an_admin_declares_downtime_and_every_loket_banner_shows_it(
    client_admin, client, petugas_loket
):
    data = {"alasan": "erm", "keterangan": "ERM error sejak 08:05"}
    r = client_admin.post(reverse("downtime:mulai"), data)
    assert r.status_code == 200 and not EpisodeDowntime.objects.exists()  # asks first
    r = client_admin.post(reverse("downtime:mulai"), {**data, "konfirmasi": "1"})
    assert r.status_code == 302
    ep = EpisodeDowntime.objects.get()
    assert ep.jenis == "deklarasi" and ep.selesai is None and ep.loket is None
    assert ep.direspons_pada == ep.mulai

    client.force_login(petugas_loket.user)
    banner = client.get(reverse("downtime:banner")).content.decode()
    assert "MODE GANGGUAN" in banner and "ERM error sejak 08:05" in banner
    assert 'hx-trigger="every 10s"' in banner

    client_admin.post(reverse("downtime:selesai", args=[ep.pk]))
    ep.refresh_from_db()
    assert ep.selesai is not None
    assert "MODE GANGGUAN" not in client.get(reverse("downtime:banner")).content.decode()


def test_downtime_for_one_loket_shows_only_at_that_loket(
    client_admin, admin_puskesmas, petugas_loket, petugas_loket_2, client
):
    client_admin.post(
        reverse("downtime:mulai"), {"alasan": "listrik", "loket": petugas_loket_2.loket.pk}
    )
    client.force_login(petugas_loket.user)
    assert "MODE GANGGUAN" not in client.get(reverse("downtime:banner")).content.decode()
    client.force_login(petugas_loket_2.user)
    assert "loket L2" in client.get(reverse("downtime:banner")).content.decode()


def test_declaring_without_a_reason_shows_the_field_error(client_admin):
    r = client_admin.post(reverse("downtime:mulai"), {"alasan": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422
    assert "Alasan" in r.content.decode()
    assert not EpisodeDowntime.objects.exists()


def test_the_downtime_page_lists_active_episodes_and_open_entries(client_admin, admin_puskesmas):
    services.downtime_mulai(puskesmas=admin_puskesmas.puskesmas, alasan="pemeliharaan")
    html = client_admin.get(reverse("downtime:beranda")).content.decode()
    assert "Akhiri mode gangguan" in html and "Pemeliharaan terencana" in html


@pytest.mark.parametrize(
    "nama,peran_boleh",
    [
        ("downtime:beranda", {"admin"}),
        ("downtime:tinjau", {"admin"}),
        ("downtime:episode_daftar", {"admin", "kepala"}),
        ("downtime:laporan", {"admin", "kepala"}),
        ("downtime:susulan", {"admin", "loket"}),
        ("downtime:banner", {"admin", "loket", "poli", "kepala"}),
    ],
)
def test_pages_open_only_for_their_roles(client, puskesmas, nama, peran_boleh):
    from puskesmas.models import Petugas

    for username in ("admin", "loket1", "poli_umum", "kepala"):
        p = Petugas.objects.get(user__username=username)
        client.force_login(p.user)
        r = client.get(reverse(nama))
        assert (r.status_code == 200) == (p.peran in peran_boleh), (username, r.status_code)


def test_anonymous_visitors_are_sent_to_login(client, puskesmas):
    r = client.get(reverse("downtime:tinjau"))
    assert r.status_code == 302 and "masuk" in r["Location"]


# --- Review ---------------------------------------------------------------------------------


def test_the_review_page_shows_the_entry_and_the_existing_patient_side_by_side(
    client_admin, petugas_loket, pasien_bpjs
):
    e = _konflik(petugas_loket, pasien_bpjs, timezone.now() - timedelta(hours=1))
    daftar = client_admin.get(reverse("downtime:tinjau")).content.decode()
    assert "Bambang Wijaya" in daftar and "Entri luring perlu tindakan (1)" in daftar
    html = client_admin.get(reverse("downtime:tinjau_detail", args=[e.pk])).content.decode()
    assert "Bambang Wijaya" in html and pasien_bpjs.nama in html
    assert f"Gabungkan ke RM {pasien_bpjs.no_rm}" in html
    assert "dt-beda" in html  # the differing name is highlighted


def test_merging_attaches_the_visit_to_the_existing_patient_and_records_who(
    client_admin, admin_puskesmas, petugas_loket, pasien_bpjs
):
    e = _konflik(
        petugas_loket, pasien_bpjs, timezone.now() - timedelta(hours=1), alamat="Jl. Baru 9"
    )
    r = client_admin.post(
        reverse("downtime:tinjau_gabung", args=[e.pk]),
        {"pasien_id": pasien_bpjs.pk, "perbarui_data": "on", "catatan": "salah ketik nama"},
    )
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.status == StatusEntri.DILAMPIRKAN and e.status_awal == StatusEntri.DITINJAU
    assert e.kunjungan.pasien == pasien_bpjs and e.kunjungan.sumber == Sumber.OFFLINE
    pasien_bpjs.refresh_from_db()
    assert pasien_bpjs.alamat == "Jl. Baru 9"
    assert pasien_bpjs.nik  # the NIK stays
    gabung = AuditLog.objects.get(aksi="pasien_gabung")
    assert gabung.user == admin_puskesmas.user and gabung.objek_id == str(pasien_bpjs.pk)
    k = KeputusanTinjau.objects.get()
    assert (k.keputusan, k.oleh, k.status_sebelum, k.status_sesudah) == (
        "gabung",
        admin_puskesmas.user,
        "ditinjau",
        "dilampirkan",
    )
    # Deciding again is refused: the entry is settled.
    r = client_admin.post(
        reverse("downtime:tinjau_gabung", args=[e.pk]), {"pasien_id": pasien_bpjs.pk}
    )
    assert r.status_code == 422 and "sudah diselesaikan" in r.content.decode()


def test_keeping_an_infant_separate_puts_the_mothers_nik_in_nik_ibu(
    client_admin, petugas_loket, pasien_bpjs
):
    # Offline, the officer typed the mother's NIK into the baby's NIK field.
    bayi_lahir = timezone.localdate() - timedelta(days=20)
    e = _konflik(
        petugas_loket,
        pasien_bpjs,
        timezone.now() - timedelta(hours=1),
        nama="Bayi Siti",
        lahir=bayi_lahir,
    )
    assert "bayi/anaknya" in e.pesan
    r = client_admin.post(reverse("downtime:tinjau_pisah", args=[e.pk]), {"catatan": "bayi"})
    assert r.status_code == 302
    e.refresh_from_db()
    bayi = e.kunjungan.pasien
    assert (bayi.nama, bayi.nik, bayi.nik_ibu) == ("Bayi Siti", None, pasien_bpjs.nik)
    assert "NIK ibu" in e.pesan


def test_keep_separate_for_an_adult_saves_the_patient_without_the_clashing_nik(
    client_admin, petugas_loket, pasien_bpjs
):
    e = _konflik(petugas_loket, pasien_bpjs, timezone.now() - timedelta(hours=1))
    r = client_admin.post(reverse("downtime:tinjau_pisah", args=[e.pk]))
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.status == StatusEntri.DIBUAT
    baru = e.kunjungan.pasien
    assert baru != pasien_bpjs and baru.nik is None and baru.nama == "Bambang Wijaya"
    assert "tanpa NIK" in e.pesan
    assert Pasien.objects.filter(nik=pasien_bpjs.nik).count() == 1


def test_correcting_a_rejected_entry_reruns_it_through_replay(client_admin, petugas_loket, unit):
    pada = timezone.now() - timedelta(hours=1)
    # BPJS without a card or NIK: refused.
    (h,) = _replay([entri(pasien_baru(serial=None), pada=pada, penjamin="bpjs")], petugas_loket)
    assert h["status"] == "ditolak"
    e = EntriReplay.objects.get()
    html = client_admin.get(reverse("downtime:tinjau_detail", args=[e.pk])).content.decode()
    assert "Dewi Lestari" in html  # the correction form is pre-filled
    data = {
        "loket": petugas_loket.loket.pk,
        "waktu": timezone.localtime(pada).strftime("%Y-%m-%dT%H:%M"),
        "unit": unit.pk,
        "penjamin": "umum",
        "nama": "Dewi Lestari",
        "nik": e.payload["pasien"]["nik"],
        "tanggal_lahir": "1990-05-17",
        "jenis_kelamin": "P",
    }
    r = client_admin.post(reverse("downtime:tinjau_koreksi", args=[e.pk]), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    e.refresh_from_db()
    assert e.status == StatusEntri.DIBUAT and e.status_awal == StatusEntri.DITOLAK
    assert e.payload_asli["kunjungan"]["penjamin"] == "bpjs"
    assert Kunjungan.objects.get().penjamin == "umum"
    assert KeputusanTinjau.objects.get().keputusan == "koreksi"


def test_review_pages_of_another_puskesmas_are_not_found(
    client, puskesmas_lain, petugas_loket, pasien_bpjs
):
    from tests.factories import PetugasFactory

    e = _konflik(petugas_loket, pasien_bpjs, timezone.now() - timedelta(hours=1))
    asing = PetugasFactory(puskesmas=puskesmas_lain, peran="admin")
    client.force_login(asing.user)
    assert client.get(reverse("downtime:tinjau_detail", args=[e.pk])).status_code == 404
    r = client.post(reverse("downtime:tinjau_pisah", args=[e.pk]))
    assert r.status_code == 404
    assert "Bambang" not in client.get(reverse("downtime:tinjau")).content.decode()


# --- Back entry -----------------------------------------------------------------------------


def _form_susulan(petugas, unit, **lain):
    pada = timezone.localtime() - timedelta(hours=3)
    data = {
        "client_uuid": "5b0c7d9e-3f1a-4c2b-8d7e-000000000001",
        "loket": petugas.loket.pk,
        "waktu": pada.strftime("%Y-%m-%dT%H:%M"),
        "unit": unit.pk,
        "penjamin": "umum",
        "nama": "Pasien Kertas",
        "tanggal_lahir": "1975-08-09",
        "jenis_kelamin": "L",
    }
    data.update(lain)
    return data


def test_a_back_entry_goes_through_replay_as_susulan_with_the_real_time(
    client_loket, petugas_loket, unit
):
    data = _form_susulan(petugas_loket, unit)
    r = client_loket.post(reverse("downtime:susulan"), data)
    assert r.status_code == 200
    assert "dibuat" in r.content.decode()
    k = Kunjungan.objects.get()
    assert k.sumber == Sumber.SUSULAN and k.mode_downtime
    assert timezone.localtime(k.dibuat_klien).strftime("%Y-%m-%dT%H:%M") == data["waktu"]
    assert EntriReplay.objects.get().sumber == "susulan"
    # Submitting the same sheet twice (same hidden UUID) stores it once.
    client_loket.post(reverse("downtime:susulan"), data)
    assert Kunjungan.objects.count() == 1 and EntriReplay.objects.count() == 1


def test_a_back_entry_for_a_patient_already_registered_today_is_marked_duplicate(
    client_loket, petugas_loket, pasien_umum, unit
):
    client_loket.post(
        reverse("downtime:susulan"),
        _form_susulan(petugas_loket, unit, nama="", no_rm=pasien_umum.no_rm),
    )
    data = _form_susulan(
        petugas_loket,
        unit,
        client_uuid="5b0c7d9e-3f1a-4c2b-8d7e-000000000002",
        nama=pasien_umum.nama,
        nik=pasien_umum.nik,
        tanggal_lahir="1992-11-02",
    )
    r = client_loket.post(reverse("downtime:susulan"), data, HTTP_HX_REQUEST="true")
    assert "duplikat" in r.content.decode()
    assert Kunjungan.objects.count() == 1


def test_a_back_entry_without_name_or_no_rm_shows_field_errors(client_loket, petugas_loket, unit):
    r = client_loket.post(reverse("downtime:susulan"), _form_susulan(petugas_loket, unit, nama=""))
    assert r.status_code == 422
    assert "Isi No. RM pasien lama, atau nama pasien baru." in r.content.decode()


def test_a_back_entry_joins_the_declared_episode_that_covers_its_time(
    client_loket, petugas_loket, unit
):
    ep = services.downtime_mulai(
        puskesmas=petugas_loket.puskesmas,
        alasan="listrik",
        pada=timezone.now() - timedelta(hours=5),
    )
    client_loket.post(reverse("downtime:susulan"), _form_susulan(petugas_loket, unit))
    assert EntriReplay.objects.get().episode == ep


# --- Ledger and report ----------------------------------------------------------------------


def test_an_admin_records_cause_and_fix_and_a_kepala_only_reads(client_admin, client, puskesmas):
    from puskesmas.models import Petugas

    ep = services.downtime_mulai(puskesmas=puskesmas, alasan="jaringan")
    services.downtime_selesai(episode=ep)
    url = reverse("downtime:episode", args=[ep.pk])
    r = client_admin.post(
        url,
        {"penyebab": "Switch mati", "perbaikan": "Ganti switch", "direspons_pada": ""},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and r["HX-Redirect"] == url
    ep.refresh_from_db()
    assert (ep.penyebab, ep.perbaikan) == ("Switch mati", "Ganti switch")
    kepala = Petugas.objects.get(user__username="kepala")
    client.force_login(kepala.user)
    assert "Switch mati" in client.get(url).content.decode()
    assert client.post(url, {"penyebab": "x"}).status_code == 404


def test_a_response_time_before_the_report_time_is_refused(client_admin, puskesmas):
    ep = services.downtime_mulai(puskesmas=puskesmas, alasan="jaringan")
    sebelum = timezone.localtime(ep.mulai - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = client_admin.post(
        reverse("downtime:episode", args=[ep.pk]),
        {"penyebab": "", "perbaikan": "", "direspons_pada": sebelum},
    )
    assert r.status_code == 422
    assert "tidak boleh sebelum" in r.content.decode()


@pytest.fixture
def bulan_berisi(puskesmas):
    """Three incidents in March 2026: two responded on time, one late."""
    tz = timezone.get_current_timezone()
    from datetime import datetime

    def ep(hari, jam, respons_menit, durasi_menit, alasan="jaringan", penyebab=""):
        mulai = datetime(2026, 3, hari, jam, 0, tzinfo=tz)
        e = services.downtime_mulai(puskesmas=puskesmas, alasan=alasan, pada=mulai)
        services.downtime_selesai(episode=e, pada=mulai + timedelta(minutes=durasi_menit))
        return services.episode_ubah(
            episode=e,
            penyebab=penyebab,
            perbaikan="Restart router",
            direspons_pada=mulai + timedelta(minutes=respons_menit),
        )

    ep(3, 8, 5, 40, penyebab="Kabel LAN lepas")
    ep(3, 13, 10, 20)
    ep(17, 9, 45, 180, alasan="listrik", penyebab="PLN padam — genset gagal")
    services.episode_bpjs_mulai(puskesmas=puskesmas, pada=datetime(2026, 4, 1, 8, tzinfo=tz))
    return puskesmas


def test_the_monthly_report_counts_incidents_and_the_share_on_time(client_admin, bulan_berisi):
    html = client_admin.get(reverse("downtime:laporan"), {"bulan": "2026-03"}).content.decode()
    assert "<strong>3</strong> kejadian" in html
    assert "<strong>2</strong> (66,7%" in html
    assert "Kabel LAN lepas" in html and "<svg" in html and "<rect" in html


def test_the_monthly_report_exports_csv_in_sop_columns(client_admin, bulan_berisi):
    r = client_admin.get(reverse("downtime:laporan_csv"), {"bulan": "2026-03"})
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Tanggal", "Unit", "Jam dilaporkan", "Jam direspons", "Tepat waktu"]
    assert rows[1][:7] == ["03-03-2026", "Seluruh Puskesmas", "08.00", "08.05", "Ya", "5", "40"]
    assert rows[3][4] == "Tidak"
    total = {r[0]: r[1] for r in rows if len(r) == 2}
    assert total["Jumlah kejadian"] == "3"
    assert total["Direspons tepat waktu"] == "2 (66,7%)"
    assert total["Total durasi (menit)"] == "240"


def test_the_monthly_report_exports_a_pdf(client_admin, bulan_berisi):
    r = client_admin.get(reverse("downtime:laporan_pdf"), {"bulan": "2026-03"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 1000


def test_a_bad_month_falls_back_to_this_month(client_admin, puskesmas):
    r = client_admin.get(reverse("downtime:laporan"), {"bulan": "2026-13"})
    assert r.status_code == 200
    assert timezone.localdate().strftime("%Y-%m") in r.content.decode()


def test_a_puskesmas_wide_declaration_first_asks_naming_every_loket(
    client_admin, petugas_loket, petugas_loket_2
):
    r = client_admin.post(
        reverse("downtime:mulai"), {"alasan": "listrik", "loket": ""}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert r.status_code == 200 and not EpisodeDowntime.objects.exists()
    assert "Konfirmasi: mode gangguan seluruh Puskesmas" in html
    assert "L1, L2" in html and "listrik padam" in html.lower()
    assert 'name="konfirmasi" value="1"' in html
    assert "<main" not in html  # only the form's fragment


def test_the_htmx_declaration_answer_reloads_the_page_instead_of_nesting_it(
    client_admin, petugas_loket
):
    r = client_admin.post(
        reverse("downtime:mulai"),
        {"alasan": "listrik", "loket": "", "konfirmasi": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and r["HX-Redirect"] == reverse("downtime:beranda")
    assert r.content.decode().count("<header") == 0
    html = client_admin.get(reverse("downtime:beranda")).content.decode()
    # One page: one top bar, one <main>, and the side panel shows the new episode.
    assert html.count('<header class="topbar"') == 1 and html.count("<main") == 1
    assert "Tidak ada gangguan" not in html and "Akhiri mode gangguan" in html
    ep = EpisodeDowntime.objects.get()
    jam_lokal = timezone.localtime(ep.mulai).strftime("%H.%M")  # the Puskesmas' clock, not UTC
    assert f"Mode gangguan dimulai untuk seluruh Puskesmas pukul {jam_lokal}." in html
    assert f"sejak {jam_lokal}" in html  # the banner says the same time


def test_one_loket_downtime_needs_no_confirmation(client_admin, petugas_loket):
    r = client_admin.post(
        reverse("downtime:mulai"),
        {"alasan": "listrik", "loket": petugas_loket.loket.pk},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "HX-Redirect" in r
    assert EpisodeDowntime.objects.get().loket == petugas_loket.loket


def test_the_month_picker_names_months_in_indonesian(client_admin, bulan_berisi):
    html = client_admin.get(reverse("downtime:laporan"), {"bulan": "2026-03"}).content.decode()
    assert '<option value="2026-03" selected>Maret 2026</option>' in html
    assert "Laporan kejadian gangguan Maret 2026" in html
    assert 'type="month"' not in html


def test_moments_are_typed_day_first_and_shown_the_same_way(client_admin, admin_puskesmas):
    ep = services.downtime_mulai(puskesmas=admin_puskesmas.puskesmas, alasan="listrik")
    hari = timezone.localtime(ep.mulai + timedelta(minutes=2))
    teks = f"{hari:%d-%m-%Y} {hari:%H}.{hari:%M}"
    r = client_admin.post(
        reverse("downtime:episode", args=[ep.pk]),
        {"penyebab": "PLN", "perbaikan": "", "direspons_pada": teks},
    )
    assert r.status_code == 302, r.content.decode()[:800]
    ep.refresh_from_db()
    assert timezone.localtime(ep.direspons_pada).strftime("%d-%m-%Y %H.%M") == teks
    html = client_admin.get(reverse("downtime:episode", args=[ep.pk])).content.decode()
    assert f'value="{teks}"' in html and 'type="datetime-local"' not in html
