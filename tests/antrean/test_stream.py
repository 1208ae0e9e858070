"""The live-update stream behind the TV and the poli page (antrean/stream.py): blocked on the
Redis channel where there is one, polling the cache where there is none or it is down."""

from __future__ import annotations

import queue
import threading
import time

import pytest
from django.db import transaction
from django.urls import reverse

from antrean import live, services, stream
from tests.conftest import REDIS_URL

pakai_redis = pytest.mark.skipif(not REDIS_URL, reason="the channel needs Redis (REDIS_URL)")


def _baca_acara(resp, keluar: queue.Queue) -> None:
    """Read an event stream in a thread, putting each version (and its arrival time) out."""
    for potong in resp.streaming_content:
        teks = potong.decode() if isinstance(potong, bytes) else potong
        if teks.startswith("event: versi"):
            keluar.put((teks.split("data: ", 1)[1].strip(), time.monotonic()))
    keluar.put((None, time.monotonic()))


def _stream(pkm_id: int, durasi: float) -> queue.Queue:
    keluar: queue.Queue = queue.Queue()
    resp = stream.respons_stream(pkm_id, durasi=durasi)
    assert resp.status_code == 200
    threading.Thread(target=_baca_acara, args=(resp, keluar), daemon=True).start()
    return keluar


def _tunggu_saluran() -> None:
    akhir = time.monotonic() + 5
    while not stream.pengumum.hidup():
        assert time.monotonic() < akhir, "the listener never subscribed"
        time.sleep(0.05)


@pakai_redis
@pytest.mark.django_db(transaction=True)
def test_a_call_reaches_an_open_stream_through_the_channel_within_a_fraction_of_a_second(
    puskesmas, daftar, unit, admin_puskesmas, monkeypatch
):
    daftar()
    _tunggu_saluran()
    dibaca = []
    asli = live.versi
    monkeypatch.setattr(live, "versi", lambda pkm_id: dibaca.append(1) or asli(pkm_id))
    acara = _stream(puskesmas.pk, durasi=3.0)
    awal, _ = acara.get(timeout=2)
    # Idle: the stream waits on the channel; it does not look at the cache ten times a second.
    time.sleep(1.0)
    assert len(dibaca) <= 2
    mulai = time.monotonic()
    services.panggil_berikutnya(unit=unit, oleh=admin_puskesmas.user)
    v, tiba = acara.get(timeout=2)
    assert v != awal and v == live.versi(puskesmas.pk)
    assert tiba - mulai < 0.5, f"{(tiba - mulai) * 1000:.0f} ms"


@pakai_redis
def test_a_stream_wakes_only_for_its_own_puskesmas(puskesmas):
    _tunggu_saluran()
    acara = _stream(puskesmas.pk, durasi=1.5)
    acara.get(timeout=2)
    live._bump(puskesmas.pk + 1000)  # another Puskesmas' change: no event here
    v, _ = acara.get(timeout=3)
    assert v is None  # the stream ended without a second event (heartbeat is 5 s away)


@pytest.mark.django_db(transaction=True)
def test_with_the_channel_down_a_stream_still_delivers_by_polling_the_cache(
    puskesmas, daftar, unit, admin_puskesmas, monkeypatch
):
    """Redis unreachable (or no Redis at all, `make run`): the stream neither hangs nor errors;
    it reads the cache's version on a slower pace and the display keeps up."""
    monkeypatch.setattr(stream.pengumum, "hidup", lambda: False)
    daftar()
    acara = _stream(puskesmas.pk, durasi=3.0)
    awal, _ = acara.get(timeout=2)
    mulai = time.monotonic()
    with transaction.atomic():
        services.panggil_berikutnya(unit=unit, oleh=admin_puskesmas.user)
    v, tiba = acara.get(timeout=3)
    assert v not in (None, awal)
    assert tiba - mulai < stream.INTERVAL_CEK_CADANGAN + 0.5


def test_a_version_never_goes_back_when_two_writers_publish_out_of_order():
    p = stream.Pengumum()
    assert p.catat(7, "200") == "200"
    assert p.catat(7, "100") == "200"  # an older value published late is not a change
    p.terima(b"7:300")
    assert p.tunggu(7, "200", 0) == "300"
    assert p.tunggu(7, "300", 0.01) is None
    p.terima(b"bukan pesan")  # garbage on the channel changes nothing
    assert p.tunggu(7, "300", 0) is None


@pytest.mark.django_db(transaction=True)
def test_behind_the_request_pool_pages_answer_as_before_on_the_pool_threads(
    puskesmas, daftar, monkeypatch, klien_gerbang
):
    benang = []
    asli = stream.respons_versi
    monkeypatch.setattr(
        stream,
        "respons_versi",
        lambda pkm_id, **kw: benang.append(threading.current_thread().name) or asli(pkm_id, **kw),
    )
    c = klien_gerbang
    daftar()
    url = reverse("antrean:tv", args=[puskesmas.kunci_display])
    assert b"A-001" in c.get(url, HTTP_HX_REQUEST="true").content
    assert c.get(reverse("antrean:tv_versi", args=[puskesmas.kunci_display])).json()["v"]
    assert c.get(reverse("antrean:tv_versi", args=["salah"])).status_code == 404
    assert benang and all(n.startswith("permintaan") for n in benang)


