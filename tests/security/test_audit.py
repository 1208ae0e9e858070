"""The audit log is append-only at every layer, records logins, and can be filtered and
exported by admins — the export itself leaving a trace."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import Aksi, AuditLog, AuditTidakBolehDiubah
from audit.services import catat


@pytest.fixture
def entri(petugas_loket, pasien_bpjs):
    return catat(user=petugas_loket.user, aksi=Aksi.PASIEN_LIHAT, objek=pasien_bpjs)


def test_an_entry_records_who_what_and_where(entri, petugas_loket, pasien_bpjs):
    assert entri.username == "loket1"
    assert entri.peran == "loket"
    assert entri.puskesmas_id == petugas_loket.puskesmas_id
    assert (entri.objek_tipe, entri.objek_id) == ("pendaftaran.pasien", str(pasien_bpjs.pk))
    assert pasien_bpjs.nama not in entri.ringkasan  # a reference, never the person


def test_an_entry_cannot_be_saved_again(entri):
    entri.ringkasan = "diubah"
    with pytest.raises(AuditTidakBolehDiubah):
        entri.save()


def test_an_entry_cannot_be_deleted(entri):
    with pytest.raises(AuditTidakBolehDiubah):
        entri.delete()


@pytest.mark.parametrize("operasi", ["update", "delete"])
def test_querysets_refuse_bulk_changes(entri, operasi):
    qs = AuditLog.objects.all()
    with pytest.raises(AuditTidakBolehDiubah):
        qs.update(ringkasan="x") if operasi == "update" else qs.delete()
    assert AuditLog.objects.get(pk=entri.pk).ringkasan == entri.ringkasan


def test_the_database_itself_refuses_an_update(entri):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE audit_auditlog SET ringkasan = 'dipalsukan' WHERE id = %s", [entri.pk])
    assert AuditLog.objects.get(pk=entri.pk).ringkasan != "dipalsukan"


def test_on_postgresql_the_database_refuses_a_delete_too(entri):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for Django's test flush")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM audit_auditlog WHERE id = %s", [entri.pk])
    assert AuditLog.objects.filter(pk=entri.pk).exists()


def test_deleting_a_user_keeps_what_they_did(entri, petugas_loket):
    from puskesmas.models import Petugas

    user = petugas_loket.user
    Petugas.objects.filter(pk=petugas_loket.pk).delete()
    user.delete()
    tersisa = AuditLog.objects.get(pk=entri.pk)
    assert tersisa.username == "loket1"


def test_an_unknown_action_code_is_a_programming_error(petugas_loket):
    with pytest.raises(ValueError, match="tidak dikenal"):
        catat(user=petugas_loket.user, aksi="lihat_pasien_typo")


def test_free_text_is_masked(petugas_loket):
    e = catat(user=petugas_loket.user, aksi=Aksi.PASIEN_LIHAT, keterangan="cari 3204104503800001")
    assert "3204104503800001" not in e.ringkasan
    assert "3204********0001" in e.ringkasan


def test_login_and_logout_are_recorded_with_ip_and_browser(client, petugas_loket):
    client.post(
        "/masuk/",
        {"username": "loket1", "password": "sehat-2026"},
        REMOTE_ADDR="192.168.1.20",
        HTTP_USER_AGENT="Chromium loket 1",
    )
    client.post("/keluar/", REMOTE_ADDR="192.168.1.20")
    masuk = AuditLog.objects.get(aksi=Aksi.MASUK)
    assert (masuk.username, masuk.ip, masuk.user_agent) == (
        "loket1",
        "192.168.1.20",
        "Chromium loket 1",
    )
    assert AuditLog.objects.filter(aksi=Aksi.KELUAR, username="loket1").exists()


# --- The admin -------------------------------------------------------------------------------


@pytest.fixture
def client_admin(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    return client


def test_the_admin_lists_entries_but_offers_no_add_change_or_delete(client_admin, entri):
    daftar = client_admin.get("/admin/audit/auditlog/")
    assert daftar.status_code == 200
    assert "loket1" in daftar.content.decode()
    assert client_admin.get("/admin/audit/auditlog/add/").status_code == 403
    assert client_admin.get(f"/admin/audit/auditlog/{entri.pk}/delete/").status_code == 403
    ubah = client_admin.post(f"/admin/audit/auditlog/{entri.pk}/change/", {"ringkasan": "x"})
    assert ubah.status_code == 403
    assert AuditLog.objects.get(pk=entri.pk).ringkasan == entri.ringkasan


def test_the_csv_export_follows_the_filter_and_is_itself_audited(client_admin, entri):
    catat(user=entri.user, aksi=Aksi.KUNJUNGAN_BUAT, objek=("pendaftaran.kunjungan", 9))
    response = client_admin.get("/admin/audit/auditlog/ekspor/?aksi__exact=pasien_lihat")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    teks = b"".join(response.streaming_content).decode("utf-8-sig")
    baris = list(csv.reader(io.StringIO(teks)))
    assert baris[0][:2] == ["Waktu", "Pengguna"]
    assert [b[4] for b in baris[1:]] == ["pasien_lihat"]
    assert AuditLog.objects.filter(aksi=Aksi.AUDIT_EKSPOR, username="admin").exists()


def test_csv_cells_cannot_become_spreadsheet_formulas(client_admin, petugas_loket):
    from django.test import RequestFactory

    req = RequestFactory().get("/", HTTP_USER_AGENT='=HYPERLINK("http://x")')
    req.user = petugas_loket.user
    catat(request=req, aksi=Aksi.PASIEN_LIHAT)
    teks = b"".join(client_admin.get("/admin/audit/auditlog/ekspor/").streaming_content).decode()
    assert "'=HYPERLINK" in teks


def test_a_non_superuser_admin_sees_only_their_puskesmas(client, puskesmas, puskesmas_lain):
    from tests.factories import PetugasFactory

    admin_lain = PetugasFactory(puskesmas=puskesmas_lain, peran="admin", user__is_staff=True)
    from django.contrib.auth.models import Permission

    admin_lain.user.user_permissions.add(Permission.objects.get(codename="view_auditlog"))
    catat(user=admin_lain.user, aksi=Aksi.PASIEN_LIHAT, keterangan="di tetangga")
    catat(aksi=Aksi.PASIEN_LIHAT, puskesmas=puskesmas, keterangan="di sini")
    client.force_login(admin_lain.user)
    teks = b"".join(client.get("/admin/audit/auditlog/ekspor/").streaming_content).decode()
    assert "di tetangga" in teks and "di sini" not in teks
