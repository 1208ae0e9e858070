"""The queue pages: roles and scoping, htmx partials, the public TV and status pages."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from antrean import live, services, stream
from antrean.models import StatusTiket, Tiket
from audit.models import AuditLog

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_poli(client, perawat_poli):
    client.force_login(perawat_poli.user)
    return client


@pytest.fixture
def kepala(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.select_related("user").get(user__username="kepala")


def test_staff_land_on_their_own_page_after_login(client, perawat_poli, kepala):
    client.force_login(perawat_poli.user)
    assert client.get(reverse("beranda"))["Location"] == reverse("antrean:poli")
    client.force_login(kepala.user)
    assert client.get(reverse("beranda"))["Location"] == reverse("antrean:ringkasan")


def test_the_poli_page_needs_a_poli_or_admin_login(client, petugas_loket, kepala):
    url = reverse("antrean:poli")
    assert client.get(url).status_code == 302
    client.force_login(petugas_loket.user)
    assert client.get(url).status_code == 403
    client.force_login(kepala.user)
    assert client.get(url).status_code == 403


def test_a_poli_officer_sees_only_the_units_of_their_cluster(client_poli, puskesmas, daftar):
    daftar()
    body = client_poli.get(reverse("antrean:poli")).content.decode()
    assert "Poli Umum" in body and "Poli Lansia" in body
    assert "Ruang KIA (Ibu)</a>" not in body
    kia = puskesmas.unit_layanan.get(kode="KIA")
    assert client_poli.get(reverse("antrean:poli_unit", args=[kia.pk])).status_code == 404
    r = client_poli.post(reverse("antrean:aksi", args=[kia.pk, "panggil-berikutnya"]), **HTMX)
    assert r.status_code == 404


def test_an_admin_sees_every_unit(client, admin_puskesmas, puskesmas):
    client.force_login(admin_puskesmas.user)
    kia = puskesmas.unit_layanan.get(kode="KIA")
    assert client.get(reverse("antrean:poli_unit", args=[kia.pk])).status_code == 200


def test_the_waiting_list_shows_name_wait_and_priority_reason(client_poli, daftar):
    daftar(menit_lalu=25)
    lansia = daftar(umur=70)
    jkn = daftar(sumber="mobile_jkn")
    body = client_poli.get(reverse("antrean:poli")).content.decode()
    assert lansia.kunjungan.pasien.nama in body and "Prioritas: lansia" in body
    assert "25 mnt" in body and "Mobile JKN" in body and jkn.kode in body
    assert body.index(lansia.kode) < body.index("A-001")  # priority listed first
    assert 'data-kunci="n"' in body and "<kbd>N</kbd>" in body


def test_htmx_gets_only_the_panel(client_poli, daftar):
    daftar()
    body = client_poli.get(reverse("antrean:poli"), **HTMX).content.decode()
    assert 'class="poli__kepala"' in body and "<html" not in body and 'id="panel"' not in body


def test_call_next_through_htmx_returns_the_panel_with_what_happened(client_poli, daftar, unit):
    t = daftar()
    r = client_poli.post(reverse("antrean:aksi", args=[unit.pk, "panggil-berikutnya"]), **HTMX)
    body = r.content.decode()
    assert r.status_code == 200 and "A-001 dipanggil." in body and 'hx-swap-oob="true"' in body
    assert Tiket.objects.get(pk=t.pk).status == StatusTiket.DIPANGGIL
    # The called patient is now the current one, with the shortcut keys on its buttons.
    assert 'data-kunci="m"' in body and 'data-kunci="r"' in body and 'data-kunci="s"' in body


def test_without_htmx_an_action_redirects_back_with_a_message(client_poli, daftar, unit):
    daftar()
    url = reverse("antrean:aksi", args=[unit.pk, "panggil-berikutnya"])
    r = client_poli.post(url, follow=True)
    assert r.redirect_chain[-1][0] == reverse("antrean:poli_unit", args=[unit.pk])
    assert "A-001 dipanggil." in r.content.decode()


def test_each_button_runs_its_transition(client_poli, daftar, unit, lab):
    t = daftar()
    aksi = lambda nama, **data: client_poli.post(  # noqa: E731
        reverse("antrean:aksi", args=[unit.pk, nama]), {"tiket": t.pk, **data}, **HTMX
    )
    assert "dipanggil." in aksi("panggil").content.decode()
    assert "dipanggil ulang" in aksi("panggil-ulang").content.decode()
    assert "dilewati" in aksi("lewati").content.decode()
    assert "urutan akhir" in aksi("antre-ulang").content.decode()
    aksi("panggil")
    assert "mulai dilayani" in aksi("mulai").content.decode()
    body = aksi("rujuk", unit_tujuan=lab.pk).content.decode()
    assert "dirujuk: nomor baru di Laboratorium" in body
    assert Tiket.objects.get(kunjungan=t.kunjungan, unit=lab).status == StatusTiket.MENUNGGU


def test_a_refused_move_is_shown_and_changes_nothing(client_poli, daftar, unit):
    t = daftar()
    r = client_poli.post(
        reverse("antrean:aksi", args=[unit.pk, "selesai"]), {"tiket": t.pk}, **HTMX
    )
    body = r.content.decode()
    assert "masih menunggu: tidak bisa diselesaikan" in body and 'role="alert"' in body
    assert Tiket.objects.get(pk=t.pk).status == StatusTiket.MENUNGGU


def test_cancel_without_reason_and_transfer_without_unit_name_the_field(client_poli, daftar, unit):
    t = daftar()
    url = lambda nama: reverse("antrean:aksi", args=[unit.pk, nama])  # noqa: E731
    body = client_poli.post(url("batal"), {"tiket": t.pk}, **HTMX).content.decode()
    assert "Alasan pembatalan wajib diisi." in body
    services.panggil_berikutnya(unit=unit)
    body = client_poli.post(url("rujuk"), {"tiket": t.pk}, **HTMX).content.decode()
    assert "Pilih unit tujuan rujukan." in body


def test_a_ticket_of_another_unit_cannot_be_touched_from_this_page(client_poli, daftar, unit, lab):
    di_lab = daftar(lab)
    r = client_poli.post(
        reverse("antrean:aksi", args=[unit.pk, "panggil"]), {"tiket": di_lab.pk}, **HTMX
    )
    assert "Tiket tidak ditemukan di unit ini." in r.content.decode()
    assert Tiket.objects.get(pk=di_lab.pk).status == StatusTiket.MENUNGGU


def test_the_overview_counts_per_unit_and_shows_the_longest_wait(client, kepala, daftar, unit):
    daftar(menit_lalu=40)
    daftar(menit_lalu=10)
    services.panggil_berikutnya(unit=unit)
    daftar(menit_lalu=20)
    client.force_login(kepala.user)
    body = client.get(reverse("antrean:ringkasan")).content.decode()
    baris = body[body.index('data-unit="UMUM"') :].split("</tr>")[0]
    angka = [s.split("<")[0] for s in baris.split('class="angka')[1:]]
    angka = [a.split(">", 1)[1].strip() for a in angka]
    assert angka[:5] == ["2", "1", "0", "0", "0"]
    assert angka[5] == "15 mnt" and angka[6] == "20 mnt"
    assert "Klaster 3" in body and "Buka layar TV" in body


def test_the_overview_is_for_the_head_admin_and_poli_not_the_loket(client, petugas_loket):
    client.force_login(petugas_loket.user)
    assert client.get(reverse("antrean:ringkasan")).status_code == 403


def test_daily_report_and_its_csv(client, kepala, daftar, unit):
    daftar(menit_lalu=30)
    daftar(menit_lalu=10)
    for _ in range(2):
        t = services.panggil_berikutnya(unit=unit)
        services.mulai_layani(tiket=t)
        services.selesai(tiket=t)
    client.force_login(kepala.user)
    body = client.get(reverse("antrean:laporan")).content.decode()
    assert "Poli Umum" in body and "Unduh CSV" in body
    r = client.get(reverse("antrean:laporan"), {"format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    baris = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert baris[0][:4] == ["Tanggal", "Klaster", "Unit layanan", "Jumlah tiket"]
    assert "Median tunggu (menit)" in baris[0] and "Persentil 90 tunggu (menit)" in baris[0]
    umum = next(b for b in baris if b[2] == "Poli Umum")
    assert umum[3:5] == ["2", "2"]
    assert umum[0] == timezone.localdate().strftime("%d-%m-%Y")
    # Indonesian decimals ("20,0"), as on the page and in the PDF.
    assert float(umum[8].replace(",", ".")) == pytest.approx(20.0, abs=0.2)  # mean of 30 and 10
    assert float(umum[11].replace(",", ".")) == pytest.approx(30.0, abs=0.2)
    ekspor = AuditLog.objects.get(aksi="laporan_ekspor")  # viewing the page is not an export
    assert (
        ekspor.user == kepala.user and "antrean" in ekspor.ringkasan and "csv" in ekspor.ringkasan
    )


def test_the_report_is_not_for_poli_staff(client_poli):
    assert client_poli.get(reverse("antrean:laporan")).status_code == 403


def test_a_bad_report_date_is_named(client, kepala):
    client.force_login(kepala.user)
    body = client.get(reverse("antrean:laporan"), {"tanggal": "kemarin"}).content.decode()
    assert "Tanggal tidak valid" in body


def test_the_tv_needs_the_right_display_key(client, puskesmas):
    assert client.get(reverse("antrean:tv", args=["salah"])).status_code == 404
    assert client.get(reverse("antrean:tv_versi", args=["salah"])).status_code == 404
    assert client.get(reverse("antrean:tv_stream", args=["salah"])).status_code == 404
    assert client.get(reverse("antrean:tv", args=[puskesmas.kunci_display])).status_code == 200


def test_the_tv_shows_numbers_and_units_but_never_a_patient(client, puskesmas, daftar, unit):
    tiket = [daftar() for _ in range(4)]
    dipanggil = services.panggil_berikutnya(unit=unit)
    body = client.get(reverse("antrean:tv", args=[puskesmas.kunci_display])).content.decode()
    assert dipanggil.kode in body and "silakan menuju <strong>Poli Umum</strong>" in body
    assert "Berikutnya: <b>A-002</b> <b>A-003</b> <b>A-004</b>" in body
    for t in tiket:
        p = t.kunjungan.pasien
        assert p.nama not in body and p.no_rm not in body and p.nik not in body
    assert f'data-kode="{dipanggil.kode}"' in body


def test_the_tv_partial_and_the_cluster_filter(client, puskesmas):
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    body = client.get(url, {"klaster": "3"}, **HTMX).content.decode()
    assert body.lstrip().startswith('<main id="isi"') and "Poli Umum" in body
    assert "Farmasi" not in body


def test_the_version_url_moves_when_the_queue_changes(
    client, puskesmas, daftar, unit, django_capture_on_commit_callbacks
):
    url = reverse("antrean:tv_versi", args=[puskesmas.kunci_display])
    v0 = client.get(url).json()["v"]
    with django_capture_on_commit_callbacks(execute=True):
        daftar()
    assert client.get(url).json()["v"] != v0


def test_the_event_stream_sends_the_version_and_frees_its_slot(puskesmas, monkeypatch):
    monkeypatch.setattr(stream, "_slot", threading.BoundedSemaphore(1))
    monkeypatch.setattr(stream, "SSE_MAKS", 1)
    r = stream.respons_stream(puskesmas.pk, durasi=0.3)
    assert r["Content-Type"] == "text/event-stream"
    # The single slot is taken: the next display is told to poll instead.
    assert stream.respons_stream(puskesmas.pk).status_code == 204
    isi = b"".join(r.streaming_content).decode()
    assert isi.startswith("retry: 1000") and "event: versi\ndata: " in isi
    r.close()
    r2 = stream.respons_stream(puskesmas.pk, durasi=0)
    assert r2.status_code == 200
    r2.close()  # closed without being read: the slot still comes back
    assert stream._slot.acquire(blocking=False)


def test_staff_live_urls_need_a_login(client, perawat_poli):
    assert client.get(reverse("antrean:live_versi")).status_code == 302
    client.force_login(perawat_poli.user)
    assert "v" in client.get(reverse("antrean:live_versi")).json()


def test_the_status_page_shows_position_estimate_and_no_personal_data(client, daftar, unit):
    tiket = [daftar() for _ in range(3)]
    t = tiket[2]
    body = client.get(reverse("antrean:status_tiket", args=[t.token_publik])).content.decode()
    assert "<strong>2</strong> pasien di depan Anda" in body and "14 menit" in body
    assert t.kunjungan.pasien.nama not in body and t.kunjungan.pasien.no_rm not in body
    assert 'hx-trigger="every 10s"' in body


def test_the_status_page_points_to_the_next_unit_after_a_transfer(client, daftar, unit, lab):
    t = daftar()
    services.panggil_berikutnya(unit=unit)
    baru = services.rujuk(tiket=t, unit_tujuan=lab)
    body = client.get(reverse("antrean:status_tiket", args=[t.token_publik])).content.decode()
    assert "Lanjut ke <strong>Laboratorium</strong>" in body and baru.kode in body
    assert reverse("antrean:status_tiket", args=[baru.token_publik]) in body


def test_all_displays_share_one_render_per_queue_version(
    client,
    puskesmas,
    daftar,
    unit,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    pertama = client.get(url, **HTMX).content
    with django_assert_max_num_queries(1):  # only the display-key lookup
        assert client.get(url, **HTMX).content == pertama
    with django_capture_on_commit_callbacks(execute=True):
        services.panggil_berikutnya(unit=unit)
    assert b"A-001" in client.get(url, **HTMX).content  # a new version renders afresh


def test_the_daily_report_is_also_a_pdf_and_takes_the_ktp_date_order(client, kepala, daftar):
    daftar(menit_lalu=5)
    client.force_login(kepala.user)
    hari = timezone.localdate()
    body = client.get(reverse("antrean:laporan"), {"tanggal": hari.strftime("%d-%m-%Y")})
    assert body.status_code == 200 and hari.strftime("%d-%m-%Y") in body.content.decode()
    assert "Unduh PDF" in body.content.decode()
    r = client.get(
        reverse("antrean:laporan"), {"tanggal": hari.strftime("%d%m%Y"), "format": "pdf"}
    )
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(aksi="laporan_ekspor", ringkasan__contains="pdf").exists()


def test_the_tv_address_and_its_qr_are_shown_to_poli_staff_and_the_admin(
    client, client_poli, admin_puskesmas, petugas_loket, puskesmas
):
    url_tv = "http://testserver" + reverse("antrean:tv", args=[puskesmas.kunci_display])
    html = client_poli.get(reverse("antrean:tv_info")).content.decode()
    assert url_tv in html and "<svg" in html and f"{url_tv}?klaster=3" in html
    assert 'href="/antrean/layar-tv/"' in html  # in the menu
    client.force_login(admin_puskesmas.user)
    assert client.get(reverse("antrean:tv_info")).status_code == 200
    client.force_login(petugas_loket.user)
    assert client.get(reverse("antrean:tv_info")).status_code == 403


def test_the_head_gets_menu_links_to_every_report_the_role_may_open(client, kepala):
    from puskesmas.izin import IZIN  # noqa: F401 (the permission matrix the menu must follow)

    client.force_login(kepala.user)
    html = client.get(reverse("antrean:ringkasan")).content.decode()
    for nama in ("downtime:laporan", "downtime:episode_daftar", "antrean:laporan"):
        assert f'href="{reverse(nama)}"' in html, nama
        assert client.get(reverse(nama)).status_code == 200
    assert f'href="{reverse("downtime:beranda")}"' not in html


def test_a_registration_the_tv_does_not_show_is_not_rendered_again_but_a_call_is(
    client, puskesmas, daftar, unit, django_capture_on_commit_callbacks, monkeypatch
):
    from antrean import views

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):  # the TV shows the next three numbers: A-004 is beyond them
            daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    pertama = client.get(url, **HTMX).content.decode()
    assert "A-003" in pertama and "A-004" not in pertama
    render = []
    asli = views.render_to_string
    monkeypatch.setattr(
        views, "render_to_string", lambda *a, **k: render.append(1) or asli(*a, **k)
    )
    with django_capture_on_commit_callbacks(execute=True):
        daftar()  # a new version, the same screen
    kedua = client.get(url, **HTMX).content.decode()
    versi = client.get(reverse("antrean:tv_versi", args=[puskesmas.kunci_display])).json()["v"]
    assert render == [] and f'data-versi-tampil="{versi}"' in kedua  # the new version filled in
    assert "A-005" not in kedua
    with django_capture_on_commit_callbacks(execute=True):
        services.panggil_berikutnya(unit=unit)
    ketiga = client.get(url, **HTMX).content.decode()
    assert render == [1] and "data-nomor-dipanggil>A-001" in ketiga and "A-004" in ketiga


def test_a_renamed_unit_reaches_the_tv_through_the_content_cache(
    client, puskesmas, daftar, unit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    assert "Poli Umum" in client.get(url, **HTMX).content.decode()
    unit.nama = "Poli Umum Dewasa"
    unit.save()  # the reference cache's generation moves; the queue version does not
    with django_capture_on_commit_callbacks(execute=True):
        daftar()  # any later change of the queue: the TV re-reads and sees the new name
    assert "Poli Umum Dewasa" in client.get(url, **HTMX).content.decode()


def test_a_renamed_unit_reaches_the_tv_on_its_next_fetch_without_a_queue_change(
    client, puskesmas, daftar, unit, django_capture_on_commit_callbacks
):
    """The fragment cached under the TV version is keyed by the reference rows' generation too:
    a rename saved in any process (no queue change, no TV version moved) reaches the next fetch,
    the 20 s refresh at the latest."""
    with django_capture_on_commit_callbacks(execute=True):
        daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    assert "Poli Umum" in client.get(url, **HTMX).content.decode()
    unit.nama = "Poli Umum Dewasa"
    unit.save()  # the generation moves, the TV version does not
    assert "Poli Umum Dewasa" in client.get(url, **HTMX).content.decode()


def test_the_tv_fragment_carries_an_etag_and_is_revalidated_not_refetched(
    client, puskesmas, daftar, unit, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The fragment's 20 s refresh (and any fetch of an unchanged fragment) is a 304 with no
    SQL; it may be stored by the browser (no-cache) as it holds numbers and unit names only."""
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    r = client.get(url, **HTMX)
    etag = r["ETag"]
    assert r.status_code == 200 and etag.startswith('"') and "A-003" in r.content.decode()
    assert r["Cache-Control"] == "no-cache" and r["Referrer-Policy"] == "no-referrer"
    assert "HX-Request" in r["Vary"]
    with django_assert_num_queries(0):
        r304 = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert r304.status_code == 304 and r304.content == b"" and r304["ETag"] == etag
    assert r304["Cache-Control"] == "no-cache" and r304["Referrer-Policy"] == "no-referrer"
    with django_capture_on_commit_callbacks(execute=True):
        daftar()  # not on screen, the same fragment
    assert client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        services.panggil_berikutnya(unit=unit)
    r2 = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert r2.status_code == 200 and r2["ETag"] != etag
    assert "data-nomor-dipanggil>A-001" in r2.content.decode()
    # The page itself at the same address is never stored nor validated.
    halaman = client.get(url, HTTP_IF_NONE_MATCH=r2["ETag"])
    assert halaman.status_code == 200 and halaman["Cache-Control"] == "no-store"


def test_a_stale_tv_etag_never_gets_a_304_even_when_the_cache_lost_the_version(
    client, puskesmas, daftar, unit, django_capture_on_commit_callbacks, monkeypatch
):
    """Version "0" (the cache cannot tell): nothing is cached under it and the 304 rests on
    the digest of what the fragment shows, read from the queue."""
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            daftar()
    monkeypatch.setattr(live, "versi_tv", lambda pkm_id: "0")
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    etag = client.get(url, **HTMX)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        services.panggil_berikutnya(unit=unit)
    r = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert r.status_code == 200 and "data-nomor-dipanggil>A-001" in r.content.decode()


def test_the_tv_etag_is_per_cluster_filter_and_day(client, puskesmas, daftar, monkeypatch):
    from antrean import views

    daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    semua = client.get(url, **HTMX)["ETag"]
    klaster = client.get(url, {"klaster": "3"}, **HTMX)["ETag"]
    assert semua != klaster
    besok = views._hari_ini() + timedelta(days=1)
    monkeypatch.setattr(views, "_hari_ini", lambda: besok)
    r = client.get(url, HTTP_IF_NONE_MATCH=semua, **HTMX)
    assert r.status_code == 200 and "A-001" not in r.content.decode()