def test_a_changed_display_key_stops_the_old_one_at_once_despite_the_cache(client, puskesmas):
    lama = puskesmas.kunci_display
    assert client.get(reverse("antrean:tv_versi", args=[lama])).status_code == 200
    puskesmas.kunci_display = "kunci-baru-untuk-layar"
    puskesmas.save()
    assert client.get(reverse("antrean:tv_versi", args=[lama])).status_code == 404
    baru = reverse("antrean:tv_versi", args=["kunci-baru-untuk-layar"])
    assert client.get(baru).status_code == 200


def test_a_warm_tv_asks_the_database_nothing_for_its_version_or_a_cached_fragment(
    client, puskesmas, django_assert_num_queries
):
    """Every hall display asks several times a minute (and polls every 0.5 s without a stream
    slot): the display key and the rendered fragment come from the caches."""
    versi = reverse("antrean:tv_versi", args=[puskesmas.kunci_display])
    tv = reverse("antrean:tv", args=[puskesmas.kunci_display])
    assert client.get(versi).status_code == 200
    assert client.get(tv, HTTP_HX_REQUEST="true").status_code == 200
    with django_assert_num_queries(0):
        assert client.get(versi).status_code == 200
        assert client.get(tv, HTTP_HX_REQUEST="true").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_call_is_announced_to_the_displays_before_the_subscribers_publish_their_outbox(
    daftar, unit, admin_puskesmas, monkeypatch
):
    """The subscribers' after-commit publishing runs inline on SQLite (a broker message and an
    UPDATE that may wait for the write lock); the TV's signal must not queue behind it."""
    from integrasi import peristiwa

    urutan: list[str] = []
    monkeypatch.setattr(live, "_bump", lambda pkm_id, unit_id=None, **kw: urutan.append("layar"))
    asli = peristiwa.kunjungan_dipanggil.terbitkan

    def terbitkan(**kw):
        asli(**kw)
        transaction.on_commit(lambda: urutan.append("pelanggan"))

    monkeypatch.setattr(peristiwa.kunjungan_dipanggil, "terbitkan", terbitkan)
    tiket = daftar()
    urutan.clear()
    services.panggil_berikutnya(unit=unit, oleh=admin_puskesmas.user)
    services.lewati(tiket=tiket, oleh=admin_puskesmas.user)
    assert urutan == ["layar", "pelanggan", "layar", "pelanggan"]


@pytest.mark.parametrize("kanal", [pytest.param(True, marks=pakai_redis), False])
@pytest.mark.django_db(transaction=True)
def test_a_tv_stream_wakes_for_a_call_but_not_for_a_registration_it_does_not_show(
    kanal, client, puskesmas, daftar, unit, admin_puskesmas, monkeypatch
):
    if kanal:
        _tunggu_saluran()
    else:  # Redis down or absent: the stream polls the TV's version instead
        monkeypatch.setattr(stream.pengumum, "hidup", lambda: False)
    for _ in range(3):
        daftar()
    client.get(reverse("antrean:tv", args=[puskesmas.kunci_display]), HTTP_HX_REQUEST="true")
    keluar: queue.Queue = queue.Queue()
    resp = stream.respons_stream(puskesmas.pk, durasi=4.0, tv=True)
    threading.Thread(target=_baca_acara, args=(resp, keluar), daemon=True).start()
    awal, _ = keluar.get(timeout=2)
    assert awal == live.versi_tv(puskesmas.pk)
    daftar()  # behind the three numbers the TV shows
    with pytest.raises(queue.Empty):
        keluar.get(timeout=1.5)
    services.panggil_berikutnya(unit=unit, oleh=admin_puskesmas.user)
    v, _ = keluar.get(timeout=2)
    assert v not in (None, awal) and v == live.versi_tv(puskesmas.pk)


def test_streams_opened_together_end_spread_over_80_to_120_percent_of_their_lifetime(
    puskesmas, monkeypatch
):
    """Displays that connect in the same second (a restart, the LAN back) must not reconnect
    in the same second ever after: each stream's lifetime is drawn around ANTREAN_SSE_DETIK."""
    monkeypatch.setattr(stream, "SSE_DETIK", 1.0)
    monkeypatch.setattr(stream.pengumum, "hidup", lambda: False)  # no channel needed here
    mulai = time.monotonic()
    keluar = []
    for _ in range(stream.SSE_MAKS):
        resp = stream.respons_stream(puskesmas.pk)
        assert resp.status_code == 200
        q: queue.Queue = queue.Queue()
        threading.Thread(target=_baca_acara, args=(resp, q), daemon=True).start()
        keluar.append(q)
    umur = []
    for q in keluar:
        while (v := q.get(timeout=5))[0] is not None:
            pass
        umur.append(v[1] - mulai)
    assert all(0.78 <= u <= 1.5 for u in umur), umur
    assert max(umur) - min(umur) > 0.02, umur  # not one shared lifetime
