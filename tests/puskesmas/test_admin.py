"""The user admin in a district deployment: a Puskesmas admin manages only their own
Puskesmas' ordinary staff and cannot grant any privilege; the district operator (superuser)
keeps full power. Plus the admin pages of domain rows that only services may change."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from downtime.models import EpisodeDowntime
from puskesmas.models import Peran, Petugas
from tests.factories import PetugasFactory
from tests.security.conftest import daftar_di_loket

pytestmark = pytest.mark.django_db


def _admin_staf(puskesmas, username: str) -> User:
    p = PetugasFactory(puskesmas=puskesmas, peran=Peran.ADMIN, user__username=username)
    p.user.is_staff = True
    p.user.save()
    p.user.user_permissions.set(Permission.objects.all())
    return p.user


def _klien(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def admin_a(puskesmas) -> User:
    return _admin_staf(puskesmas, "admin_sukamaju")


@pytest.fixture
def admin_b(puskesmas_lain) -> User:
    return _admin_staf(puskesmas_lain, "admin_tetangga")


def _data_ubah(user: User, **lain: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "first_name": "Baru",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "petugas-TOTAL_FORMS": "1",
        "petugas-INITIAL_FORMS": "1",
        "petugas-MIN_NUM_FORMS": "0",
        "petugas-MAX_NUM_FORMS": "1",
        "petugas-0-id": str(user.petugas.pk),
        "petugas-0-user": str(user.pk),
        "petugas-0-peran": user.petugas.peran,
    }
    data.update(lain)
    return data


def test_a_puskesmas_admin_cannot_make_themselves_superuser_or_grant_permissions(admin_a):
    c = _klien(admin_a)
    url = f"/admin/auth/user/{admin_a.pk}/change/"
    html = c.get(url).content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    jumlah_izin = admin_a.user_permissions.count()
    r = c.post(
        url,
        _data_ubah(
            admin_a,
            is_superuser="on",
            is_staff="on",
            groups="1",
            user_permissions=str(Permission.objects.first().pk),
        ),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    admin_a.refresh_from_db()
    assert admin_a.first_name == "Baru"  # the allowed field did change
    assert not admin_a.is_superuser
    assert admin_a.user_permissions.count() == jumlah_izin


def test_a_puskesmas_admin_cannot_touch_another_puskesmas_account(admin_a, admin_b):
    c = _klien(admin_a)
    sandi_lama = User.objects.get(pk=admin_b.pk).password
    for url in (
        f"/admin/auth/user/{admin_b.pk}/change/",
        f"/admin/auth/user/{admin_b.pk}/password/",
        f"/admin/auth/user/{admin_b.pk}/delete/",
    ):
        r = c.get(url)
        assert r.status_code in (302, 404), url
        assert "admin_tetangga" not in r.content.decode()
    c.post(
        f"/admin/auth/user/{admin_b.pk}/password/",
        {"password1": "diambil-alih-2026!", "password2": "diambil-alih-2026!"},
    )
    c.post(f"/admin/auth/user/{admin_b.pk}/delete/", {"post": "yes"})
    c.post("/admin/auth/user/", {"action": "delete_selected", "_selected_action": [admin_b.pk],
                                 "post": "yes"})  # fmt: skip
    b = User.objects.get(pk=admin_b.pk)
    assert b.password == sandi_lama and b.is_active
    assert "admin_tetangga" not in c.get("/admin/auth/user/").content.decode()


def test_a_puskesmas_admin_cannot_change_the_district_operator_or_another_staff_account(
    admin_a, puskesmas
):
    operator = User.objects.get(username="admin")  # superuser, with a Petugas in this Puskesmas
    rekan = _admin_staf(puskesmas, "admin_kedua")
    c = _klien(admin_a)
    for u in (operator, rekan):
        assert c.get(f"/admin/auth/user/{u.pk}/change/").status_code == 302
        assert c.get(f"/admin/auth/user/{u.pk}/password/").status_code == 404
        r = c.post(f"/admin/puskesmas/petugas/{u.petugas.pk}/change/", {"peran": "loket"})
        assert r.status_code == 403
    assert Petugas.objects.get(user=operator).peran == Peran.ADMIN


def test_a_puskesmas_admin_manages_their_own_staff(
    admin_a, petugas_loket, puskesmas, puskesmas_lain
):
    c = _klien(admin_a)
    # Reset a loket officer's password.
    r = c.post(
        f"/admin/auth/user/{petugas_loket.user.pk}/password/",
        {"password1": "sandi-baru-loket-1", "password2": "sandi-baru-loket-1"},
    )
    assert r.status_code == 302
    assert User.objects.get(pk=petugas_loket.user.pk).check_password("sandi-baru-loket-1")
    # Add an account: it gets a Petugas in the admin's own Puskesmas, whatever is posted.
    r = c.post(
        "/admin/auth/user/add/",
        {
            "username": "loket_baru",
            "usable_password": "true",
            "password1": "sandi-loket-baru-1",
            "password2": "sandi-loket-baru-1",
            "is_superuser": "on",
            "is_staff": "on",
            "petugas-TOTAL_FORMS": "1",
            "petugas-INITIAL_FORMS": "0",
            "petugas-MIN_NUM_FORMS": "1",
            "petugas-MAX_NUM_FORMS": "1",
            "petugas-0-peran": "loket",
            "petugas-0-puskesmas": str(puskesmas_lain.pk),
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    baru = User.objects.get(username="loket_baru")
    assert not baru.is_superuser and not baru.is_staff
    assert baru.petugas.puskesmas == puskesmas and baru.petugas.peran == Peran.LOKET


def test_an_account_added_by_a_puskesmas_admin_must_have_a_role(admin_a):
    r = _klien(admin_a).post(
        "/admin/auth/user/add/",
        {
            "username": "tanpa_peran",
            "usable_password": "true",
            "password1": "sandi-tanpa-peran-1",
            "password2": "sandi-tanpa-peran-1",
            "petugas-TOTAL_FORMS": "0",
            "petugas-INITIAL_FORMS": "0",
            "petugas-MIN_NUM_FORMS": "1",
            "petugas-MAX_NUM_FORMS": "1",
        },
    )
    assert r.status_code == 200
    assert not User.objects.filter(username="tanpa_peran").exists()


def test_the_district_operator_can_still_grant_staff(admin_puskesmas, petugas_loket):
    c = _klien(admin_puskesmas.user)
    html = c.get(f"/admin/auth/user/{petugas_loket.user.pk}/change/").content.decode()
    assert 'name="is_superuser"' in html
    r = c.post(
        f"/admin/auth/user/{petugas_loket.user.pk}/change/",
        {
            **_data_ubah(petugas_loket.user, is_staff="on"),
            "petugas-0-puskesmas": str(petugas_loket.puskesmas_id),
            "petugas-0-loket": str(petugas_loket.loket_id),
            "date_joined_0": "2026-01-05",
            "date_joined_1": "08:00:00",
        },
    )
    assert r.status_code == 302, (
        r.context["adminform"].form.errors,
        [f.errors for f in r.context["inline_admin_formsets"][0].formset.forms],
    )
    assert User.objects.get(pk=petugas_loket.user.pk).is_staff


def test_groups_are_the_district_operators_only(admin_a):
    c = _klien(admin_a)
    assert c.get("/admin/auth/group/").status_code == 403
    assert c.get("/admin/auth/group/add/").status_code == 403
    assert "/admin/auth/group/" not in c.get("/admin/").content.decode()


def test_a_puskesmas_admin_unlocks_only_their_own_staff(admin_a, petugas_loket, admin_b):
    sendiri = AccessAttempt.objects.create(
        username=petugas_loket.user.username, ip_address="10.0.0.1", user_agent="x",
        path_info="/masuk/", attempt_time=timezone.now(), failures_since_start=5,
    )  # fmt: skip
    asing = AccessAttempt.objects.create(
        username=admin_b.username, ip_address="10.0.0.2", user_agent="x",
        path_info="/masuk/", attempt_time=timezone.now(), failures_since_start=5,
    )  # fmt: skip
    c = _klien(admin_a)
    assert (
        c.post(f"/admin/axes/accessattempt/{sendiri.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    c.post(f"/admin/axes/accessattempt/{asing.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.filter(pk=sendiri.pk).exists()
    assert AccessAttempt.objects.filter(pk=asing.pk).exists()


# --- Domain rows that only the app's services change ------------------------------------------


def test_a_visit_cannot_be_cancelled_or_edited_in_the_admin(
    client, admin_puskesmas, petugas_loket, unit, pasien_umum
):
    k = daftar_di_loket(pasien=pasien_umum, unit=unit, petugas=petugas_loket)
    c = _klien(admin_puskesmas.user)  # even the district operator
    html = c.get(f"/admin/pendaftaran/kunjungan/{k.pk}/change/").content.decode()
    assert 'name="_save"' not in html
    r = c.post(f"/admin/pendaftaran/kunjungan/{k.pk}/change/", {"status": "batal"})
    assert r.status_code == 403
    k.refresh_from_db()
    assert k.status != "batal"


def test_the_downtime_ledger_and_review_rows_cannot_be_deleted_or_decided_in_the_admin(
    admin_puskesmas, puskesmas
):
    import uuid

    from downtime.models import EntriReplay

    episode = EpisodeDowntime.objects.create(
        puskesmas=puskesmas, jenis="deklarasi", mulai=timezone.now(), dideteksi="petugas"
    )
    entri = EntriReplay.objects.create(
        client_uuid=uuid.uuid4(), puskesmas=puskesmas, sumber="offline", payload={},
        status="ditinjau", status_awal="ditinjau",
    )  # fmt: skip
    c = _klien(admin_puskesmas.user)
    assert (
        c.post(f"/admin/downtime/episodedowntime/{episode.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    r = c.post("/admin/downtime/episodedowntime/", {"action": "delete_selected",
               "_selected_action": [episode.pk], "post": "yes"})  # fmt: skip
    assert EpisodeDowntime.objects.filter(pk=episode.pk).exists()
    r = c.post(f"/admin/downtime/entrireplay/{entri.pk}/change/", {"status": "dibuat"})
    assert r.status_code == 403
    assert (
        c.post(f"/admin/downtime/entrireplay/{entri.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    entri.refresh_from_db()
    assert entri.status == "ditinjau"


def test_a_revoked_token_cannot_be_revived_in_the_admin(admin_puskesmas, petugas_loket):
    from puskesmas.models import ApiToken
    from puskesmas.services import api_token_buat

    token, _ = api_token_buat(user=petugas_loket.user, nama="SIMRS")
    ApiToken.objects.filter(pk=token.pk).update(dicabut_pada=timezone.now())
    c = _klien(admin_puskesmas.user)
    url = f"/admin/puskesmas/apitoken/{token.pk}/change/"
    assert 'name="dicabut_pada' not in c.get(url).content.decode()
    c.post(url, {"nama": "SIMRS", "dicabut_pada_0": "", "dicabut_pada_1": ""})
    assert ApiToken.objects.get(pk=token.pk).dicabut_pada is not None


def test_a_bpjs_worklist_action_in_the_admin_is_audited_like_the_page(
    admin_puskesmas, petugas_loket, unit, pasien_bpjs
):
    from audit.models import AuditLog
    from bpjs_bridge.models import PermintaanBpjs

    k = daftar_di_loket(pasien=pasien_bpjs, unit=unit, petugas=petugas_loket)
    row = PermintaanBpjs.objects.create(
        puskesmas=unit.puskesmas, kunjungan=k, jenis="cek_peserta", rantai="pcare",
        jadwal=timezone.now(), status="gagal_final",
    )  # fmt: skip
    r = _klien(admin_puskesmas.user).post(
        "/admin/bpjs_bridge/permintaanbpjs/",
        {"action": "aksi_worklist_tandai_selesai", "_selected_action": [row.pk]},
    )
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.status == "selesai_manual"
    log = AuditLog.objects.get(aksi="bpjs_worklist", objek_id=str(row.pk))
    assert log.user == admin_puskesmas.user and "admin" in log.ringkasan
