"""The permission matrix, extended to the Django admin: EVERY URL of every registered admin
(change list, add, change, delete, history, the models' own extra URLs, and the autocomplete)
is called by the admins of two Puskesmas of one district, with their own and the other's ids.

The oracle is independent of the admin code: `PEMILIK` says, per model, how a row reaches its
Puskesmas. Any page that shows another Puskesmas' row — a link to it, a choice in a select, an
autocomplete result, its Puskesmas' name or its staff's usernames — fails the test.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern
from django.utils import timezone

from audit.services import catat
from bpjs_bridge.models import PermintaanBpjs, StatusPeserta
from downtime.models import BlokNomorOffline, EntriReplay, EpisodeDowntime
from puskesmas.models import Peran, Petugas, Puskesmas
from puskesmas.services import api_token_buat
from tests.factories import LoketFactory, PetugasFactory
from tests.security.conftest import Dunia, buat_dunia

pytestmark = pytest.mark.django_db

# How a row of each model reaches its Puskesmas (None: not tied to one; superuser only).
PEMILIK: dict[str, str | None] = {
    "auth.User": "petugas__puskesmas",
    "auth.Group": None,
    "puskesmas.Puskesmas": "pk",
    "puskesmas.Petugas": "puskesmas",
    "puskesmas.Loket": "puskesmas",
    "puskesmas.ApiToken": "user__petugas__puskesmas",
    "antrean.Klaster": "puskesmas",
    "antrean.UnitLayanan": "puskesmas",
    "antrean.Tiket": "unit__puskesmas",
    "pendaftaran.Pasien": "puskesmas",
    "pendaftaran.Kunjungan": "puskesmas",
    "bpjs_bridge.PermintaanBpjs": "puskesmas",
    "bpjs_bridge.StatusPeserta": "puskesmas",
    "downtime.EpisodeDowntime": "puskesmas",
    "downtime.BlokNomorOffline": "loket__puskesmas",
    "downtime.EntriReplay": "puskesmas",
    "downtime.KeputusanTinjau": "entri__puskesmas",
    "audit.AuditLog": "puskesmas",
    "axes.AccessAttempt": "username",
    "axes.AccessLog": "username",
    "axes.AccessFailureLog": "username",
}


def milik(model: type[Model], pid: int) -> set[Any]:
    """Primary keys of `model`'s rows that belong to Puskesmas `pid`."""
    jalur = PEMILIK.get(model._meta.label)
    if jalur is None:
        return set()
    if jalur == "username":
        nama = User.objects.filter(petugas__puskesmas_id=pid).values("username")
        return set(model._default_manager.filter(username__in=nama).values_list("pk", flat=True))
    kunci = "pk" if jalur == "pk" else f"{jalur}_id"
    return set(model._default_manager.filter(**{kunci: pid}).values_list("pk", flat=True))


def bukan_milik(model: type[Model], pid: int) -> set[Any]:
    """Every row a Puskesmas admin must not see: other Puskesmas' and unowned ones."""
    return set(model._default_manager.values_list("pk", flat=True)) - milik(model, pid)


@dataclass
class AdminPkm:
    puskesmas: Puskesmas
    user: User
    client: Client
    penanda: list[str]  # text only this Puskesmas' pages may contain


def _admin_staf(puskesmas: Puskesmas, username: str) -> User:
    """A Puskesmas admin as the issue describes: staff, not superuser, and every model
    permission (what creating its own staff needs, and more)."""
    p = PetugasFactory(puskesmas=puskesmas, peran=Peran.ADMIN, user__username=username)
    p.user.is_staff = True
    p.user.save()
    p.user.user_permissions.set(Permission.objects.all())
    return p.user


def _isi_dunia(d: Dunia, petugas: Petugas, kode: str) -> None:
    """One row of every admin's model in this Puskesmas."""
    pkm = d.puskesmas
    now = timezone.now()
    episode = EpisodeDowntime.objects.create(
        puskesmas=pkm, jenis="deklarasi", mulai=now, dideteksi="petugas", loket=petugas.loket
    )
    BlokNomorOffline.objects.create(
        loket=petugas.loket, unit=d.unit, tanggal=timezone.localdate(), pertama=900, terakhir=909
    )
    EntriReplay.objects.create(
        client_uuid=uuid.uuid4(), puskesmas=pkm, sumber="offline", payload={}, status="ditinjau",
        status_awal="ditinjau", episode=episode, petugas=petugas.user, loket=petugas.loket,
        pasien=d.pasien,
    )  # fmt: skip
    PermintaanBpjs.objects.create(
        puskesmas=pkm, kunjungan=d.kunjungan, jenis="cek_peserta", rantai="pcare", jadwal=now
    )
    StatusPeserta.objects.create(
        puskesmas=pkm, no_kartu=f"99{kode}", aktif=True, diperiksa_pada=now
    )
    api_token_buat(user=petugas.user, nama=f"token {kode}")
    catat(user=petugas.user, aksi="pasien_lihat", objek=d.pasien)
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.create(
            username=petugas.user.username, ip_address="10.0.0.1", user_agent="uji",
            path_info="/masuk/", attempt_time=now, **({"locked_out": False}
            if model is AccessFailureLog else {"failures_since_start": 1}
            if model is AccessAttempt else {}),
        )  # fmt: skip


