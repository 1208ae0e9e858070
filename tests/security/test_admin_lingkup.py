"""The Django admin in a district deployment: a Puskesmas admin (staff, not superuser) sees and
picks only their own Puskesmas' rows; the district operator (superuser) sees all. Patient
records are read-only in the admin (changes go through the loket's validation and audit)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from antrean.models import Klaster, UnitLayanan
from audit.models import AuditLog
from pendaftaran.models import Pasien
from puskesmas.models import Peran, Petugas
from tests.factories import PasienFactory, PetugasFactory

pytestmark = pytest.mark.django_db

DAFTAR = [
    "/admin/pendaftaran/pasien/",
    "/admin/pendaftaran/kunjungan/",
    "/admin/antrean/klaster/",
    "/admin/antrean/unitlayanan/",
    "/admin/antrean/tiket/",
    "/admin/puskesmas/puskesmas/",
    "/admin/puskesmas/petugas/",
    "/admin/downtime/episodedowntime/",
    "/admin/downtime/entrireplay/",
    "/admin/bpjs_bridge/permintaanbpjs/",
]


@pytest.fixture
def admin_tetangga(client, puskesmas_lain):
    """The admin of the neighbouring Puskesmas: staff with every model permission, no
    superuser."""
    p = PetugasFactory(puskesmas=puskesmas_lain, peran=Peran.ADMIN, user__username="admin2")
    p.user.is_staff = True
    p.user.save()
    p.user.user_permissions.set(Permission.objects.all())
    client.force_login(p.user)
    return p


@pytest.fixture
def pasien_di_sini(puskesmas):
    return PasienFactory(puskesmas=puskesmas, nama="Warga Sukamaju")


def test_a_puskesmas_admin_sees_no_row_of_another_puskesmas(
    client, admin_tetangga, pasien_di_sini, puskesmas
):
    for url in DAFTAR:
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert "Warga Sukamaju" not in html and "Sukamaju" not in html, url
    # Nor opens one by its id.
    r = client.get(f"/admin/pendaftaran/pasien/{pasien_di_sini.pk}/change/")
    assert r.status_code == 302  # "does not exist" → back to the list
    assert client.get(f"/admin/puskesmas/puskesmas/{puskesmas.pk}/change/").status_code == 302


def test_form_choices_are_limited_to_the_admins_puskesmas(
    client, admin_tetangga, puskesmas, puskesmas_lain
):
    klaster = Klaster.objects.create(puskesmas=puskesmas_lain, nomor=3, nama="Dewasa")
    html = client.get("/admin/antrean/unitlayanan/add/").content.decode()
    assert "Puskesmas Tetangga" in html and "Sukamaju" not in html
    pilihan = re.search(r'<select name="klaster".*?</select>', html, re.S).group(0)
    assert set(re.findall(r'value="(\d+)"', pilihan)) == {str(klaster.pk)}
    # Posting another Puskesmas' cluster anyway is refused by the form.
    r = client.post(
        "/admin/antrean/unitlayanan/add/",
        {
            "puskesmas": puskesmas.pk,
            "klaster": Klaster.objects.filter(puskesmas=puskesmas).first().pk,
            "kode": "X",
            "nama": "Susupan",
            "layanan": "umum",
            "prefix": "X",
            "urutan": 1,
        },
    )
    assert r.status_code == 200 and not UnitLayanan.objects.filter(nama="Susupan").exists()


def test_the_district_operator_sees_every_puskesmas(client, pasien_di_sini, puskesmas_lain):
    PasienFactory(puskesmas=puskesmas_lain, nama="Warga Tetangga")
    operator = Petugas.objects.get(user__username="admin").user  # superuser in the demo
    client.force_login(operator)
    html = client.get("/admin/pendaftaran/pasien/").content.decode()
    assert "Warga Sukamaju" in html and "Warga Tetangga" in html


def test_patients_are_read_only_in_the_admin_and_opening_one_is_audited(client, pasien_di_sini):
    operator = Petugas.objects.get(user__username="admin").user
    client.force_login(operator)
    url = f"/admin/pendaftaran/pasien/{pasien_di_sini.pk}/change/"
    html = client.get(url).content.decode()
    assert 'name="_save"' not in html and "Warga Sukamaju" in html
    r = client.post(url, {"nama": "Diubah Diam-Diam"})
    assert r.status_code == 403
    assert client.get(f"/admin/pendaftaran/pasien/{pasien_di_sini.pk}/delete/").status_code == 403
    assert Pasien.objects.get(pk=pasien_di_sini.pk).nama == "Warga Sukamaju"
    log = AuditLog.objects.get(aksi="pasien_lihat")
    assert log.user == operator and log.objek_id == str(pasien_di_sini.pk)
