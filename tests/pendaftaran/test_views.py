"""The loket pages through Django's test client: what the officer sees for each action, the
htmx fragment vs the full page, idempotent saving, and that nothing leaks across Puskesmas."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from antrean import routing
from antrean.models import Tiket
from audit.models import AuditLog
from pendaftaran.models import Kunjungan, Pasien, StatusKunjungan
from pendaftaran.qr import svg_qr
from puskesmas.access import SESSION_LOKET
from tests.factories import LoketFactory, PasienFactory, PetugasFactory, UnitFactory, buat_nik

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args) -> str:
    return reverse(f"pendaftaran:{name}", args=args)


def html(resp) -> str:
    return resp.content.decode()


def data_pasien(**ubah) -> dict:
    lahir = date(1990, 5, 17)
    data = {
        "nama": "Dewi Lestari",
        "nik": buat_nik(lahir, "P", serial=77),
        "nik_ibu": "",
        "no_bpjs": "0009876543210",
        "tanggal_lahir": lahir.isoformat(),
        "jenis_kelamin": "P",
        "alamat": "Jl. Kenanga 5",
        "no_hp": "081234567890",
    }
    data.update(ubah)
    return data


def data_kunjungan(unit, **ubah) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "penjamin": "bpjs",
        "keluhan": "demam 3 hari",
        "layanan_diminta": "",
        "unit": str(unit.pk),
    }
    data.update(ubah)
    return data


def unit_kode(puskesmas, kode):
    return puskesmas.unit_layanan.get(kode=kode)


def adalah_fragmen(resp) -> bool:
    return "<html" not in html(resp)


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, puskesmas):
    resp = client.get(url("loket"))
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("masuk"))


def test_poli_staff_may_not_open_the_loket(client, perawat_poli):
    client.force_login(perawat_poli.user)
    assert client.get(url("loket")).status_code == 403
    assert client.get(url("cari"), {"q": "siti"}).status_code == 403


def test_admin_may_work_a_loket(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    assert client.get(url("loket")).status_code == 200


def test_loket_page_shows_the_active_loket_search_shortcuts_and_todays_list(client_loket):
    resp = client_loket.get(url("loket"))
    page = html(resp)
    assert resp.status_code == 200
    assert re.search(r'<option value="\d+" selected>Loket 1</option>', page)
    assert 'id="q"' in page and "autofocus" in page
    assert 'hx-trigger="keyup changed delay:200ms' in page
    for pintasan in ("F2", "F4", "F9", "Esc", "Ctrl</kbd>+<kbd>Enter"):
        assert pintasan in page
    assert "Hari ini di Loket 1" in page
    assert "css/loket.css" in page and "js/app.js" in page


def test_loket_pages_carry_no_inline_script_or_event_handler(client_loket, pasien_bpjs, unit):
    """A CSP without 'unsafe-inline' must work: scripts only from files, no on*= attributes."""
    k = _daftar(client_loket, pasien_bpjs, unit)
    for u in (
        url("loket"),
        url("pasien", pasien_bpjs.pk),
        url("pasien_baru"),
        url("tiket", k.pk),
        url("cetak", k.pk),
    ):
        page = html(client_loket.get(u))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), u
        assert not re.search(r"\son[a-z]+\s*=", page), u
        assert "hx-on" not in page and "javascript:" not in page, u


def test_an_officer_without_a_loket_is_asked_to_choose_one(client, puskesmas):
    petugas = PetugasFactory(puskesmas=puskesmas, loket=None)
    client.force_login(petugas.user)
    page = html(client.get(url("loket")))
    assert "Pilih loket Anda" in page
    assert 'id="q"' not in page
    loket2 = puskesmas.loket.get(kode="L2")
    resp = client.post(url("pilih_loket"), {"loket": loket2.pk})
    assert resp.status_code == 302
    assert client.session[SESSION_LOKET] == loket2.pk
    assert "Hari ini di Loket 2" in html(client.get(url("loket")))


def test_switching_loket_stays_within_the_officers_puskesmas(client_loket, puskesmas_lain):
    asing = LoketFactory(puskesmas=puskesmas_lain, kode="X1")
    client_loket.post(url("pilih_loket"), {"loket": asing.pk})
    assert SESSION_LOKET not in client_loket.session
    assert "Hari ini di Loket 1" in html(client_loket.get(url("loket")))


def test_registering_without_any_loket_is_refused_with_a_message(client, puskesmas, pasien_bpjs):
    petugas = PetugasFactory(puskesmas=puskesmas, loket=None)
    client.force_login(petugas.user)
    resp = client.post(
        url("daftar", pasien_bpjs.pk), data_kunjungan(unit_kode(puskesmas, "UMUM")), **HTMX
    )
    assert "Pilih loket Anda dulu" in html(resp)
    assert not Kunjungan.objects.exists()


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cara",
    ["nik", "nik_berspasi", "rm", "rm_tanpa_nol", "bpjs", "nama", "nama_tanggal", "tanggal_iso"],
)
def test_search_finds_a_returning_patient_by_every_identifier(client_loket, pasien_bpjs, cara):
    p = pasien_bpjs
    q = {
        "nik": p.nik,
        "nik_berspasi": " ".join(p.nik[i : i + 4] for i in range(0, 16, 4)),
        "rm": p.no_rm,
        "rm_tanpa_nol": p.no_rm.lstrip("0"),
        "bpjs": p.no_bpjs,
        "nama": "siti ami",
        "nama_tanggal": "Siti 12-03-1980",
        "tanggal_iso": "aminah 1980-03-12",
    }[cara]
    resp = client_loket.get(url("cari"), {"q": q}, **HTMX)
    assert resp.status_code == 200
    assert adalah_fragmen(resp)
    page = html(resp)
    assert "Siti Aminah" in page
    assert url("pasien", p.pk) in page
    assert 'role="listbox"' in page


def test_search_results_show_what_the_officer_needs_to_recognise_the_patient(
    client_loket, pasien_bpjs, puskesmas
):
    PasienFactory(
        puskesmas=puskesmas,
        nama="Siti Bayi",
        nik=None,
        no_bpjs=None,
        tanggal_lahir=date(2025, 1, 1),
    )
    page = html(client_loket.get(url("cari"), {"q": "siti"}, **HTMX))
    assert pasien_bpjs.no_rm in page
    assert "12-03-1980" in page and " th)" in page
    assert "BPJS</span>" in page
    assert "tanpa NIK" in page
    # The list masks the birth-date middle of the NIK; the full NIK is for the patient panel.
    assert pasien_bpjs.nik not in page
    assert f"{pasien_bpjs.nik[:4]} •••• •••• {pasien_bpjs.nik[-4:]}" in page


def test_a_mothers_nik_finds_her_baby_registered_under_it(client_loket, pasien_bpjs, puskesmas):
    PasienFactory(
        puskesmas=puskesmas,
        nama="Bayi Ny Siti",
        nik=None,
        nik_ibu=pasien_bpjs.nik,
        tanggal_lahir=timezone.localdate() - timedelta(days=40),
    )
    page = html(client_loket.get(url("cari"), {"q": pasien_bpjs.nik}, **HTMX))
    assert "Bayi Ny Siti" in page and "bayi dari NIK ibu ini" in page
    assert " bln)" in page


def test_search_without_htmx_renders_the_whole_page_with_results(client_loket, pasien_bpjs):
    resp = client_loket.get(url("cari"), {"q": pasien_bpjs.nik})
    page = html(resp)
    assert "<html" in page and "Siti Aminah" in page
    assert f'value="{pasien_bpjs.nik}"' in page  # the search box keeps the query


def test_search_never_shows_another_puskesmas_patient(client_loket, puskesmas_lain):
    lain = PasienFactory(puskesmas=puskesmas_lain, nama="Siti Tetangga")
    for q in (lain.nik, lain.no_rm, lain.no_bpjs, "siti tet"):
        page = html(client_loket.get(url("cari"), {"q": q}, **HTMX))
        assert "Siti Tetangga" not in page
        assert "Tidak ditemukan" in page


def test_search_without_result_offers_a_new_patient_prefilled_from_the_query(client_loket):
    nik = buat_nik(date(2001, 2, 3), "L", serial=9)
    page = html(client_loket.get(url("cari"), {"q": nik}, **HTMX))
    assert "Tidak ditemukan" in page
    assert f"{url('pasien_baru')}?q={nik}" in page
    form = html(client_loket.get(url("pasien_baru"), {"q": nik}, **HTMX))
    assert f'value="{nik}"' in form
    form = html(client_loket.get(url("pasien_baru"), {"q": "budi santoso 03-02-2001"}, **HTMX))
    assert 'value="Budi Santoso"' in form and 'value="03-02-2001"' in form


def test_a_one_letter_name_asks_for_more(client_loket):
    page = html(client_loket.get(url("cari"), {"q": "s"}, **HTMX))
    assert "minimal 2 huruf" in page
    assert "Tidak ditemukan" not in page


# --- patients -------------------------------------------------------------------------------


def test_new_patient_form_is_a_fragment_for_htmx_and_a_page_otherwise(client_loket):
    frag = client_loket.get(url("pasien_baru"), **HTMX)
    assert adalah_fragmen(frag) and "Pasien baru" in html(frag)
    full = client_loket.get(url("pasien_baru"))
    assert "<html" in html(full) and 'id="panel-pasien-baru"' in html(full)


def test_a_new_patient_is_saved_and_the_visit_form_opens(client_loket, puskesmas):
    resp = client_loket.post(url("pasien_baru"), data_pasien(), **HTMX)
    pasien = Pasien.objects.get(puskesmas=puskesmas, nama="Dewi Lestari")
    page = html(resp)
    assert f"No. RM {pasien.no_rm}" in page
    assert 'id="panel-kunjungan"' in page and 'name="client_uuid"' in page
    assert resp["HX-Push-Url"] == url("pasien", pasien.pk)
    assert pasien.dibuat_oleh is not None


def test_new_patient_without_htmx_redirects_to_the_patient(client_loket):
    resp = client_loket.post(url("pasien_baru"), data_pasien())
    pasien = Pasien.objects.get(nama="Dewi Lestari")
    assert resp.status_code == 302 and resp["Location"] == url("pasien", pasien.pk)


def test_new_patient_errors_are_shown_in_indonesian_next_to_fields_and_input_is_kept(client_loket):
    besok = (timezone.localdate() + timedelta(days=1)).isoformat()
    resp = client_loket.post(
        url("pasien_baru"),
        data_pasien(nama="", nik="1234", no_bpjs="12", tanggal_lahir=besok, no_hp="08x"),
        **HTMX,
    )
    page = html(resp)
    assert not Pasien.objects.exists()
    assert "Nama wajib diisi." in page
    assert "Tanggal lahir tidak boleh di masa depan." in page
    assert "BPJS" in page and "13 digit" in page
    assert "No. HP harus 8–15 digit angka" in page
    assert 'aria-invalid="true"' in page
    assert 'value="1234"' in page and 'value="Jl. Kenanga 5"' in page


def test_a_nik_that_disagrees_with_birth_date_or_sex_is_refused(client_loket):
    resp = client_loket.post(url("pasien_baru"), data_pasien(jenis_kelamin="L"), **HTMX)
    assert not Pasien.objects.exists()
    assert "NIK" in html(resp) and 'class="field-error"' in html(resp)


def test_an_unreadable_birth_date_is_named(client_loket):
    resp = client_loket.post(url("pasien_baru"), data_pasien(tanggal_lahir="31-02-1990"), **HTMX)
    assert "Tanggal lahir tidak valid" in html(resp)
    assert not Pasien.objects.exists()


def test_a_birth_date_typed_day_first_is_understood(client_loket):
    client_loket.post(url("pasien_baru"), data_pasien(tanggal_lahir="17-05-1990"), **HTMX)
    assert Pasien.objects.get().tanggal_lahir == date(1990, 5, 17)


def test_an_existing_nik_opens_the_existing_patient_instead_of_a_second_one(
    client_loket, pasien_bpjs
):
    resp = client_loket.post(
        url("pasien_baru"),
        data_pasien(
            nama="Siti A.",
            nik=pasien_bpjs.nik,
            no_bpjs="",
            tanggal_lahir="1980-03-12",
            jenis_kelamin="P",
        ),
        **HTMX,
    )
    page = html(resp)
    assert Pasien.objects.count() == 1
    assert "sudah terdaftar atas nama Siti Aminah" in page
    assert "Buka pasien ini" in page and url("pasien", pasien_bpjs.pk) in page


def test_an_existing_bpjs_number_opens_the_existing_patient(client_loket, pasien_bpjs):
    resp = client_loket.post(url("pasien_baru"), data_pasien(no_bpjs=pasien_bpjs.no_bpjs), **HTMX)
    assert Pasien.objects.count() == 1
    assert "No. kartu BPJS ini sudah terdaftar" in html(resp)


def test_a_patient_without_nik_resembling_others_shows_candidates_first(client_loket, puskesmas):
    ada = PasienFactory(
        puskesmas=puskesmas, nama="Ahmad Fauzi", tanggal_lahir=date(1975, 8, 1), nik=None
    )
    data = data_pasien(
        nama="Ahmad Fauzy", nik="", no_bpjs="", tanggal_lahir="1975-08-01", jenis_kelamin="L"
    )
    resp = client_loket.post(url("pasien_baru"), data, **HTMX)
    page = html(resp)
    assert Pasien.objects.count() == 1
    assert "nama dan tanggal lahir mirip" in page
    assert "Ahmad Fauzi" in page and ada.no_rm in page
    assert "Pilih pasien ini" in page and url("pasien", ada.pk) in page
    assert "Saya sudah memeriksa, ini pasien baru" in page
    assert 'value="Ahmad Fauzy"' in page

    resp = client_loket.post(url("pasien_baru"), {**data, "konfirmasi_baru": "on"}, **HTMX)
    assert Pasien.objects.count() == 2
    baru = Pasien.objects.get(nama="Ahmad Fauzy")
    assert baru.no_rm != ada.no_rm and baru.nik is None


def test_an_officer_adds_a_bpjs_card_to_a_patient(client_loket, pasien_umum):
    form = html(client_loket.get(url("pasien_ubah", pasien_umum.pk), **HTMX))
    assert f'value="{pasien_umum.nik}"' in form
    data = {
        "nama": pasien_umum.nama,
        "nik": pasien_umum.nik,
        "no_bpjs": "0001112223334",
        "tanggal_lahir": pasien_umum.tanggal_lahir.isoformat(),
        "jenis_kelamin": "L",
        "alamat": pasien_umum.alamat,
        "no_hp": "",
    }
    resp = client_loket.post(url("pasien_ubah", pasien_umum.pk), data, **HTMX)
    pasien_umum.refresh_from_db()
    assert pasien_umum.no_bpjs == "0001112223334"
    assert "Data pasien diperbarui." in html(resp)
    # Back on the visit form, BPJS is now the default payer.
    assert re.search(r'value="bpjs"[^>]*checked', html(resp))


def test_editing_to_another_patients_card_is_refused(client_loket, pasien_umum, pasien_bpjs):
    data = {
        "nama": pasien_umum.nama,
        "nik": pasien_umum.nik,
        "no_bpjs": pasien_bpjs.no_bpjs,
        "tanggal_lahir": pasien_umum.tanggal_lahir.isoformat(),
        "jenis_kelamin": "L",
    }
    resp = client_loket.post(url("pasien_ubah", pasien_umum.pk), data, **HTMX)
    pasien_umum.refresh_from_db()
    assert pasien_umum.no_bpjs is None
    assert "sudah terdaftar atas nama Siti Aminah" in html(resp)
    assert "Buka pasien itu" in html(resp)


# --- visit form and suggestion ---------------------------------------------------------------


def test_patient_panel_shows_full_identity_and_defaults(client_loket, pasien_bpjs, pasien_umum):
    page = html(client_loket.get(url("pasien", pasien_bpjs.pk), **HTMX))
    assert "3204 1052 0380 0001" in page  # full NIK, grouped like the KTP
    assert "0001 2345 6789 0" in page
    assert re.search(r'value="bpjs"[^>]*checked', page)
    assert 'name="hamil"' in page  # a woman may be pregnant
    assert "Simpan → <span data-unit-terpilih>Poli Umum (A)</span>" in page
    umur = routing.umur_tahun(pasien_bpjs.tanggal_lahir, timezone.localdate())
    assert f"Usia {umur} th (18–59) → klaster 3 (dewasa)" in page

    page = html(client_loket.get(url("pasien", pasien_umum.pk), **HTMX))
    assert re.search(r'value="umum"[^>]*checked', page)
    assert 'name="hamil"' not in page
    assert "tidak ada kartu" in page


def test_two_renders_of_the_visit_form_carry_different_client_uuids(client_loket, pasien_bpjs):
    def uuid_dari(page):
        return re.search(r'name="client_uuid" value="([0-9a-f-]{36})"', page).group(1)

    a = uuid_dari(html(client_loket.get(url("pasien", pasien_bpjs.pk), **HTMX)))
    b = uuid_dari(html(client_loket.get(url("pasien", pasien_bpjs.pk), **HTMX)))
    assert a != b


@pytest.mark.parametrize(
    "umur, jk, centang, unit_kode_saran, alasan",
    [
        (65, "L", {}, "LANSIA", "Usia 65 th (≥ 60) → klaster 3 (lansia)"),
        (30, "P", {"hamil": "on"}, "KIA", "Ibu hamil → klaster 2"),
        (30, "L", {"darurat": "on"}, "UGD", "Kondisi gawat darurat"),
        (30, "L", {"suspek_menular": "on"}, "P2M", "Dugaan penyakit menular"),
        (30, "L", {"layanan_diminta": "gigi"}, "GIGI", "Layanan diminta: Gigi dan mulut"),
        (7, "L", {}, "ANAK", "Usia 7 th (< 18)"),
    ],
)
def test_suggestion_partial_follows_the_ilp_rules(
    client_loket, puskesmas, umur, jk, centang, unit_kode_saran, alasan
):
    hari_ini = timezone.localdate()
    lahir = date(hari_ini.year - umur, 1, 1)  # 1 January: the birthday has passed this year
    p = PasienFactory(puskesmas=puskesmas, tanggal_lahir=lahir, jenis_kelamin=jk)
    umum = unit_kode(puskesmas, "UMUM")
    resp = client_loket.get(
        url("saran", p.pk), {"unit": umum.pk, "unit_saran_lama": umum.pk, **centang}, **HTMX
    )
    page = html(resp)
    assert adalah_fragmen(resp)
    saran = unit_kode(puskesmas, unit_kode_saran)
    assert f'data-saran="{saran.pk}"' in page
    assert escape(alasan) in page
    assert re.search(rf'value="{saran.pk}"[^>]*checked', page)
    assert f"Simpan → <span data-unit-terpilih>{escape(saran.nama)}" in page


def test_suggestion_keeps_the_officers_own_unit_choice(client_loket, puskesmas, pasien_umum):
    umum, gigi = unit_kode(puskesmas, "UMUM"), unit_kode(puskesmas, "GIGI")
    page = html(
        client_loket.get(
            url("saran", pasien_umum.pk),
            {"unit": gigi.pk, "unit_saran_lama": umum.pk, "disabilitas": "on"},
            **HTMX,
        )
    )
    assert re.search(rf'value="{gigi.pk}"[^>]*checked', page)
    assert f'data-saran="{umum.pk}"' in page
    assert re.search(r"<p class=\"alert alert--warn\" data-catatan-ubah>", page)  # not hidden


def test_registering_a_visit_shows_the_ticket_and_refreshes_todays_list(
    client_loket, pasien_bpjs, unit, petugas_loket
):
    resp = client_loket.post(url("daftar", pasien_bpjs.pk), data_kunjungan(unit), **HTMX)
    k = Kunjungan.objects.get()
    page = html(resp)
    assert adalah_fragmen(resp)
    assert 'id="nomor-antrean">A-001<' in page
    assert "Poli Umum" in page and "Klaster 3" in page and "Siti Aminah" in page
    assert url("cetak", k.pk) in page
    assert "kunjungan-berubah" in json.loads(resp["HX-Trigger"])
    assert resp["HX-Push-Url"] == url("tiket", k.pk)
    assert k.loket == petugas_loket.loket and k.petugas == petugas_loket.user
    assert k.saran_diubah is False

    daftar = html(client_loket.get(url("hari_ini"), **HTMX))
    assert "A-001" in daftar and "Siti Aminah" in daftar and "BPJS" in daftar


def test_the_same_form_submitted_twice_registers_once(client_loket, pasien_bpjs, unit):
    data = data_kunjungan(unit)
    pertama = client_loket.post(url("daftar", pasien_bpjs.pk), data, **HTMX)
    kedua = client_loket.post(url("daftar", pasien_bpjs.pk), data, **HTMX)
    assert Kunjungan.objects.count() == 1 and Tiket.objects.count() == 1
    assert "A-001" in html(pertama) and "A-001" in html(kedua)
    assert "sudah tersimpan sebelumnya" in html(kedua)
    assert "sudah tersimpan sebelumnya" not in html(pertama)


def test_registering_without_htmx_redirects_to_the_ticket(client_loket, pasien_bpjs, unit):
    resp = client_loket.post(url("daftar", pasien_bpjs.pk), data_kunjungan(unit))
    k = Kunjungan.objects.get()
    assert resp.status_code == 302 and resp["Location"] == url("tiket", k.pk)
    page = html(client_loket.get(resp["Location"]))
    assert "<html" in page and "A-001" in page and "Hari ini di Loket 1" in page


def test_a_different_unit_than_suggested_is_recorded_as_an_override(
    client_loket, pasien_bpjs, puskesmas
):
    gigi = unit_kode(puskesmas, "GIGI")
    resp = client_loket.post(url("daftar", pasien_bpjs.pk), data_kunjungan(gigi), **HTMX)
    k = Kunjungan.objects.get()
    assert k.unit == gigi and k.saran_diubah is True
    assert "G-001" in html(resp)
    assert "di luar saran" in html(resp)


def test_visit_errors_are_shown_and_the_same_client_uuid_is_kept(client_loket, pasien_umum, unit):
    data = data_kunjungan(unit, penjamin="bpjs")
    data.pop("unit")
    resp = client_loket.post(url("daftar", pasien_umum.pk), data, **HTMX)
    page = html(resp)
    assert not Kunjungan.objects.exists()
    assert "Unit tujuan wajib dipilih." in page
    assert f'value="{data["client_uuid"]}"' in page

    pasien_umum.nik = None  # neither card nor NIK: BPJS cannot find the participant
    pasien_umum.save()
    resp = client_loket.post(
        url("daftar", pasien_umum.pk), data_kunjungan(unit, penjamin="bpjs"), **HTMX
    )
    page = html(resp)
    assert "Pasien belum punya No. kartu BPJS maupun NIK" in page
    assert "Isi No. kartu BPJS pasien" in page
    assert not Kunjungan.objects.exists()


def test_a_man_cannot_be_registered_as_pregnant(client_loket, pasien_umum, unit):
    resp = client_loket.post(
        url("daftar", pasien_umum.pk), data_kunjungan(unit, penjamin="umum", hamil="on"), **HTMX
    )
    assert "Pasien laki-laki tidak dapat ditandai hamil." in html(resp)
    assert not Kunjungan.objects.exists()


def test_a_second_visit_to_the_same_unit_today_points_to_the_first_ticket(
    client_loket, pasien_bpjs, unit
):
    client_loket.post(url("daftar", pasien_bpjs.pk), data_kunjungan(unit), **HTMX)
    k = Kunjungan.objects.get()
    resp = client_loket.post(url("daftar", pasien_bpjs.pk), data_kunjungan(unit), **HTMX)
    page = html(resp)
    assert Kunjungan.objects.count() == 1
    assert "sudah terdaftar hari ini di Poli Umum dengan nomor A-001" in page
    assert url("tiket", k.pk) in page


def test_priority_reason_is_shown_on_the_ticket(client_loket, puskesmas, unit):
    hari_ini = timezone.localdate()
    lansia = PasienFactory(puskesmas=puskesmas, tanggal_lahir=date(hari_ini.year - 70, 1, 1))
    resp = client_loket.post(url("daftar", lansia.pk), data_kunjungan(unit), **HTMX)
    assert "Prioritas: lansia" in html(resp)


# --- ticket and print -----------------------------------------------------------------------


def _daftar(client, pasien, unit) -> Kunjungan:
    penjamin = "bpjs" if pasien.no_bpjs else "umum"
    client.post(url("daftar", pasien.pk), data_kunjungan(unit, penjamin=penjamin), **HTMX)
    return Kunjungan.objects.filter(pasien=pasien).latest("diterima_server")


def test_print_page_has_the_ticket_and_a_qr_of_the_public_status_url(
    client_loket, pasien_bpjs, unit
):
    k = _daftar(client_loket, pasien_bpjs, unit)
    t = k.tiket.get()
    resp = client_loket.get(url("cetak", k.pk))
    page = html(resp)
    status_url = "http://testserver" + reverse("antrean:status_tiket", args=[t.token_publik])
    assert resp.status_code == 200
    assert 'class="tiket tiket--80"' in page
    assert "A-001" in page and "Poli Umum" in page and "Siti Aminah" in page
    assert status_url in page
    # The inline SVG is exactly the QR of that URL (segno is deterministic).
    assert str(svg_qr(status_url, judul=f"Status antrean {t.kode}")) in page
    assert "css/print.css" in page
    # The status page the QR opens is public and works.
    client_loket.logout()
    assert client_loket.get(status_url).status_code == 200


def test_a_second_print_says_cetak_ulang_and_is_audited(client_loket, pasien_bpjs, unit):
    k = _daftar(client_loket, pasien_bpjs, unit)
    # Switching the paper width on the preview is not a print.
    assert "CETAK ULANG" not in html(client_loket.get(url("cetak", k.pk), {"lebar": "58"}))
    pertama = html(client_loket.get(url("cetak", k.pk), {"otomatis": "1"}))
    assert "CETAK ULANG" not in pertama
    kedua = html(client_loket.get(url("cetak", k.pk), {"otomatis": "1"}))
    assert "CETAK ULANG" in kedua and "DIBATALKAN" not in kedua
    cetakan = AuditLog.objects.filter(aksi="pasien_lihat", objek_id=str(k.pk))
    assert cetakan.filter(ringkasan__endswith="cetak tiket").count() == 2


def test_the_ticket_says_how_many_are_ahead_and_the_estimated_wait(
    client_loket, pasien_bpjs, pasien_umum, unit
):
    _daftar(client_loket, pasien_umum, unit)
    k = _daftar(client_loket, pasien_bpjs, unit)
    unit.menit_per_pasien = 7
    unit.save()
    page = html(client_loket.get(url("cetak", k.pk)))
    assert 'data-di-depan="1"' in page
    assert "Di depan Anda: <b>1 orang</b> · perkiraan tunggu ± <b>7 menit</b>" in page
    pertama = Kunjungan.objects.filter(pasien=pasien_umum).get()
    assert "Anda <b>berikutnya</b> dipanggil" in html(client_loket.get(url("cetak", pertama.pk)))


def test_print_width_is_chosen_by_query_and_remembered(client_loket, pasien_bpjs, unit):
    k = _daftar(client_loket, pasien_bpjs, unit)
    page = html(client_loket.get(url("cetak", k.pk), {"lebar": "58", "otomatis": "1"}))
    assert 'class="tiket tiket--58"' in page and "data-cetak-otomatis" in page
    assert 'class="tiket tiket--58"' in html(client_loket.get(url("cetak", k.pk)))
    assert "Cetak tiket (58 mm)" in html(client_loket.get(url("tiket", k.pk), **HTMX))
    # A width no printer has is ignored: the remembered one stays.
    assert 'tiket--58"' in html(client_loket.get(url("cetak", k.pk), {"lebar": "999"}))
    assert "data-cetak-otomatis" not in html(client_loket.get(url("cetak", k.pk)))


def test_ticket_panel_is_a_fragment_for_htmx_and_a_page_otherwise(client_loket, pasien_bpjs, unit):
    k = _daftar(client_loket, pasien_bpjs, unit)
    assert adalah_fragmen(client_loket.get(url("tiket", k.pk), **HTMX))
    full = html(client_loket.get(url("tiket", k.pk)))
    assert "<html" in full and 'id="tiket-panel"' in full


# --- today and cancel -----------------------------------------------------------------------


def test_todays_list_shows_only_this_lokets_registrations(
    client, petugas_loket, petugas_loket_2, pasien_bpjs, pasien_umum, unit
):
    client.force_login(petugas_loket_2.user)
    _daftar(client, pasien_umum, unit)
    client.force_login(petugas_loket.user)
    _daftar(client, pasien_bpjs, unit)
    page = html(client.get(url("hari_ini"), **HTMX))
    assert "Siti Aminah" in page and "Joko Santoso" not in page
    assert "1 pendaftaran" in page


def test_cancel_asks_for_a_reason_and_keeps_the_row(client_loket, pasien_bpjs, unit):
    k = _daftar(client_loket, pasien_bpjs, unit)
    form = html(client_loket.get(url("batal", k.pk), **HTMX))
    assert 'name="alasan"' in form and f'id="kunjungan-{k.pk}"' in form

    resp = client_loket.post(url("batal", k.pk), {"alasan": "  "}, **HTMX)
    k.refresh_from_db()
    assert k.status == StatusKunjungan.TERDAFTAR
    assert "Alasan pembatalan wajib diisi." in html(resp)

    resp = client_loket.post(url("batal", k.pk), {"alasan": "salah pilih unit"}, **HTMX)
    k.refresh_from_db()
    assert k.status == StatusKunjungan.BATAL and k.alasan_batal == "salah pilih unit"
    assert k.tiket.get().status == "batal"
    row = html(resp)
    assert "baris--batal" in row and "Alasan: salah pilih unit" in row
    assert "Batal…" not in row

    daftar = html(client_loket.get(url("hari_ini"), **HTMX))
    assert "A-001" in daftar and "Dibatalkan" in daftar  # never deleted
    tiket = html(client_loket.get(url("tiket", k.pk), **HTMX))
    assert "Dibatalkan: salah pilih unit" in tiket and "data-cetak" not in tiket
    # The print page opened anyway (bookmark, history) neither prints itself nor looks valid.
    cetak = html(client_loket.get(url("cetak", k.pk), {"otomatis": "1"}))
    assert "data-cetak-otomatis" not in cetak and "data-tombol-cetak" not in cetak
    assert '<p class="tiket__cap">DIBATALKAN</p>' in cetak


def test_cancel_without_htmx_works_as_a_plain_form(client_loket, pasien_bpjs, unit):
    k = _daftar(client_loket, pasien_bpjs, unit)
    page = html(client_loket.get(url("batal", k.pk)))
    assert "<html" in page and f'id="alasan-{k.pk}"' in page
    resp = client_loket.post(url("batal", k.pk), {"alasan": "pasien pulang"})
    assert resp.status_code == 302
    k.refresh_from_db()
    assert k.status == StatusKunjungan.BATAL


# --- scoping --------------------------------------------------------------------------------


def test_another_puskesmas_patients_and_visits_are_404(client_loket, puskesmas_lain):
    p = PasienFactory(puskesmas=puskesmas_lain)
    u = UnitFactory(puskesmas=puskesmas_lain)
    loket = LoketFactory(puskesmas=puskesmas_lain)
    k = Kunjungan.objects.create(
        puskesmas=puskesmas_lain,
        pasien=p,
        tanggal=timezone.localdate(),
        unit=u,
        klaster=u.klaster,
        penjamin="umum",
        loket=loket,
        dibuat_klien=timezone.now(),
    )
    for u_get in (
        url("pasien", p.pk),
        url("pasien_ubah", p.pk),
        url("saran", p.pk),
        url("tiket", k.pk),
        url("cetak", k.pk),
        url("batal", k.pk),
    ):
        assert client_loket.get(u_get).status_code == 404, u_get
    assert client_loket.post(url("daftar", p.pk), data_kunjungan(u)).status_code == 404
    assert client_loket.post(url("batal", k.pk), {"alasan": "x"}).status_code == 404
    k.refresh_from_db()
    assert k.status == StatusKunjungan.TERDAFTAR


def test_a_unit_of_another_puskesmas_cannot_be_chosen(client_loket, pasien_bpjs, puskesmas_lain):
    asing = UnitFactory(puskesmas=puskesmas_lain)
    resp = client_loket.post(url("daftar", pasien_bpjs.pk), data_kunjungan(asing), **HTMX)
    assert "Unit tujuan tidak tersedia" in html(resp)
    assert not Kunjungan.objects.exists()


def booking_jkn(pasien, unit, tanggal):
    """A Mobile JKN booking made the way bpjs_bridge.jkn makes it."""
    from pendaftaran import services
    from pendaftaran.models import Sumber
    from pendaftaran.validasi import DataKunjungan

    return services.kunjungan_daftar(
        puskesmas=pasien.puskesmas,
        pasien=pasien,
        unit=unit,
        data=DataKunjungan(penjamin="bpjs"),
        client_uuid=uuid.uuid4(),
        sumber=Sumber.MOBILE_JKN,
        tanggal=tanggal,
    ).kunjungan


def test_opening_a_patient_with_a_mobile_jkn_booking_shows_that_ticket_first(
    client_loket, pasien_bpjs, unit
):
    """The online registrant walks up to the counter: the officer sees the booked number at
    once (Enter opens it for printing) instead of registering the patient a second time."""
    hari_ini = booking_jkn(pasien_bpjs, unit, timezone.localdate())
    besok = booking_jkn(pasien_bpjs, unit, timezone.localdate() + timedelta(days=1))
    html = client_loket.get(
        reverse("pendaftaran:pasien", args=[pasien_bpjs.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Sudah punya nomor antrean" in html and html.count("Mobile JKN") == 2
    tautan = re.search(r'<a class="btn btn--kecil btn--primary" href="([^"]+)"[^>]*autofocus', html)
    assert tautan and tautan.group(1) == reverse("pendaftaran:tiket", args=[hari_ini.pk])
    assert besok.tanggal.strftime("%d-%m-%Y") in html
    assert html.index("Sudah punya nomor antrean") < html.index("id_keluhan")


def test_a_patient_without_visits_today_gets_no_ticket_notice(client_loket, pasien_bpjs):
    html = client_loket.get(reverse("pendaftaran:pasien", args=[pasien_bpjs.pk])).content.decode()
    assert "Sudah punya nomor antrean" not in html


def test_the_loket_marks_a_mobile_jkn_patient_present_and_the_poli_sees_it(
    client, client_loket, pasien_bpjs, unit, perawat_poli
):
    from antrean.models import TiketRiwayat

    k = booking_jkn(pasien_bpjs, unit, timezone.localdate())
    panel = client_loket.get(url("tiket", k.pk), **HTMX).content.decode()
    assert "Tandai hadir" in panel
    poli = Client()
    poli.force_login(perawat_poli.user)
    halaman_poli = poli.get(reverse("antrean:poli_unit", args=[unit.pk])).content.decode()
    assert "belum hadir di loket" in halaman_poli

    panel = client_loket.post(reverse("pendaftaran:hadir", args=[k.pk]), **HTMX).content.decode()
    assert "Kehadiran dicatat" in panel and "Tandai hadir" not in panel
    assert TiketRiwayat.objects.filter(tiket__kunjungan=k, aksi="hadir").count() == 1
    halaman_poli = poli.get(reverse("antrean:poli_unit", args=[unit.pk])).content.decode()
    assert "belum hadir di loket" not in halaman_poli


def test_f4_after_searching_a_mothers_nik_fills_the_mothers_nik_field(client_loket, puskesmas):
    """The officer searched the mother's NIK (she, or her babies, came up) and presses F4 for
    the new baby: the NIK goes to 'NIK ibu', not the baby's own NIK."""
    lahir_ibu = date(1992, 4, 5)
    nik_ibu = buat_nik(lahir_ibu, "P", serial=21)
    PasienFactory(puskesmas=puskesmas, nama="Rahma Wati", tanggal_lahir=lahir_ibu, nik=nik_ibu)
    r = client_loket.get(url("pasien_baru"), {"q": nik_ibu}, HTTP_HX_REQUEST="true")
    halaman = html(r)
    assert re.search(rf'name="nik_ibu"[^>]*value="{nik_ibu}"', halaman), halaman
    assert not re.search(rf'name="nik"[^>]*value="{nik_ibu}"', halaman)
    # A NIK nobody has is the new patient's own.
    baru = buat_nik(date(1990, 1, 2), "L", serial=22)
    r = client_loket.get(url("pasien_baru"), {"q": baru}, HTTP_HX_REQUEST="true")
    assert re.search(rf'name="nik"[^>]*value="{baru}"', html(r))