@pytest.fixture
def dua_admin(puskesmas, puskesmas_lain, petugas_loket) -> tuple[AdminPkm, AdminPkm]:
    loket_lain = LoketFactory(puskesmas=puskesmas_lain, kode="T1", nama="Loket Tetangga")
    petugas_lain = PetugasFactory(
        puskesmas=puskesmas_lain, user__username="loket_tetangga", loket=loket_lain
    )
    for pkm, petugas, serial, kode in (
        (puskesmas, petugas_loket, 8001, "A"),
        (puskesmas_lain, petugas_lain, 8002, "B"),
    ):
        _isi_dunia(buat_dunia(pkm, petugas, serial=serial), petugas, kode)
    Group.objects.create(name="grup kabupaten")
    # Rows no Puskesmas owns: a failed login for an unknown name, a superuser's own log row.
    AccessAttempt.objects.create(
        username="tidak_dikenal", ip_address="10.0.0.2", user_agent="uji", path_info="/masuk/",
        attempt_time=timezone.now(), failures_since_start=1,
    )  # fmt: skip
    a = _admin_staf(puskesmas, "admin_sukamaju")
    b = _admin_staf(puskesmas_lain, "admin_tetangga")
    hasil = []
    for pkm, user, penanda in (
        (puskesmas, a, ["Sukamaju", "admin_sukamaju", "loket1", "poli_umum"]),
        (puskesmas_lain, b, ["Tetangga", "admin_tetangga", "loket_tetangga"]),
    ):
        c = Client()
        c.force_login(user)
        hasil.append(AdminPkm(pkm, user, c, penanda))
    return hasil[0], hasil[1]


def _url_admin(ma: admin.ModelAdmin, pola: URLPattern, pk: Any) -> str | None:
    route = str(pola.pattern)
    params = list(pola.pattern.regex.groupindex)
    if not params:
        return f"/admin/{ma.opts.app_label}/{ma.opts.model_name}/{route}"
    if len(params) != 1 or pk is None:
        return None
    return f"/admin/{ma.opts.app_label}/{ma.opts.model_name}/" + re.sub(r"<[^>]+>", str(pk), route)


