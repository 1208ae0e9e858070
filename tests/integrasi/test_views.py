"""The admin's integration page: saving, secrets never shown, "Uji koneksi" in Indonesian."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrasi.models import PengaturanIntegrasi
from satusehat.simulator.app import DEMO_CLIENT_ID, DEMO_ORG, DEMO_SECRET
from tests.proses import port_bebas

URL = "/integrasi/"


@pytest.fixture
def client_admin(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    return client


def _isi(ss_sim, **lain) -> dict:
    return {
        "ss_aktif": "on", "ss_client_id": DEMO_CLIENT_ID, "ss_client_secret": DEMO_SECRET,
        "ss_organization_id": DEMO_ORG, "ss_lingkungan": "staging", "ss_base_url": ss_sim.url,
        **lain,
    }  # fmt: skip


def test_the_admin_saves_credentials_and_the_secret_is_never_shown_again(
    client_admin, puskesmas, ss_sim
):
    r = client_admin.post(URL, _isi(ss_sim))
    assert r.status_code == 302
    halaman = client_admin.get(URL).content.decode()
    assert DEMO_SECRET not in halaman
    assert "tersimpan (tidak ditampilkan)" in halaman
    assert DEMO_CLIENT_ID in halaman  # ids are not secrets
    p = PengaturanIntegrasi.objects.get(puskesmas=puskesmas)
    assert DEMO_SECRET not in p.ss_client_secret_enc


def test_bad_input_is_refused_naming_the_field_and_nothing_is_lost(client_admin, ss_sim):
    r = client_admin.post(URL, _isi(ss_sim, ss_organization_id="", ss_client_secret=""))
    assert r.status_code == 200
    teks = r.content.decode()
    assert "Organization id wajib diisi bila SATUSEHAT aktif." in teks
    assert "Client secret wajib diisi bila SATUSEHAT aktif." in teks
    assert f'value="{DEMO_CLIENT_ID}"' in teks  # what was typed stays in the form
    assert not PengaturanIntegrasi.objects.exists()


def test_a_staff_member_who_is_not_admin_cannot_open_it(client, petugas_loket):
    client.force_login(petugas_loket.user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("ubah", "pesan"),
    [
        ({}, "SATUSEHAT: terhubung sebagai Puskesmas Sukamaju (Organization 10000004)."),
        ({"ss_client_secret": "keliru"}, "client id atau client secret salah"),
        ({"ss_organization_id": "55555555"}, "Organization id 55555555 tidak ditemukan"),
        ({"ss_base_url": "http://127.0.0.1:{port}"}, "Tidak dapat terhubung ke SATUSEHAT"),
    ],
)
def test_uji_koneksi_says_what_is_wrong(client_admin, ss_sim, ubah, pesan):
    data = _isi(ss_sim, **ubah)
    data["ss_base_url"] = data["ss_base_url"].format(port=port_bebas())
    client_admin.post(URL, data)
    r = client_admin.post(reverse("integrasi:uji", args=["satusehat"]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert pesan in r.content.decode()


def test_uji_koneksi_pcare_reports_wrong_bpjs_keys_with_the_clock_hint(client_admin, settings):
    from bpjs_bridge.simulator import start_in_thread

    with start_in_thread() as sim:
        data = {"bpjs_aktif": "on", "bpjs_cons_id": "1234", "bpjs_secret_key": "bukan",
                "pcare_base_url": sim.pcare_url, "antrean_base_url": sim.antrean_url,
                "ss_lingkungan": "dev"}  # fmt: skip
        client_admin.post(URL, data)
        r = client_admin.post(reverse("integrasi:uji", args=["pcare"]))
    teks = r.content.decode()
    # The clock agrees with the simulator's, so the keys are named (bpjs_bridge.client).
    assert "menolak autentikasi" in teks and "secret key" in teks


def test_the_clock_check_warns_when_our_clock_is_off(client_admin, ss_sim, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    client_admin.post(URL, _isi(ss_sim))
    nyata = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: nyata() + timedelta(minutes=9))
    r = client_admin.post(reverse("integrasi:uji", args=["satusehat"]))
    assert "jam server ini 9 menit lebih cepat" in r.content.decode()


def test_mapping_a_unit_through_the_page(client_admin, puskesmas, ss_sim):
    from satusehat.models import PemetaanUnit
    from satusehat.simulator.app import PRAKTISI, lokasi_demo

    client_admin.post(URL, _isi(ss_sim))
    unit = puskesmas.unit_layanan.get(kode="UMUM")
    r = client_admin.post(
        reverse("integrasi:pemetaan", args=[unit.pk]),
        {"location_id": lokasi_demo(DEMO_ORG, "UMUM"), "praktisi_nik": PRAKTISI[0][0]},
        follow=True,
    )
    assert "Poli Umum dipetakan ke Ruang UMUM · dr. Alexander." in r.content.decode()
    assert PemetaanUnit.objects.get(unit=unit).praktisi_ihs == PRAKTISI[0][1]
    r = client_admin.post(
        reverse("integrasi:pemetaan", args=[unit.pk]),
        {"location_id": "tidak-ada", "praktisi_nik": PRAKTISI[0][0]},
        follow=True,
    )
    assert "Poli Umum: Location tidak ditemukan di SATUSEHAT." in r.content.decode()
