"""Exporting one patient's data on request: the command and the admin page produce the same
JSON, hold the visits and who accessed the record, and are audited."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import Aksi, AuditLog
from audit.services import catat
from tests.security.conftest import buat_dunia


@pytest.fixture
def dunia_pasien(puskesmas, petugas_loket):
    d = buat_dunia(puskesmas, petugas_loket, serial=8101)
    catat(user=petugas_loket.user, aksi=Aksi.PASIEN_LIHAT, objek=d.pasien)
    return d


def test_the_command_exports_the_patient_visits_tickets_and_access_history(dunia_pasien):
    out = StringIO()
    call_command(
        "ekspor_pasien",
        "--puskesmas",
        dunia_pasien.puskesmas.kode_faskes,
        "--no-rm",
        dunia_pasien.pasien.no_rm,
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["pasien"]["nik"] == dunia_pasien.pasien.nik
    assert [k["id"] for k in data["kunjungan"]] == [dunia_pasien.kunjungan.pk]
    assert data["tiket"][0]["kode"] == dunia_pasien.tiket.kode
    assert any(a["petugas"] == "loket1" for a in data["riwayat_akses"])
    assert AuditLog.objects.filter(
        aksi=Aksi.PASIEN_EKSPOR, objek_id=str(dunia_pasien.pasien.pk)
    ).exists()


def test_the_command_refuses_an_unknown_patient(puskesmas):
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("ekspor_pasien", "--puskesmas", puskesmas.kode_faskes, "--no-rm", "999999")


def test_the_admin_page_downloads_the_json_and_audits_it(client, admin_puskesmas, dunia_pasien):
    client.force_login(admin_puskesmas.user)
    assert client.get("/admin/audit/auditlog/ekspor-pasien/").status_code == 200
    response = client.post(
        "/admin/audit/auditlog/ekspor-pasien/", {"no_rm": dunia_pasien.pasien.no_rm}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["pasien"]["id"] == dunia_pasien.pasien.pk
    entri = AuditLog.objects.get(aksi=Aksi.PASIEN_EKSPOR)
    assert entri.username == "admin"


def test_a_loket_officer_cannot_export(client, petugas_loket, dunia_pasien):
    petugas_loket.user.is_staff = True  # even a staff flag given by mistake is not enough
    petugas_loket.user.save()
    client.force_login(petugas_loket.user)
    response = client.post(
        "/admin/audit/auditlog/ekspor-pasien/", {"no_rm": dunia_pasien.pasien.no_rm}
    )
    assert response.status_code == 403
