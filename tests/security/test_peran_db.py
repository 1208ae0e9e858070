"""The audit log is append-only against the app's own database role, not only its code: the
append-only checks run as a DML-only role made by `audit.peran_db` (created in the test, as
docker-compose's `peran_db_app` step creates it). The role writes data, but cannot change or
erase history — no UPDATE/DELETE/TRUNCATE on the log, no disabling its trigger, no
`session_replication_role = replica`, no schema changes."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import Aksi, AuditLog
from audit.services import catat
from pendaftaran.models import Pasien

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
PERAN = "uji_puskesmas_app"

MENGHAPUS_JEJAK = [
    "UPDATE audit_auditlog SET ringkasan = 'dipalsukan'",
    "DELETE FROM audit_auditlog",
    "TRUNCATE audit_auditlog",
    "ALTER TABLE audit_auditlog DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_tolak_ubah ON audit_auditlog",
    "SET session_replication_role = replica",
    "DROP TABLE audit_auditlog",
    "CREATE TABLE pintu_belakang (id int)",
]


@pytest.fixture
def sebagai_peran_app(petugas_loket, pasien_bpjs):
    """The test's connection switched to the app role (inside the test's transaction: the role
    itself is rolled back with it)."""
    if connection.vendor != "postgresql":
        pytest.skip("peran database hanya di PostgreSQL")
    call_command("peran_db_app", "--peran", PERAN)
    with connection.cursor() as c:
        c.execute(f"SET ROLE {PERAN}")
    try:
        yield
    finally:
        with connection.cursor() as c:
            c.execute("RESET ROLE")


def test_the_app_role_writes_data_and_appends_to_the_log(
    sebagai_peran_app, petugas_loket, pasien_bpjs
):
    with connection.cursor() as c:
        c.execute("SELECT current_user")
        assert c.fetchone()[0] == PERAN
    entri = catat(user=petugas_loket.user, aksi=Aksi.PASIEN_LIHAT, objek=pasien_bpjs)
    assert AuditLog.objects.filter(pk=entri.pk).exists()
    Pasien.objects.filter(pk=pasien_bpjs.pk).update(alamat="Jl. Baru 1")
    assert Pasien.objects.get(pk=pasien_bpjs.pk).alamat == "Jl. Baru 1"


@pytest.mark.parametrize("sql", MENGHAPUS_JEJAK)
def test_the_app_role_cannot_change_or_erase_the_audit_log(
    sebagai_peran_app, petugas_loket, pasien_bpjs, sql
):
    entri = catat(user=petugas_loket.user, aksi=Aksi.PASIEN_LIHAT, objek=pasien_bpjs)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    assert AuditLog.objects.get(pk=entri.pk).ringkasan == entri.ringkasan


def test_the_grants_are_safe_to_run_again_after_a_migration(sebagai_peran_app):
    with connection.cursor() as c:
        c.execute("RESET ROLE")
    call_command("peran_db_app", "--peran", PERAN)  # as the owner again: idempotent
    with connection.cursor() as c:
        c.execute(
            "SELECT has_table_privilege(%s, 'audit_auditlog', 'UPDATE'),"
            " has_table_privilege(%s, 'audit_auditlog', 'INSERT'),"
            " has_table_privilege(%s, 'pendaftaran_pasien', 'UPDATE')",
            [PERAN, PERAN, PERAN],
        )
        assert c.fetchone() == (False, True, True)
        c.execute(f"SET ROLE {PERAN}")


@pytest.mark.django_db(False)
def test_docker_compose_runs_the_app_as_that_role_and_migrates_as_the_owner():
    from pathlib import Path

    import yaml
    from django.conf import settings

    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    layanan = compose["services"]
    for nama in ("web", "worker", "beat"):
        assert "//puskesmas_app:" in layanan[nama]["environment"]["DATABASE_URL"], nama
        assert "migrate" not in str(layanan[nama]["command"]), nama
        assert layanan[nama]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    migrasi = layanan["migrate"]
    assert "//puskesmas:" in migrasi["environment"]["DATABASE_URL"]
    assert "peran_db_app --peran puskesmas_app" in migrasi["command"]
