"""The TV's server-made voice: a clip for every word a call needs and for every unit's name,
served to the display by its key, and a TV that still works without espeak-ng."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from antrean import suara
from antrean.models import UnitLayanan

ada_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@pytest.fixture
def folder_suara(settings, tmp_path):
    settings.SUARA_DIR = str(tmp_path / "suara")
    return tmp_path / "suara"


@ada_espeak
def test_the_command_renders_a_clip_for_every_unit_and_every_word(puskesmas, folder_suara):
    call_command("suara_render")
    klip = suara.daftar_klip(puskesmas)
    units = UnitLayanan.objects.filter(puskesmas=puskesmas, aktif=True)
    assert units.count() >= 5
    for u in units:
        berkas = folder_suara / klip[f"unit:{u.pk}"]
        assert berkas.read_bytes()[:4] == b"RIFF" and berkas.stat().st_size > 4000, u.nama
    for kunci in ("frasa:nomor_antrean", "frasa:silakan_menuju", "huruf:A", "kata:belas"):
        assert (folder_suara / klip[kunci]).stat().st_size > 2000
    assert not list(folder_suara.glob("*.tmp"))


@ada_espeak
def test_renaming_a_unit_in_the_admin_renders_its_new_name(
    client, admin_puskesmas, folder_suara, django_capture_on_commit_callbacks
):
    unit = UnitLayanan.objects.filter(puskesmas=admin_puskesmas.puskesmas).first()
    admin_puskesmas.user.is_staff = True
    admin_puskesmas.user.save()
    client.force_login(admin_puskesmas.user)
    data = {
        "puskesmas": unit.puskesmas_id,
        "klaster": unit.klaster_id,
        "kode": unit.kode,
        "nama": "Poli Lansia Baru",
        "layanan": unit.layanan,
        "prefix": unit.prefix,
        "kd_poli_pcare": unit.kd_poli_pcare,
        "aktif": "on",
        "urutan": unit.urutan,
        "menit_per_pasien": unit.menit_per_pasien,
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("admin:antrean_unitlayanan_change", args=[unit.pk]), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert (folder_suara / suara.nama_berkas("Poli Lansia Baru")).exists()


@ada_espeak
def test_the_tv_gets_its_clip_list_and_the_clips(client, puskesmas, folder_suara):
    kunci = puskesmas.kunci_display
    daftar = client.get(reverse("antrean:tv_suara", args=[kunci])).json()["klip"]
    unit = UnitLayanan.objects.filter(puskesmas=puskesmas, aktif=True).first()
    r = client.get(daftar[f"unit:{unit.pk}"])
    assert r.status_code == 200 and r["Content-Type"] == "audio/wav"
    assert b"".join(r.streaming_content)[:4] == b"RIFF"
    assert "immutable" in r["Cache-Control"]
    # Only our own file names, only with the display key.
    dasar = reverse("antrean:tv_suara", args=[kunci])
    assert client.get(dasar + "..%2F..%2Fsettings.py").status_code == 404
    assert client.get(dasar + "db.sqlite3").status_code == 404
    assert (
        client.get(reverse("antrean:tv_klip", args=[kunci, "0" * 20 + ".wav"])).status_code == 404
    )
    salah = reverse("antrean:tv_klip", args=["salah", daftar[f"unit:{unit.pk}"].rsplit("/", 1)[1]])
    assert client.get(salah).status_code == 404


def test_without_espeak_the_tv_has_no_clips_and_still_opens(
    client, puskesmas, folder_suara, settings
):
    settings.SUARA_ESPEAK = "espeak-ng-tidak-terpasang"
    kunci = puskesmas.kunci_display
    assert client.get(reverse("antrean:tv_suara", args=[kunci])).json() == {"klip": {}}
    tv = client.get(reverse("antrean:tv", args=[kunci]))
    assert tv.status_code == 200 and "autoplay=(self)" in tv["Permissions-Policy"]
    with pytest.raises(CommandError, match="espeak-ng tidak terpasang"):
        call_command("suara_render")


def test_the_tv_service_worker_is_served_under_the_tv_path(client):
    r = client.get(reverse("antrean:tv_sw"))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    assert reverse("antrean:tv_sw") == "/antrean/tv/sw.js" and "tv-suara-v1" in r.content.decode()
