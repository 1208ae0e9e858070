"""PCare poli codes of the units are checked against BPJS's references when an admin saves
them, and on demand, with BPJS's names beside the codes. Simulator over real HTTP."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.forms.models import model_to_dict

from antrean.models import UnitLayanan
from bpjs_bridge.pemetaan import FormUnitPcare

pytestmark = pytest.mark.django_db
URL = "/admin/antrean/unitlayanan/"


@pytest.fixture
def admin_client(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    return client


def _ubah(admin_client, unit, **isi):
    data = {k: v for k, v in model_to_dict(unit).items() if v is not None}
    data.update(isi)
    return admin_client.post(f"{URL}{unit.pk}/change/", data, follow=True)


def test_an_unknown_code_is_refused_on_save_naming_the_codes_bpjs_has(
    admin_client, bpjs_settings, sim, puskesmas
):
    unit = puskesmas.unit_layanan.get(kode="UMUM")
    r = _ubah(admin_client, unit, kd_poli_pcare="099")
    html = r.content.decode()
    assert "Kode poli PCare 099 tidak ada di referensi BPJS (poli/fktp)" in html
    assert "001 UMUM" in html and "002 GIGI &amp; MULUT" in html
    assert UnitLayanan.objects.get(pk=unit.pk).kd_poli_pcare == "001"


def test_a_known_code_is_saved_and_a_code_without_a_schedule_warns(
    admin_client, bpjs_settings, sim, puskesmas
):
    unit = puskesmas.unit_layanan.get(kode="UMUM")
    r = _ubah(admin_client, unit, kd_poli_pcare="004")  # KB: in PCare, no doctor schedule
    assert UnitLayanan.objects.get(pk=unit.pk).kd_poli_pcare == "004"
    pesan = [str(m) for m in get_messages(r.wsgi_request)]
    assert any("tidak ada di referensi poli Antrean FKTP hari ini" in m for m in pesan)


def test_bpjs_unreachable_saves_the_code_with_a_warning(
    admin_client, bpjs_settings, sim, control, puskesmas
):
    control.post("/faults", json={"mode": "down"})
    unit = puskesmas.unit_layanan.get(kode="UMUM")
    r = _ubah(admin_client, unit, kd_poli_pcare="003")
    assert UnitLayanan.objects.get(pk=unit.pk).kd_poli_pcare == "003"
    pesan = [str(m) for m in get_messages(r.wsgi_request)]
    assert any("BPJS tidak dapat dihubungi" in m and "tanpa diperiksa" in m for m in pesan)


def test_the_list_editable_code_is_checked_too(bpjs_settings, sim, puskesmas):
    unit = puskesmas.unit_layanan.get(kode="UMUM")
    form = FormUnitPcare(data={**model_to_dict(unit), "kd_poli_pcare": "777"}, instance=unit)
    assert not form.is_valid() and "777" in form.errors["kd_poli_pcare"][0]


def test_periksa_pemetaan_lists_each_unit_with_bpjs_names_beside_the_codes(
    admin_client, bpjs_settings, sim, puskesmas
):
    UnitLayanan.objects.filter(puskesmas=puskesmas, kode="P2M").update(kd_poli_pcare="099")
    ids = list(puskesmas.unit_layanan.values_list("pk", flat=True))
    r = admin_client.post(URL, {"action": "periksa_pemetaan", "_selected_action": ids}, follow=True)
    pesan = [str(m) for m in get_messages(r.wsgi_request)]
    assert "Poli Umum: 001 = UMUM ✓" in pesan
    assert "Poli Gigi: 002 = GIGI & MULUT ✓" in pesan
    assert any(m.startswith("Poli TB & Penyakit Menular: Kode poli PCare 099") for m in pesan)
    assert "UGD: tanpa kode poli PCare (tidak dilaporkan)." in pesan
    # The names now show in the list, from the cache (the list never calls BPJS itself).
    html = admin_client.get(URL).content.decode()
    assert "TIDAK ADA DI BPJS" in html and "GIGI &amp; MULUT" in html


def test_a_code_is_checked_with_the_units_own_puskesmas_credentials_and_references(
    bpjs_settings, sim, puskesmas, puskesmas_lain, admin_puskesmas
):
    from bpjs_bridge.pemetaan import referensi_tersimpan
    from integrasi.services import pengaturan_simpan
    from tests.factories import KlasterFactory, UnitFactory

    # This Puskesmas' own consumer secret is one the simulator refuses; the deployment's
    # defaults (which the other Puskesmas uses) are accepted.
    pengaturan_simpan(
        puskesmas=puskesmas,
        oleh=admin_puskesmas.user,
        data={"bpjs_aktif": True, "bpjs_secret_key": "bukan-rahasianya"},
    )
    unit = puskesmas.unit_layanan.get(kode="UMUM")
    form = FormUnitPcare(data={**model_to_dict(unit), "kd_poli_pcare": "002"}, instance=unit)
    assert form.is_valid() and "tanpa diperiksa" in form.peringatan
    lain = UnitFactory(puskesmas=puskesmas_lain, klaster=KlasterFactory(puskesmas=puskesmas_lain))
    form = FormUnitPcare(data={**model_to_dict(lain), "kd_poli_pcare": "002"}, instance=lain)
    assert form.is_valid() and not form.peringatan
    assert referensi_tersimpan(puskesmas_lain.pk) is not None
    assert referensi_tersimpan(puskesmas.pk) is None  # never the other Puskesmas' list
