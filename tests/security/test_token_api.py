"""Integrator tokens end to end through the API: stored only as a hash, last use stamped,
revocation and deactivation take effect at once, and a token never opens the HTML pages."""

from __future__ import annotations

import hashlib
import re

from django.test import Client

from puskesmas.models import ApiToken
from puskesmas.services import api_token_buat, api_token_cabut


def _klien(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_is_stored_only_as_its_hash(petugas_loket):
    token, raw = api_token_buat(user=petugas_loket.user, nama="SIMRS")
    simpan = ApiToken.objects.get(pk=token.pk)
    assert simpan.hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().first())


def test_a_token_works_and_stamps_its_last_use(petugas_loket):
    token, raw = api_token_buat(user=petugas_loket.user)
    assert token.terakhir_dipakai is None
    assert _klien(raw).get("/api/v1/unit").status_code == 200
    token.refresh_from_db()
    assert token.terakhir_dipakai is not None


def test_a_revoked_token_is_refused_at_once(petugas_loket):
    token, raw = api_token_buat(user=petugas_loket.user)
    assert _klien(raw).get("/api/v1/unit").status_code == 200
    api_token_cabut(token=token)
    response = _klien(raw).get("/api/v1/unit")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_users_token_is_refused(petugas_loket):
    _, raw = api_token_buat(user=petugas_loket.user)
    petugas_loket.user.is_active = False
    petugas_loket.user.save()
    assert _klien(raw).get("/api/v1/unit").status_code == 401


def test_wrong_garbage_and_huge_tokens_are_401_not_500(db):
    for raw in ("pkm_salah", "x" * 5000, "💥", ""):
        assert _klien(raw).get("/api/v1/unit").status_code == 401


def test_a_token_does_not_open_the_html_pages(petugas_loket):
    _, raw = api_token_buat(user=petugas_loket.user)
    response = _klien(raw).get("/loket/")
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_a_token_only_sees_its_own_puskesmas(petugas_loket, puskesmas_lain):
    from tests.factories import PasienFactory

    lain = PasienFactory(puskesmas=puskesmas_lain)
    _, raw = api_token_buat(user=petugas_loket.user)
    assert _klien(raw).get(f"/api/v1/pasien/{lain.pk}").status_code == 404


def test_the_admin_creates_a_token_shown_once_and_stored_only_as_its_hash(
    client, admin_puskesmas, petugas_loket
):
    from audit.models import AuditLog

    client.force_login(admin_puskesmas.user)
    assert client.get("/admin/puskesmas/apitoken/add/").status_code == 200
    r = client.post(
        "/admin/puskesmas/apitoken/add/", {"user": petugas_loket.user.pk, "nama": "SIMRS Dinkes"}
    )
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    raw = re.search(r'value="(pkm_[^"]+)"', r.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.hash == hashlib.sha256(raw.encode()).hexdigest() and token.nama == "SIMRS Dinkes"
    assert "pkm_" not in r.cookies.output()  # never in a message cookie
    assert _klien(raw).get("/api/v1/unit").status_code == 200
    assert AuditLog.objects.filter(aksi="token_buat", user=admin_puskesmas.user).exists()
    # Afterwards the admin page shows only the prefix.
    html = client.get(f"/admin/puskesmas/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in html and raw not in html


def test_tokens_are_only_for_staff_of_the_admins_puskesmas(client, puskesmas_lain):
    from django.contrib.auth.models import Permission

    from puskesmas.models import Peran
    from tests.factories import PetugasFactory

    admin2 = PetugasFactory(puskesmas=puskesmas_lain, peran=Peran.ADMIN).user
    admin2.is_staff = True
    admin2.save()
    admin2.user_permissions.set(Permission.objects.filter(codename__endswith="apitoken"))
    client.force_login(admin2)
    html = client.get("/admin/puskesmas/apitoken/add/").content.decode()
    assert "loket1" not in html  # the demo Puskesmas' officers are not offered
