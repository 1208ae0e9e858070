"""Each action the issue names leaves an audit row, whichever path it takes (loket page, API,
admin), with the officer who did it."""

from __future__ import annotations

import json
import uuid

from audit.models import Aksi, AuditLog


def _ada(aksi: str, **kw) -> bool:
    return AuditLog.objects.filter(aksi=aksi, **kw).exists()


def test_opening_a_patient_at_the_loket_is_recorded(client_loket, pasien_bpjs):
    assert client_loket.get(f"/loket/pasien/{pasien_bpjs.pk}/").status_code == 200
    assert _ada(Aksi.PASIEN_LIHAT, username="loket1", objek_id=str(pasien_bpjs.pk))


def test_opening_a_patient_through_the_api_is_recorded(client_loket, pasien_bpjs):
    assert client_loket.get(f"/api/v1/pasien/{pasien_bpjs.pk}").status_code == 200
    assert _ada(Aksi.PASIEN_LIHAT, username="loket1", path=f"/api/v1/pasien/{pasien_bpjs.pk}")


def test_creating_and_editing_a_patient_are_recorded(client_loket, unit):
    data = {"nama": "Made Wirawan", "tanggal_lahir": "1991-07-03", "jenis_kelamin": "L"}
    r = client_loket.post(
        "/api/v1/pasien", json.dumps({**data, "konfirmasi_baru": True}), "application/json"
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert _ada(Aksi.PASIEN_BUAT, username="loket1", objek_id=str(pid))
    r = client_loket.post(f"/loket/pasien/{pid}/ubah/", {**data, "alamat": "Jl. Baru 1"})
    assert r.status_code in (200, 302)
    assert _ada(Aksi.PASIEN_UBAH, username="loket1", objek_id=str(pid))


def test_registering_and_cancelling_a_visit_are_recorded(client_loket, pasien_umum, unit):
    r = client_loket.post(
        "/api/v1/kunjungan",
        json.dumps(
            {
                "client_uuid": str(uuid.uuid4()),
                "pasien_id": pasien_umum.pk,
                "unit_id": unit.pk,
                "penjamin": "umum",
            }
        ),
        "application/json",
    )
    assert r.status_code == 201, r.content
    kid = r.json()["id"]
    assert _ada(Aksi.KUNJUNGAN_BUAT, username="loket1", objek_id=str(kid))
    r = client_loket.post(
        f"/api/v1/kunjungan/{kid}/batal", json.dumps({"alasan": "pulang"}), "application/json"
    )
    assert r.status_code == 200, r.content
    assert _ada(Aksi.KUNJUNGAN_BATAL, username="loket1", objek_id=str(kid))


def test_api_tokens_created_and_revoked_are_recorded(client, admin_puskesmas, petugas_loket):
    from puskesmas.services import api_token_buat, api_token_cabut

    token, _ = api_token_buat(user=petugas_loket.user)
    assert _ada(Aksi.TOKEN_BUAT, objek_id=str(token.pk), puskesmas=petugas_loket.puskesmas)
    api_token_cabut(token=token)
    assert _ada(Aksi.TOKEN_CABUT, objek_id=str(token.pk))
    kedua, _ = api_token_buat(user=petugas_loket.user)
    client.force_login(admin_puskesmas.user)
    r = client.post(
        f"/admin/puskesmas/apitoken/{kedua.pk}/change/",
        {
            "user": petugas_loket.user.pk,
            "nama": "x",
            "dicabut_pada_0": "2026-01-01",
            "dicabut_pada_1": "08:00:00",
        },
    )
    assert r.status_code == 302, r.content[:2000]
    assert _ada(Aksi.TOKEN_CABUT, objek_id=str(kedua.pk), username="admin")


def test_toggling_downtime_and_exporting_its_report_are_recorded(client, admin_puskesmas):
    client.force_login(admin_puskesmas.user)
    r = client.post(
        "/downtime/mulai/", {"alasan": "listrik", "keterangan": "PLN padam", "konfirmasi": "1"}
    )
    assert r.status_code == 302, r.content[:500]
    assert _ada(Aksi.DOWNTIME_UBAH, username="admin", ringkasan__contains="mulai")
    r = client.get("/downtime/laporan.csv")
    assert r.status_code == 200
    assert _ada(Aksi.LAPORAN_EKSPOR, username="admin", ringkasan__contains="csv")
