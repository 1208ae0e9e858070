"""A batch of offline entries: ordering, the downtime episode it belongs to, and the set-wise
path (serentak.py) with the per-entry path (entri.py) behind it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError
from django.utils import timezone

from puskesmas.models import Loket, Puskesmas

from .. import services
from ..models import (
    EntriReplay,
    EpisodeDowntime,
    JenisEpisode,
    SumberEntri,
)
from . import serentak
from .entri import GAGAL_SEMENTARA, replay_entri
from .urai import KUNCI_DEKLARASI, Urai, urai_waktu

logger = logging.getLogger(__name__)

# --- The batch ------------------------------------------------------------------------------


@dataclass
class MetaBatch:
    loket: Loket | None = None
    offline_sejak: datetime | None = None
    online_kembali: datetime | None = None
    jenis: str = JenisEpisode.JARINGAN_LOKET
    jumlah_offline: int | None = None


def _kunci_urut(item: tuple[int, object]):
    i, raw = item
    t = urai_waktu(raw.get("dibuat_klien")) if isinstance(raw, dict) else None
    # Unreadable times go last, in their original order; they will be rejected anyway.
    return (t is None, t or timezone.now(), i)


def replay_batch(
    entri: list,
    *,
    puskesmas: Puskesmas,
    pengirim,
    meta: MetaBatch | None = None,
    sumber: str = SumberEntri.OFFLINE,
) -> tuple[list[dict], bool]:
    """Replay a batch in order of the entries' original time. Returns the outcomes in the
    order sent, and whether every entry was processed (False after a database failure: the
    rest are `gagal_sementara` and should be sent again)."""
    meta = meta or MetaBatch()
    hasil: dict[int, dict] = {}
    episode_luring: list[EpisodeDowntime] = []
    tersentuh: dict[int, EpisodeDowntime] = {}
    episode_id: dict[int, EpisodeDowntime | None] = {}

    def episode_untuk(entri: EntriReplay, u: Urai) -> EpisodeDowntime | None:
        ep = None
        if u.episode_id is not None:
            if u.episode_id not in episode_id:
                episode_id[u.episode_id] = EpisodeDowntime.objects.filter(
                    pk=u.episode_id, puskesmas=puskesmas
                ).first()
            ep = episode_id[u.episode_id]
        if ep is None and u.dibuat_klien is not None:
            ep = _deklarasi_pada(u.loket, u.dibuat_klien)
        if ep is None and entri.sumber == SumberEntri.OFFLINE and u.loket is not None:
            if not episode_luring:
                waktu = [
                    t
                    for t in (
                        urai_waktu(r.get("dibuat_klien")) for r in entri_list if isinstance(r, dict)
                    )
                    if t is not None
                ]
                mulai = meta.offline_sejak or (min(waktu) if waktu else timezone.now())
                selesai = meta.online_kembali or timezone.now()
                episode_luring.append(
                    services.episode_luring_catat(
                        puskesmas=puskesmas,
                        loket=u.loket,
                        mulai=min([mulai, *waktu]),
                        selesai=max([selesai, *waktu]),
                        jenis=meta.jenis,
                        jumlah_offline=meta.jumlah_offline,
                        oleh=pengirim,
                    )
                )
            ep = episode_luring[0] if episode_luring[0].loket_id == u.loket.pk else None
        if ep is not None:
            tersentuh[ep.pk] = ep
        return ep

    # Declared episodes of this Puskesmas, read once per batch: entries made under one join it,
    # and the time check (urai._periksa_waktu) reads its window's share from the same list.
    sejak = timezone.now() - timedelta(days=32)
    deklarasi = list(
        EpisodeDowntime.objects.filter(puskesmas=puskesmas, jenis=JenisEpisode.DEKLARASI)
        .filter(mulai__gte=sejak)
        .order_by("-mulai")
    )

    def _deklarasi_pada(loket: Loket | None, pada: datetime) -> EpisodeDowntime | None:
        for ep in deklarasi:
            if ep.loket_id not in (None, loket.pk if loket else None):
                continue
            if ep.mulai <= pada and (ep.selesai is None or ep.selesai >= pada):
                return ep
        return None

    cache: dict = {KUNCI_DEKLARASI: (sejak, deklarasi)}
    entri_list = list(entri)
    selesai_semua = True
    urutan = sorted(enumerate(entri_list), key=_kunci_urut)
    rencana = (
        serentak.Rencana.baca(entri_list, puskesmas=puskesmas, cache=cache)
        if getattr(settings, "REPLAY_SERENTAK", True)
        else None
    )
    antre: list[serentak.Siap] = []

    def satu(i: int, raw) -> None:
        hasil[i] = replay_entri(
            raw,
            puskesmas=puskesmas,
            pengirim=pengirim,
            sumber=sumber,
            loket_batch=meta.loket,
            episode_untuk=episode_untuk,
            cache=cache,
        )
        if rencana is not None:
            rencana.cemari(i, hasil[i])

    def tulis_antre() -> None:
        """Write the known entries waiting so far, before an entry that needs them in the
        database; when the run cannot be written as planned, replay it one by one."""
        nonlocal rencana
        run = antre[:]
        antre.clear()
        if not run:
            return
        try:
            hasil.update(serentak.tulis(run, puskesmas=puskesmas))
            assert rencana is not None
            rencana.setelah_tulis(run)
            return
        except (serentak.Mundur, IntegrityError):
            logger.info("replay serentak mundur ke per entri (%s entri)", len(run))
        except DatabaseError:
            raise
        except Exception:
            logger.exception("replay serentak gagal; per entri")
        # Nothing of the run was stored; the rest of the batch goes the per-entry way.
        rencana = None
        for s in run:
            satu(s.i, entri_list[s.i])

    try:
        for i, raw in urutan:
            if rencana is not None and (h := rencana.jawaban_ulang(i)) is not None:
                hasil[i] = h
                continue
            if rencana is not None:
                siap = rencana.putuskan(
                    i,
                    puskesmas=puskesmas,
                    pengirim=pengirim,
                    sumber=sumber,
                    loket_batch=meta.loket,
                    episode_untuk=episode_untuk,
                    cache=cache,
                )
                if siap is not None:
                    antre.append(siap)
                    continue
                tulis_antre()
            satu(i, raw)
        tulis_antre()
    except DatabaseError:
        logger.exception("replay batch berhenti setelah %s entri", len(hasil))
        selesai_semua = False
        for j, sisa in urutan:
            if j in hasil:
                continue
            hasil[j] = {
                "client_uuid": str(sisa.get("client_uuid")) if isinstance(sisa, dict) else None,
                "status": GAGAL_SEMENTARA,
                "ulang": False,
                "pesan": "Server sedang bermasalah; entri ini akan dikirim ulang.",
                "galat": {},
            }
    for ep in tersentuh.values():
        try:
            services.rekonsiliasi_perbarui(episode=ep)
        except DatabaseError:
            logger.exception("rekonsiliasi episode %s gagal", ep.pk)
    return [hasil[i] for i in range(len(entri_list))], selesai_semua
