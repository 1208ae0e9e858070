"""Manual mode as operational commands, and the ledger's episode rules."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from downtime import selectors, services
from downtime.models import EpisodeDowntime, JenisEpisode


def test_downtime_commands_toggle_manual_mode(puskesmas, capsys):
    call_command("downtime_mulai", "--alasan", "pemeliharaan", "--keterangan", "update")
    ep = selectors.downtime_aktif(puskesmas=puskesmas)
    assert ep is not None and ep.keterangan == "update"
    call_command("downtime_mulai", "--alasan", "pemeliharaan")  # again: the same episode
    assert EpisodeDowntime.objects.count() == 1
    call_command("downtime_selesai", "--penyebab", "Update OS", "--perbaikan", "Reboot")
    ep.refresh_from_db()
    assert ep.selesai is not None and ep.penyebab == "Update OS"
    assert selectors.downtime_aktif(puskesmas=puskesmas) is None
    with pytest.raises(CommandError, match="Tidak ada downtime aktif"):
        call_command("downtime_selesai")


def test_downtime_command_for_one_loket_and_unknown_loket(puskesmas):
    call_command("downtime_mulai", "--alasan", "listrik", "--loket", "L2")
    l2 = puskesmas.loket.get(kode="L2")
    assert selectors.downtime_aktif(puskesmas=puskesmas, loket=l2) is not None
    assert (
        selectors.downtime_aktif(puskesmas=puskesmas, loket=puskesmas.loket.get(kode="L1")) is None
    )
    with pytest.raises(CommandError):
        call_command("downtime_mulai", "--alasan", "listrik", "--loket", "L9")


def test_a_declaration_needs_a_known_reason(puskesmas):
    with pytest.raises(services.DowntimeError) as e:
        services.downtime_mulai(puskesmas=puskesmas, alasan="bosan")
    assert "alasan" in e.value.galat


def test_offline_spells_of_one_loket_close_together_are_one_episode(puskesmas):
    loket = puskesmas.loket.get(kode="L1")
    t = timezone.now() - timedelta(hours=3)
    a = services.episode_luring_catat(
        puskesmas=puskesmas, loket=loket, mulai=t, selesai=t + timedelta(minutes=10)
    )
    b = services.episode_luring_catat(
        puskesmas=puskesmas,
        loket=loket,
        mulai=t + timedelta(minutes=11),
        selesai=t + timedelta(minutes=30),
    )
    c = services.episode_luring_catat(
        puskesmas=puskesmas,
        loket=loket,
        mulai=t + timedelta(hours=2),
        selesai=t + timedelta(hours=2, minutes=5),
        jenis=JenisEpisode.SERVER,
    )
    assert a.pk == b.pk != c.pk
    a.refresh_from_db()
    assert a.selesai == t + timedelta(minutes=30)
    assert c.jenis == JenisEpisode.SERVER
    # An ended episode with no entries is reconciled when it ends.
    services.rekonsiliasi_perbarui(episode=a)
    a.refresh_from_db()
    assert a.rekonsiliasi_selesai == a.selesai


def test_an_episode_is_reconciled_only_once_no_entry_waits_and_at_its_last_settled_entry(
    petugas_loket,
):
    from downtime.models import EntriReplay, StatusEntri
    from tests.downtime.conftest import entri, pasien_baru

    pkm, loket = petugas_loket.puskesmas, petugas_loket.loket
    t = timezone.now() - timedelta(hours=3)
    ep = services.episode_luring_catat(
        puskesmas=pkm, loket=loket, mulai=t, selesai=t + timedelta(minutes=30)
    )

    def baris(status, selesai_pada):
        return EntriReplay.objects.create(
            client_uuid=uuid.uuid4(),
            puskesmas=pkm,
            loket=loket,
            episode=ep,
            dibuat_klien=t,
            payload=entri(pasien_baru()),
            status=status,
            status_awal=status,
            diselesaikan_pada=selesai_pada,
        )

    baris(StatusEntri.DIBUAT, t + timedelta(minutes=10))
    menunggu = baris(StatusEntri.DITINJAU, None)
    services.rekonsiliasi_perbarui(episode=ep)
    ep.refresh_from_db()
    assert ep.rekonsiliasi_selesai is None  # an entry still waits for an admin
    # Settled after the episode ended: the mark is that moment, not the episode's end.
    EntriReplay.objects.filter(pk=menunggu.pk).update(
        status=StatusEntri.DIBUAT, diselesaikan_pada=t + timedelta(hours=1)
    )
    services.rekonsiliasi_perbarui(episode=ep)
    ep.refresh_from_db()
    assert ep.rekonsiliasi_selesai == t + timedelta(hours=1)
    # A correction reopens one: the mark is cleared again.
    EntriReplay.objects.filter(pk=menunggu.pk).update(status=StatusEntri.DITOLAK)
    services.rekonsiliasi_perbarui(episode=ep)
    ep.refresh_from_db()
    assert ep.rekonsiliasi_selesai is None