def _isi(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _periksa_halaman(teks: str, url: str, saya: AdminPkm, dia: AdminPkm) -> None:
    for p in dia.penanda:
        assert p not in teks, f"{url}: halaman admin {saya.puskesmas} memuat {p!r}"
    # Every choice offered in a select of a foreign key: none of another Puskesmas' rows.
    for nama, isi in re.findall(r'<select name="([\w-]+)"[^>]*>(.*?)</select>', teks, re.S):
        field_nama = nama.rsplit("-", 1)[-1]
        for model in [m for m in admin.site._registry] + [Petugas]:
            try:
                field = model._meta.get_field(field_nama)
            except FieldDoesNotExist:  # not a field of this model
                continue
            if not (field.is_relation and field.related_model):
                continue
            asing = {str(pk) for pk in bukan_milik(field.related_model, saya.puskesmas.pk)}
            if field.related_model is User:
                asing = {str(pk) for pk in milik(User, dia.puskesmas.pk)}
            if field.related_model is Permission or field.related_model is Group:
                continue  # permission lists never show on a Puskesmas admin's page (below)
            ditawarkan = set(re.findall(r'value="(\d+)"', isi))
            assert not ditawarkan & asing, f"{url}: pilihan {nama} memuat baris Puskesmas lain"
    # A Puskesmas admin never sees the permission widgets.
    for tanda in ('name="is_superuser"', 'name="is_staff"', 'name="user_permissions"',
                  'name="groups"'):  # fmt: skip
        assert tanda not in teks, f"{url}: {tanda} tampil untuk admin Puskesmas"


def _semua_url(saya: AdminPkm, dia: AdminPkm) -> int:
    dipanggil = 0
    for model, ma in admin.site._registry.items():
        asing = bukan_milik(model, saya.puskesmas.pk)
        sendiri = sorted(milik(model, saya.puskesmas.pk), key=str)
        base = f"/admin/{ma.opts.app_label}/{ma.opts.model_name}/"
        for pola in ma.get_urls():
            params = list(pola.pattern.regex.groupindex)
            ids: list[tuple[str, Any]] = [("-", None)] if not params else []
            if params:
                ids += [("asing", pk) for pk in sorted(asing, key=str)]
                ids += [("sendiri", pk) for pk in sendiri[:1]]
            for jenis, pk in ids:
                url = _url_admin(ma, pola, pk)
                if url is None:
                    continue
                if jenis == "asing":
                    # Django admin answers an object it cannot find with a redirect to the
                    # admin index (or 403/404); either way nothing of the row.
                    r = saya.client.get(url, follow=True)
                    dipanggil += 1
                    akhir = r.redirect_chain[-1][0] if r.redirect_chain else url
                    assert r.status_code in (200, 403, 404), (url, r.status_code)
                    assert r.status_code != 200 or akhir == "/admin/", (url, akhir)
                    if r.status_code == 200:
                        _periksa_halaman(_isi(r), url, saya, dia)
                    continue
                r = saya.client.get(url)
                dipanggil += 1
                assert r.status_code < 500, url
                if r.status_code == 200:
                    teks = _isi(r)
                    _periksa_halaman(teks, url, saya, dia)
                    if not params and pola.name and pola.name.endswith("_changelist"):
                        for pk_asing in asing:
                            assert f'href="{base}{pk_asing}/change/' not in teks, url
        # The same rows must not come back as autocomplete results for any field.
        for sumber_model, sumber_ma in admin.site._registry.items():
            for field_nama in sumber_ma.get_autocomplete_fields(None):  # type: ignore[arg-type]
                field = sumber_model._meta.get_field(field_nama)
                if field.related_model is not model:
                    continue
                r = saya.client.get(
                    "/admin/autocomplete/",
                    {"app_label": sumber_model._meta.app_label,
                     "model_name": sumber_model._meta.model_name,
                     "field_name": field_nama, "term": ""},
                )  # fmt: skip
                dipanggil += 1
                assert r.status_code in (200, 403), r.status_code
                if r.status_code == 200:
                    ids_hasil = {x["id"] for x in r.json()["results"]}
                    asing_user = {str(pk) for pk in milik(User, dia.puskesmas.pk)}
                    assert not ids_hasil & ({str(pk) for pk in asing} | asing_user)
    return dipanggil


def test_every_admin_url_as_two_puskesmas_admins_shows_no_foreign_row(dua_admin):
    a, b = dua_admin
    # Every model with an owner has rows in both Puskesmas, so the foreign ids are real.
    for model in admin.site._registry:
        if PEMILIK.get(model._meta.label, "?") is not None:
            assert milik(model, a.puskesmas.pk) and milik(model, b.puskesmas.pk), model
    assert set(PEMILIK) >= {m._meta.label for m in admin.site._registry}, (
        "model admin baru tanpa keputusan pemilik di PEMILIK"
    )
    n = _semua_url(a, b) + _semua_url(b, a)
    assert n > 200


def test_no_puskesmas_admin_can_delete_or_change_another_puskesmas_rows(dua_admin):
    """The same walk with the writes: delete (one by one and as the bulk action) and change
    posted with another Puskesmas' ids leave every row as it was."""
    from django.forms.models import model_to_dict

    for saya in dua_admin:
        for model, ma in admin.site._registry.items():
            base = f"/admin/{ma.opts.app_label}/{ma.opts.model_name}/"
            asing = sorted(bukan_milik(model, saya.puskesmas.pk), key=str)
            sebelum = {pk: model_to_dict(model._default_manager.get(pk=pk)) for pk in asing}
            for pk in asing:
                r = saya.client.post(f"{base}{pk}/delete/", {"post": "yes"})
                assert r.status_code in (302, 403, 404), (base, pk, r.status_code)
                r = saya.client.post(f"{base}{pk}/change/", {"nama": "diambil alih"})
                assert r.status_code in (302, 403, 404), (base, pk, r.status_code)
            if asing:
                saya.client.post(
                    base,
                    {"action": "delete_selected", "_selected_action": asing, "post": "yes"},
                )
            for pk in asing:
                baris = model._default_manager.filter(pk=pk).first()
                assert baris is not None, f"{base}{pk} terhapus oleh {saya.user}"
                assert model_to_dict(baris) == sebelum[pk], f"{base}{pk} diubah oleh {saya.user}"


def test_the_district_operator_sees_both_puskesmas_in_the_same_pages(dua_admin):
    operator = User.objects.get(username="admin")  # superuser in the demo
    c = Client()
    c.force_login(operator)
    for url in ("/admin/auth/user/", "/admin/axes/accessattempt/", "/admin/downtime/entrireplay/"):
        teks = c.get(url).content.decode()
        assert "admin_tetangga" in teks or "Tetangga" in teks or "loket_tetangga" in teks, url
    assert c.get("/admin/auth/group/").status_code == 200
