"""Reference rows cached per process: API tokens with their officer, signed-in users, officers,
units, lokets, each Puskesmas' integration settings and its declared downtime.

They change a few times a year but were loaded on every request (issue 15). Each process keeps
them in a dict only while the shared *generation* in the Django cache (Redis) is the one they
were loaded under, and for at most RUJUKAN_GENERASI_DETIK seconds (default 300). A row loaded
from the database is also put in Redis under its generation, so the other processes (gunicorn's
workers, other hosts) take it from there instead of each running the query. Any save or delete
of such a row — in any process — writes a new generation, so a revoked token, a deactivated
user or a closed unit is refused on the next request everywhere. With Redis down the
generation cannot be read: what was loaded before is dropped, rows loaded meanwhile are
trusted for RUJUKAN_CACHE_DETIK seconds (default 10) only, and the process starts a new
generation when Redis answers again (a change saved meanwhile could not).

Scoping: every lookup is keyed by the caller's Puskesmas id as well as the row's id, and the
loaded row's own puskesmas_id is checked, so a cache can never serve another Puskesmas' row.
Callers get their own copies (unpickled): a request may change its objects without
touching anyone else's.
The cached Puskesmas defers `rm_terakhir`, so an accidental `save()` of it can never write a
stale medical-record counter back (Django saves only the loaded fields).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

KUNCI_GENERASI = "rujukan:generasi"
_TIDAK_ADA = object()  # a cached "no such row": a wrong id is not a query per request either

_kunci = threading.Lock()
_isi: dict[tuple, tuple[float, str, Any]] = {}
_dibaca: tuple[float, str | None] | None = None  # (when, generation) last read from the cache
# Redis could not be read (or a change could not start a new generation): when it answers
# again this process starts a new generation, so no row cached before (here, or shared in
# Redis under the old generation) outlives a change made meanwhile.
_perlu_baru = False


def _umur_maks() -> float:
    return float(getattr(settings, "RUJUKAN_CACHE_DETIK", 10.0))


def _umur_generasi() -> float:
    """How long a row loaded under the current generation is kept while that generation holds.
    Every save or delete starts a new one (seen within RUJUKAN_CEK_DETIK), so this only bounds
    memory and a change made behind the ORM's back; the short RUJUKAN_CACHE_DETIK bounds what
    is trusted while the generation cannot be read. With 10 s for both, at ten districts each
    web process re-read every token, officer and unit list every 10 s: most API and page
    requests paid a reload (bench/README.md, district.py)."""
    return max(float(getattr(settings, "RUJUKAN_GENERASI_DETIK", 300.0)), _umur_maks())


def _generasi() -> str | None:
    """The shared generation, created when missing (a flushed cache is a new generation).
    Read from Redis at most every RUJUKAN_CEK_DETIK (default 1 s) per process: a change made
    in another process is seen within that, one made in this process at once (see ubah)."""
    global _dibaca, _perlu_baru
    sekarang = time.monotonic()
    if _dibaca is not None and sekarang - _dibaca[0] < float(
        getattr(settings, "RUJUKAN_CEK_DETIK", 1.0)
    ):
        return _dibaca[1]
    g = cache.get(KUNCI_GENERASI)
    if g is not None and _perlu_baru:
        g = _generasi_baru()
        _perlu_baru = g is None
    if g is None:
        cache.add(KUNCI_GENERASI, uuid.uuid4().hex, None)
        g = cache.get(KUNCI_GENERASI)
    if g is None:
        # Redis is down: a change saved meanwhile cannot start a new generation, so what was
        # loaded under the old one must not be trusted again when Redis comes back with it.
        _perlu_baru = True
        with _kunci:
            for k in [k for k, v in _isi.items() if v[1]]:
                del _isi[k]
    _dibaca = (sekarang, g)
    return g


def generasi() -> str:
    """The current generation ("" when Redis cannot tell), for keys of what is rendered from
    these rows and cached under another version (the hall TV's fragment shows unit names)."""
    return _generasi() or ""


def _generasi_baru() -> str | None:
    """Start a new generation; the one now in force, or None when Redis did not answer (any
    answer will do: another process may have started one at the same moment)."""
    cache.set(KUNCI_GENERASI, uuid.uuid4().hex, None)
    return cache.get(KUNCI_GENERASI)


def _kunci_bersama(generasi: str, kunci: tuple) -> str:
    # Hashed: a lookup key holds spaces and quotes, which a cache key should not.
    return f"rujukan:{generasi}:{hashlib.blake2b(repr(kunci).encode(), digest_size=16).hexdigest()}"


def _umur_kunci(kunci: tuple) -> float:
    """This key's lifetime under a generation: 80-100% of RUJUKAN_GENERASI_DETIK, fixed per key
    (the same in every process). The rows a morning's first requests load would otherwise all
    expire in the same second, and every process reload them at once."""
    bagian = int.from_bytes(hashlib.blake2b(repr(kunci).encode(), digest_size=8).digest()) / 2**64
    return max(_umur_generasi() * (1.0 - 0.2 * bagian), _umur_maks())


def ambil(kunci: tuple, muat: Callable[[], T | None]) -> T | None:
    """The cached value for `kunci`, loading it with `muat()` when absent or stale."""
    if _umur_maks() <= 0:
        return muat()
    generasi = _generasi()
    sekarang = time.monotonic()
    # (loaded at, generation or "" when unreadable, pickled value, this key's lifetime)
    ada = _isi.get(kunci)
    if ada is not None and generasi is not None and ada[1] == generasi:
        segar = sekarang - ada[0] < ada[3]
    else:  # Redis down: only what was loaded while it was down, for the short lifetime
        segar = ada is not None and generasi is None and ada[1] == ""
        segar = segar and sekarang - ada[0] < _umur_maks()
    if segar:
        nilai = ada[2]
    elif generasi is not None and (bersama := _dari_bersama(generasi, kunci)) is not None:
        # Another process loaded it under this generation: a Redis read instead of a query and
        # the ORM's CPU, once per process (gunicorn's workers, each host) instead of per row.
        umur, nilai, hidup = bersama
        with _kunci:
            _isi[kunci] = (sekarang - umur, generasi, nilai, hidup)
    else:
        dimuat = muat()
        # Kept pickled: unpickling (C code) gives each caller its own objects far faster than
        # copy.deepcopy walks a model graph.
        nilai = _TIDAK_ADA if dimuat is None else pickle.dumps(dimuat, pickle.HIGHEST_PROTOCOL)
        hidup = _umur_kunci(kunci)
        with _kunci:
            _isi[kunci] = (sekarang, generasi or "", nilai, hidup)
        if generasi is not None:
            cache.set(
                _kunci_bersama(generasi, kunci),
                (time.time(), b"" if nilai is _TIDAK_ADA else nilai),
                int(hidup) + 1,
            )
        return dimuat
    return None if nilai is _TIDAK_ADA else pickle.loads(nilai)


def _dari_bersama(generasi: str, kunci: tuple) -> tuple[float, Any, float] | None:
    """(age in seconds, pickled value or _TIDAK_ADA, the key's lifetime) of the copy shared in
    Redis under this generation, if one is there and younger than that lifetime."""
    bersama = cache.get(_kunci_bersama(generasi, kunci))
    if bersama is None:
        return None
    dimuat_pada, nilai = bersama
    umur = max(0.0, time.time() - dimuat_pada)
    hidup = _umur_kunci(kunci)
    if umur >= hidup:
        return None
    return umur, (_TIDAK_ADA if nilai == b"" else nilai), hidup


def ubah(**kwargs: Any) -> None:
    """Something cached changed: forget it here and start a new generation everywhere, now
    and again once the change commits."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # every login saves the user; nothing we cache depends on that column
    if "setting" in kwargs and kwargs["setting"] not in ("CACHES", "RUJUKAN_CACHE_DETIK"):
        return
    _lupakan()
    if "setting" in kwargs:
        # Only this process's copies are stale (tests switch caches). Writing the generation
        # here would build a backend for the settings being restored, with a connection pool
        # nobody closes: a socket leaked per test.
        return
    _mulai_generasi()
    # Once more after the commit: between this save and its commit another process may load
    # the row as it was, under the generation just started, and share it for minutes (a
    # declared downtime is one row for all thirty lokets). Outside a transaction the save has
    # committed already.
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_setelah_commit, robust=True)


def _mulai_generasi() -> None:
    global _perlu_baru
    if _generasi_baru() is None:
        _perlu_baru = True  # Redis is down: the new generation is started when it answers


def _lupakan() -> None:
    """Drop this process's copies and its reading of the generation."""
    global _dibaca
    with _kunci:
        _isi.clear()
        _dibaca = None


def _setelah_commit() -> None:
    _lupakan()
    _mulai_generasi()


# --- The lookups -----------------------------------------------------------------------------


def token_api(hash_: str):
    """The active ApiToken with this hash, with user → petugas → puskesmas and loket loaded."""
    from .models import ApiToken

    def muat():
        return (
            ApiToken.objects.aktif()
            .select_related("user__petugas__puskesmas", "user__petugas__loket")
            .defer("user__petugas__puskesmas__rm_terakhir")
            .filter(hash=hash_)
            .first()
        )

    return ambil(("token", hash_), muat)


def petugas_user(user_id: int):
    """The Petugas of a user, with its Puskesmas and loket, or None for a non-officer."""
    from .models import Petugas

    def muat():
        return (
            Petugas.objects.select_related("puskesmas", "loket")
            .defer("puskesmas__rm_terakhir")
            .filter(user_id=user_id)
            .first()
        )

    return ambil(("petugas", user_id), muat)


def pengguna(user_id: int):
    """The user with this id (active or not: the auth backend decides), or None. Read by every
    signed-in page and htmx request (puskesmas.backends); a password change, deactivation or
    any other save of the user starts a new generation, so the next request sees it."""

    def muat():
        return get_user_model()._default_manager.filter(pk=user_id).first()

    return ambil(("pengguna", user_id), muat)


def loket(puskesmas_id: int, loket_id: int):
    """An active loket of this Puskesmas, or None."""
    from .models import Loket

    def muat():
        return Loket.objects.filter(pk=loket_id, puskesmas_id=puskesmas_id, aktif=True).first()

    hasil = ambil(("loket", puskesmas_id, loket_id), muat)
    return hasil if hasil is not None and hasil.puskesmas_id == puskesmas_id else None


def puskesmas_layar(kunci_display: str):
    """The Puskesmas of a TV display key, or None. The TV's version URL, stream and fragment
    are asked for by every hall display all day; a changed key (post_save) stops the old
    one everywhere on the next request, as for a revoked token."""
    from .models import Puskesmas

    def muat():
        return Puskesmas.objects.defer("rm_terakhir").filter(kunci_display=kunci_display).first()

    hasil = ambil(("layar", kunci_display), muat)
    return hasil if hasil is not None and hasil.kunci_display == kunci_display else None


def unit_puskesmas(puskesmas_id: int) -> list:
    """Every unit of a Puskesmas (active or not) with its klaster, in registration order."""
    from antrean.models import UnitLayanan

    def muat():
        # The cluster's Puskesmas restated: without it PostgreSQL may join by scanning every
        # cluster of the deployment (tests/test_kinerja_tenant.py), and on Citus the join stays
        # on one shard.
        return list(
            UnitLayanan.objects.filter(
                puskesmas_id=puskesmas_id, klaster__puskesmas_id=puskesmas_id
            ).select_related("klaster")
        )

    units = ambil(("unit", puskesmas_id), muat) or []
    return [u for u in units if u.puskesmas_id == puskesmas_id]


def unit(puskesmas_id: int, unit_id: int):
    """One unit of a Puskesmas (active or not) with its klaster, or None: the registration
    paths name one unit, and unpickling the whole list for it was ~0.19 ms where one unit is
    ~0.04 ms. Built from unit_puskesmas' rows (no query of its own), kept as one pickle per
    unit, and invalidated with it (the same generation)."""

    def muat():
        return {
            u.pk: pickle.dumps(u, pickle.HIGHEST_PROTOCOL) for u in unit_puskesmas(puskesmas_id)
        }

    try:
        data = (ambil(("unit-satu", puskesmas_id), muat) or {}).get(int(unit_id))
    except (TypeError, ValueError):
        return None
    u = None if data is None else pickle.loads(data)
    return u if u is not None and u.puskesmas_id == puskesmas_id else None


def loket_puskesmas(puskesmas_id: int) -> list:
    """Every loket of a Puskesmas (active or not): a replayed batch names its lokets by code."""
    from .models import Loket

    def muat():
        return list(Loket.objects.filter(puskesmas_id=puskesmas_id).order_by("pk"))

    lokets = ambil(("loket-puskesmas", puskesmas_id), muat) or []
    return [lk for lk in lokets if lk.puskesmas_id == puskesmas_id]


def pengaturan_integrasi(puskesmas_id: int):
    """The Puskesmas' PengaturanIntegrasi row, or None. Read by both bridges' subscribers on
    every registration (integrasi.selectors decides what it means); saved a few times a year."""
    from integrasi.models import PengaturanIntegrasi

    def muat():
        return PengaturanIntegrasi.objects.filter(puskesmas_id=puskesmas_id).first()

    hasil = ambil(("integrasi", puskesmas_id), muat)
    return hasil if hasil is not None and hasil.puskesmas_id == puskesmas_id else None


def downtime_deklarasi(puskesmas_id: int, loket_id: int | None):
    """The declared downtime in force for this loket: the whole Puskesmas' first, else the
    loket's own (as downtime.selectors.downtime_aktif), or None. Asked by every online
    registration; an admin declares or ends one a few times a year, and that save starts a new
    generation (see _ubah_downtime). Cached per Puskesmas, not per loket: one row (nearly always
    "none") for its thirty lokets, so a morning's first registrations load it once, not once
    per loket (bench/district.py: a tenth of the web CPU at ten districts' start)."""
    from downtime.models import EpisodeDowntime, JenisEpisode

    def muat():
        return (
            list(
                EpisodeDowntime.objects.filter(
                    puskesmas_id=puskesmas_id, jenis=JenisEpisode.DEKLARASI, selesai__isnull=True
                )
                .select_related("loket")
                .order_by("-mulai")
            )
            or None
        )  # "none in force" is stored as a miss: nothing to unpickle per request

    semua: list[EpisodeDowntime] | None = ambil(("downtime", puskesmas_id), muat)
    if not semua:
        return None
    cocok = [
        e for e in semua if e.puskesmas_id == puskesmas_id and e.jenis == JenisEpisode.DEKLARASI
    ]
    return next((e for e in cocok if e.loket_id is None), None) or next(
        (e for e in cocok if loket_id is not None and e.loket_id == loket_id), None
    )


def _ubah_downtime(instance: Any = None, **kwargs: Any) -> None:
    # Lokets report their own offline spells (other kinds) all day long; only a declaration
    # changes what downtime_deklarasi answers.
    from downtime.models import JenisEpisode

    if instance is None or instance.jenis == JenisEpisode.DEKLARASI:
        ubah(**kwargs)


def pasang_petugas(user: Any) -> Any:
    """Attach the cached Petugas to a signed-in user, so `user.petugas` (access helpers, the
    page header, the audit log) costs no query. Returns the Petugas or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache_field = user._state.fields_cache
    if "petugas" in cache_field:
        return cache_field["petugas"]
    petugas = petugas_user(user.pk)
    if petugas is not None:
        petugas.user = user  # the same object both ways: no second load of the user
    cache_field["petugas"] = petugas
    return petugas


def _sambungkan() -> None:
    from django.core.signals import setting_changed

    from antrean.models import Klaster, UnitLayanan

    # Another cache (each test gets a fresh one) is another generation.
    setting_changed.connect(ubah, dispatch_uid="rujukan-setting")

    from downtime.models import EpisodeDowntime
    from integrasi.models import PengaturanIntegrasi

    from .models import ApiToken, Loket, Petugas, Puskesmas

    for model in (
        Puskesmas,
        Loket,
        Petugas,
        UnitLayanan,
        Klaster,
        ApiToken,
        PengaturanIntegrasi,
        get_user_model(),
    ):
        post_save.connect(ubah, sender=model, dispatch_uid=f"rujukan-{model._meta.label}-s")
        post_delete.connect(ubah, sender=model, dispatch_uid=f"rujukan-{model._meta.label}-d")
    post_save.connect(_ubah_downtime, sender=EpisodeDowntime, dispatch_uid="rujukan-downtime-s")
    post_delete.connect(_ubah_downtime, sender=EpisodeDowntime, dispatch_uid="rujukan-downtime-d")
