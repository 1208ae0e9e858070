"""The admin's unit form on a district server: the cluster list offers what may be chosen (a
saved unit: its own Puskesmas' clusters; a new unit: every cluster with its Puskesmas named),
a saved unit stays in its Puskesmas, and a mismatch posted anyway is refused with the field
named and nothing saved."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from antrean.models import Klaster, UnitLayanan
from tests.factories import KlasterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(admin_puskesmas) -> Client:
    assert admin_puskesmas.user.is_superuser  # the district operator
    c = Client()
    c.force_login(admin_puskesmas.user)
    return c


@pytest.fixture
def klaster_tetangga(puskesmas_lain) -> Klaster:
    return KlasterFactory(puskesmas=puskesmas_lain, nomor=3, nama="Klaster Tetangga")


def _pilihan_klaster(html: str) -> dict[str, str]:
    """The cluster select's options: value → label."""
    select = re.search(r'<select name="klaster"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no cluster select on the form"
    return {
        v: label.strip()
        for v, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select[1])
    }


def _data_unit(unit: UnitLayanan, **lain: object) -> dict[str, object]:
    data = {
        "puskesmas": unit.puskesmas_id,
        "klaster": unit.klaster_id,
        "kode": unit.kode,
        "nama": unit.nama,
        "layanan": unit.layanan,
        "prefix": unit.prefix,
        "kd_poli_pcare": "",
        "aktif": "on",
        "urutan": unit.urutan,
        "menit_per_pasien": unit.menit_per_pasien,
    }
    data.update(lain)
    return data


def test_a_saved_unit_is_offered_only_its_own_puskesmas_clusters(
    operator, unit, puskesmas, klaster_tetangga
):
    r = operator.get(reverse("admin:antrean_unitlayanan_change", args=[unit.pk]))
    assert r.status_code == 200
    pilihan = _pilihan_klaster(r.content.decode())
    sendiri = set(Klaster.objects.filter(puskesmas=puskesmas).values_list("pk", flat=True))
    assert {int(v) for v in pilihan} == sendiri
    assert str(klaster_tetangga.pk) not in pilihan
    # The Puskesmas is shown, not offered: no select for it on a saved unit.
    assert 'name="puskesmas"' not in r.content.decode()


def test_a_saved_unit_cannot_be_moved_to_another_puskesmas_or_its_cluster(
    operator, unit, puskesmas_lain, klaster_tetangga
):
    semula = (unit.puskesmas_id, unit.klaster_id)
    url = reverse("admin:antrean_unitlayanan_change", args=[unit.pk])
    r = operator.post(
        url, _data_unit(unit, puskesmas=puskesmas_lain.pk, klaster=klaster_tetangga.pk)
    )
    assert r.status_code == 200  # the form again, with the error
    assert "klaster" in r.context["adminform"].form.errors
    unit.refresh_from_db()
    assert (unit.puskesmas_id, unit.klaster_id) == semula
    # A posted Puskesmas alone is ignored (the field is read-only): the unit stays.
    r = operator.post(url, _data_unit(unit, puskesmas=puskesmas_lain.pk, nama="Poli Umum Baru"))
    assert r.status_code == 302
    unit.refresh_from_db()
    assert unit.puskesmas_id == semula[0] and unit.nama == "Poli Umum Baru"


def test_a_new_units_clusters_name_their_puskesmas(operator, puskesmas, klaster_tetangga):
    r = operator.get(reverse("admin:antrean_unitlayanan_add"))
    pilihan = _pilihan_klaster(r.content.decode())
    assert pilihan[str(klaster_tetangga.pk)] == "Puskesmas Tetangga · Klaster 3 — Klaster Tetangga"
    milik_kita = Klaster.objects.get(puskesmas=puskesmas, nomor=3)
    assert pilihan[str(milik_kita.pk)].startswith(f"{puskesmas.nama} · Klaster 3")


def test_a_new_unit_under_another_puskesmas_cluster_is_refused_with_the_field_named(
    operator, puskesmas, klaster_tetangga
):
    data = {
        "puskesmas": puskesmas.pk,
        "klaster": klaster_tetangga.pk,
        "kode": "BARU",
        "nama": "Poli Baru",
        "layanan": "dewasa",
        "prefix": "Z",
        "kd_poli_pcare": "",
        "aktif": "on",
        "urutan": 0,
        "menit_per_pasien": 8,
    }
    r = operator.post(reverse("admin:antrean_unitlayanan_add"), data)
    assert r.status_code == 200
    assert r.context["adminform"].form.errors["klaster"] == [
        "Klaster harus milik Puskesmas yang sama dengan unit layanan ini."
    ]
    assert not UnitLayanan.objects.filter(kode="BARU").exists()
    # The same unit under its own Puskesmas' cluster is saved.
    data["klaster"] = Klaster.objects.get(puskesmas=puskesmas, nomor=3).pk
    assert operator.post(reverse("admin:antrean_unitlayanan_add"), data).status_code == 302
    assert UnitLayanan.objects.get(kode="BARU").puskesmas_id == puskesmas.pk


def test_a_puskesmas_admin_sees_only_their_own_clusters_on_a_new_unit(puskesmas, klaster_tetangga):
    from django.contrib.auth.models import Permission

    from puskesmas.models import Peran
    from tests.factories import PetugasFactory

    p = PetugasFactory(puskesmas=puskesmas, peran=Peran.ADMIN, user__username="admin_pkm")
    p.user.is_staff = True
    p.user.save()
    p.user.user_permissions.set(Permission.objects.filter(content_type__app_label="antrean"))
    c = Client()
    c.force_login(p.user)
    pilihan = _pilihan_klaster(c.get(reverse("admin:antrean_unitlayanan_add")).content.decode())
    sendiri = set(Klaster.objects.filter(puskesmas=puskesmas).values_list("pk", flat=True))
    assert {int(v) for v in pilihan} == sendiri
