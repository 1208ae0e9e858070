"""The set-wise path of a replayed batch: what is plainly known is decided in Python from a few
reads of the whole batch, then written with bulk inserts; everything else goes the per-entry way.

`Rencana.baca` reads once for the batch: the client UUIDs already stored (as entries or as
online visits), the returning patients named by id / No. RM, the patients holding the batch's
NIKs and BPJS cards, earlier entries of the same new patient (`pasien_uuid`), the open visits of
those patients on the entries' days, and the offline-number ledger (blocks, `NomorLuring`,
tickets). `putuskan` then takes one entry at a time, in the batch's order, and either returns a
`Siap` (created or attached with a patient and a number known, a duplicate of a visit kept
in this batch or stored, or a review: a NIK or card held by someone else, a mother's NIK) or
None: the entry goes through `entri.replay_entri`, the reference path, unchanged. None is the
answer for anything that is not plain: unreadable or rejected data, a patient without NIK
(whose look-alike check needs `pasien_buat`'s lock), a time outside the replay window, a lost online
answer, a paper `sudah_dilayani` entry, an offline number that is not clearly this entry's (or
one carried by a duplicate), and any identity an earlier per-entry entry of the batch touched
(its writes are not in the reads).

`tulis` writes a run of `Siap` entries in one transaction: the same rows, in the same
transaction, as the per-entry path writes for them (NomorLuring, patients with their No. RM and
audit rows, visits with the domain event whose subscribers write the outbox rows, tickets with
their log, the EntriReplay rows), with one counter statement per unit and day for the numbers.
Under the Puskesmas row lock (`pendaftaran.services._tahan_identitas`'s lock) it looks again for
the new patients' NIKs and cards; the unique constraints (visit per patient/unit/day, client
UUID, ticket number, offline number) have the last word. Any conflict rolls the whole run back
(`Mundur`, IntegrityError) and the caller replays those entries one by one: each entry is stored
whole or not at all.
"""

from __future__ import annotations

import bisect
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db import DatabaseError, transaction
from django.db.models import IntegerField, Q, Value
from django.utils import timezone

from antrean import live
from antrean.models import StatusTiket, Tiket, TiketRiwayat, UnitLayanan
from antrean.selectors import unit_aktif
from antrean.services import nomor_berikutnya_banyak, tiket_baru
from audit.services import baris, catat_banyak
from config.security import JsonTerlaluRumit
from config.sisip import buat, sisip_banyak
from integrasi import peristiwa
from pendaftaran.dedupe import nama_kunci, normalisasi_nama
from pendaftaran.models import Kunjungan, Pasien, StatusKunjungan
from pendaftaran.nama import sama as nama_sama
from pendaftaran.services import kunjungan_baru
from pendaftaran.validasi import validasi_kunjungan
from puskesmas.models import Puskesmas
from puskesmas.services import no_rm_berikutnya_banyak

from .. import services
from ..models import BlokNomorOffline, EntriReplay, NomorLuring, StatusEntri, SumberEntri
from .entri import (
    SUMBER,
    EpisodeUntuk,
    Tinjau,
    entri_baru,
    hasil_json,
    tinjau_ibu,
    tinjau_nik_kartu,
    tinjau_orang_lain,
)
from .urai import Urai, _periksa_waktu, _uuid, entri_bersih, urai_entri, urai_waktu

Aksi = TiketRiwayat.Aksi
logger = logging.getLogger(__name__)


class Mundur(Exception):
    """The run cannot be written as planned (the database changed since the reads): roll it
    back and replay its entries one by one."""


@dataclass
class Siap:
    """An entry whose outcome is known: created or attached, visit and ticket to write."""

    i: int
    entri: EntriReplay  # unsaved, its outcome filled in
    unit: UnitLayanan
    # Unsaved when the entry creates it (shared by later entries of the batch); None for review.
    pasien: Pasien | None
    baru: bool  # this entry creates `pasien`
    data_kunjungan: object
    tanggal: date
    waktu: datetime
    nomor: int | None = None  # the offline number kept, or None: the next online number
    catat_nomor: bool = False  # the offline number is not in NomorLuring yet
    blok: BlokNomorOffline | None = None
    # A duplicate: the open visit kept (a planned entry of this batch, or a stored visit and its
    # first ticket); nothing is written for it but its EntriReplay row.
    dup: Siap | Kunjungan | None = None
    tiket_dup: Tiket | None = None
    tiket: Tiket | None = None  # the ticket written for this entry
    # In review (a NIK or card held by another person): nothing is written but its EntriReplay.
    tinjau: bool = False


def _kunci_pasien(p: Pasien) -> tuple:
    return ("pk", p.pk) if p.pk else ("obj", id(p))


class Rencana:
    def __init__(self) -> None:
        self.bersih: dict[int, dict] = {}
        self.tersimpan: set[uuid.UUID] = set()
        self.ulang: dict[uuid.UUID, EntriReplay] = {}
        self.tiket_ulang: dict[int, Tiket] = {}
        self.dilihat: set[uuid.UUID] = set()
        self.oleh_nik: dict[str, Pasien] = {}
        self.oleh_kartu: dict[str, Pasien] = {}
        self.oleh_uuid: dict[uuid.UUID, Pasien] = {}
        # (pasien key, unit id, day) → the open visit there: planned in this batch or stored.
        self.terbuka: dict[tuple, Siap | Kunjungan] = {}
        self.blok: list[BlokNomorOffline] = []
        self.nomor_luring: dict[tuple, uuid.UUID | None] = {}
        self.nomor_tiket: set[tuple] = set()
        # Identities an entry of this batch replayed one by one has touched: its writes are not
        # in the reads above, so later entries sharing one go the per-entry way too.
        self.tercemar: set[tuple] = set()
        # The zone the days are counted in, looked up once (timezone.localdate asks per call).
        self.zona = timezone.get_current_timezone()

    @classmethod
    def baca(cls, entri: list, *, puskesmas: Puskesmas, cache: dict) -> Rencana:
        r = cls()
        cu: set[uuid.UUID] = set()
        pk: set[int] = set()
        rm: set[str] = set()
        nik: set[str] = set()
        kartu: set[str] = set()
        puu: set[uuid.UUID] = set()
        hari: set[date] = {timezone.localdate()}
        nomor: set[int] = set()
        for i, raw in enumerate(entri):
            if not isinstance(raw, dict):
                continue
            try:
                p = entri_bersih(raw)  # before anything recursive touches it
            except JsonTerlaluRumit:
                continue
            r.bersih[i] = p
            if (c := _uuid(p.get("client_uuid"))) is not None:
                cu.add(c)
            t = urai_waktu(p.get("dibuat_klien"))
            if t is not None:
                hari.add(t.astimezone(r.zona).date())
            n = p.get("nomor_antrean")
            if isinstance(n, int) and not isinstance(n, bool):
                nomor.add(n)
            ps = p.get("pasien")
            if not isinstance(ps, dict):
                continue
            if isinstance(ps.get("id"), int | str) and str(ps["id"]).isdigit():
                pk.add(int(ps["id"]))
            elif isinstance(ps.get("no_rm"), str) and ps["no_rm"].strip().isdigit():
                rm.add(ps["no_rm"].strip().zfill(6))
            for kolom, ke in (("nik", nik), ("no_bpjs", kartu)):
                if isinstance(ps.get(kolom), str) and ps[kolom].strip():
                    ke.add(ps[kolom].strip())
            if (c := _uuid(ps.get("client_uuid"))) is not None:
                puu.add(c)
        if cu:
            # A re-sent entry is answered from its stored row, with its tickets read at once.
            # Which are stored first (a narrow read): the rows themselves only when some are,
            # a third of the CPU of reading them with their joins for a batch of new entries.
            # Entries and online visits holding these UUIDs in one statement (a visit's own
            # Puskesmas does not matter: its UUID is taken either way). Unordered: SQLite
            # refuses an ORDER BY (the models' default) inside a compound statement.
            ini = set()
            for c, pkm in (
                EntriReplay.objects.filter(client_uuid__in=cu)
                .order_by()
                .values_list("client_uuid", "puskesmas_id")
                .union(
                    Kunjungan.objects.filter(client_uuid__in=cu)
                    .order_by()
                    .values_list("client_uuid", Value(None, output_field=IntegerField())),
                    all=True,
                )
            ):
                r.tersimpan.add(c)
                if pkm == puskesmas.pk:
                    ini.add(c)
            if ini:
                for e in EntriReplay.objects.filter(
                    client_uuid__in=ini, puskesmas=puskesmas
                ).select_related("pasien", "kunjungan__unit", "kunjungan_dipertahankan__loket"):
                    r.ulang[e.client_uuid] = e
            kid = {e.kunjungan_id for e in r.ulang.values()}
            kid |= {e.kunjungan_dipertahankan_id for e in r.ulang.values()}
            kid.discard(None)
            if kid:
                for t in Tiket.objects.filter(kunjungan_id__in=kid).order_by("dibuat_pada", "pk"):
                    r.tiket_ulang.setdefault(t.kunjungan_id, t)
        dikenal: dict[int, Pasien] = {}
        if pk or rm or nik or kartu:
            # The returning patients (by id / No. RM) and the holders of the batch's NIKs and
            # cards, in one read.
            for p in Pasien.objects.filter(
                Q(pk__in=pk) | Q(no_rm__in=rm) | Q(nik__in=nik) | Q(no_bpjs__in=kartu),
                puskesmas=puskesmas,
            ):
                dikenal[p.pk] = p
                if p.nik in nik:
                    r.oleh_nik[p.nik] = p
                if p.no_bpjs in kartu:
                    r.oleh_kartu[p.no_bpjs] = p
            per_rm = {p.no_rm: p for p in dikenal.values()}
            # urai_entri reads these keys from the batch cache instead of one query each.
            for k in pk:
                cache[("pasien", k)] = dikenal.get(k)
            for k in rm:
                cache[("no_rm", k)] = per_rm.get(k)
        if puu:
            for e in (
                EntriReplay.objects.filter(
                    puskesmas=puskesmas, pasien_uuid__in=puu, pasien__isnull=False
                )
                .select_related("pasien")
                .order_by("pk")
            ):
                r.oleh_uuid.setdefault(e.pasien_uuid, dikenal.setdefault(e.pasien_id, e.pasien))
        if dikenal:
            for k in (
                Kunjungan.objects.filter(pasien_id__in=dikenal, tanggal__in=hari)
                .exclude(status=StatusKunjungan.BATAL)
                .select_related("unit", "loket")
            ):
                k.pasien = dikenal[k.pasien_id]  # just read: no join to read it again
                r.terbuka[(("pk", k.pasien_id), k.unit_id, k.tanggal)] = k
            ada = [k.pk for k in r.terbuka.values()]
            for t in Tiket.objects.filter(kunjungan_id__in=ada).order_by("dibuat_pada", "pk"):
                r.tiket_ulang.setdefault(t.kunjungan_id, t)
        if nomor:
            r.blok = list(
                BlokNomorOffline.objects.filter(loket__puskesmas=puskesmas, tanggal__in=hari)
            )
            r.nomor_luring = {
                (u, t, n): c
                for u, t, n, c in NomorLuring.objects.filter(
                    puskesmas=puskesmas, tanggal__in=hari, nomor__in=nomor
                ).values_list("unit_id", "tanggal", "nomor", "client_uuid")
            }
            r.nomor_tiket = set(
                Tiket.objects.filter(
                    unit__puskesmas=puskesmas, tanggal__in=hari, nomor__in=nomor
                ).values_list("unit_id", "tanggal", "nomor")
            )
        return r

    # --- deciding one entry --------------------------------------------------------------

    def jawaban_ulang(self, i: int) -> dict | None:
        """The stored answer of an entry sent before (replay_entri's idempotent path), or None."""
        p = self.bersih.get(i)
        cu = _uuid(p.get("client_uuid")) if p is not None else None
        if cu is None or cu not in self.ulang or cu in self.dilihat:
            return None
        self.dilihat.add(cu)
        return hasil_json(self.ulang[cu], ulang=True, tiket_pertama=self.tiket_ulang)

    def _identitas(self, p: dict) -> set[tuple]:
        ps = p.get("pasien") if isinstance(p.get("pasien"), dict) else {}
        ids = {("nomor", p.get("nomor_antrean"))} if p.get("nomor_antrean") else set()
        for kolom in ("nik", "no_bpjs", "client_uuid", "id", "no_rm"):
            v = ps.get(kolom)
            if v not in (None, ""):
                v = str(v).strip()
                ids.add((kolom, v.zfill(6) if kolom == "no_rm" else v))
        return ids

    def cemari(self, i: int, hasil: dict) -> None:
        """Entry `i` was replayed one by one: keep later entries off what it touched."""
        if (c := _uuid(hasil.get("client_uuid"))) is not None:
            self.dilihat.add(c)
        if hasil.get("ulang"):
            return  # answered from its stored row (a UUID sent twice): it wrote nothing
        p = self.bersih.get(i)
        if p is not None:
            self.tercemar |= self._identitas(p)
        if isinstance(hasil.get("pasien"), dict):
            self.tercemar.add(("pk", hasil["pasien"]["id"]))

    def putuskan(
        self,
        i: int,
        *,
        puskesmas: Puskesmas,
        pengirim,
        sumber: str,
        loket_batch,
        episode_untuk: EpisodeUntuk,
        cache: dict,
    ) -> Siap | None:
        p = self.bersih.get(i)
        if p is None:
            return None
        cu = _uuid(p.get("client_uuid"))
        if cu is None or cu in self.tersimpan or cu in self.dilihat:
            return None
        self.dilihat.add(cu)
        if self._identitas(p) & self.tercemar:
            return None
        if p.get("mode") in SUMBER:
            sumber = p["mode"]
        if sumber not in SUMBER:
            sumber = SumberEntri.OFFLINE
        ctx = {"puskesmas": puskesmas, "pengirim": pengirim, "episode_untuk": episode_untuk}
        u = urai_entri(
            p, puskesmas=puskesmas, loket_batch=loket_batch, pengirim=pengirim, cache=cache
        )
        if u.galat or u.sudah_dilayani or u.unit is None:
            return None
        if not u.unit.aktif or u.dibuat_klien is None or u.data_kunjungan is None:
            return None
        _periksa_waktu(u, puskesmas=puskesmas, cache=cache)
        if u.masalah_waktu:
            return None
        # Which patient: the same order of questions as entri._pasien_untuk.
        baru = False
        status = StatusEntri.DIBUAT
        d = u.data_pasien
        if u.pasien is not None:
            pasien = u.pasien
        elif u.pasien_uuid is not None and u.pasien_uuid in self.oleh_uuid:
            pasien = self.oleh_uuid[u.pasien_uuid]
        elif u.ibu is not None and d is not None:
            return self._tinjau(i, cu, p, u, tinjau_ibu(u.ibu, d), sumber=sumber, **ctx)
        else:
            if d is None or not d.nik or d.tanggal_lahir is None:
                return None  # without NIK: the look-alike check runs under pasien_buat's lock
            oleh_nik = self.oleh_nik.get(d.nik)
            oleh_kartu = self.oleh_kartu.get(d.no_bpjs) if d.no_bpjs else None
            if oleh_nik and oleh_kartu and oleh_nik is not oleh_kartu:
                t = tinjau_nik_kartu(oleh_nik, oleh_kartu)
                return self._tinjau(i, cu, p, u, t, sumber=sumber, **ctx)
            ada = oleh_nik or oleh_kartu
            if ada is not None:
                if ada.tanggal_lahir != d.tanggal_lahir or not nama_sama(d.nama, ada.nama):
                    t = tinjau_orang_lain(ada, d, oleh_nik=ada is oleh_nik)
                    return self._tinjau(i, cu, p, u, t, sumber=sumber, **ctx)
                pasien, status = ada, StatusEntri.DILAMPIRKAN
            else:
                baru = True
                pasien = buat(
                    Pasien,
                    puskesmas=puskesmas,
                    nik=d.nik or None,
                    nik_ibu=d.nik_ibu,
                    no_bpjs=d.no_bpjs or None,
                    nama=d.nama,
                    nama_cari=normalisasi_nama(d.nama),
                    nama_kunci=nama_kunci(d.nama),
                    kunci_identitas="",
                    tanggal_lahir=d.tanggal_lahir,
                    jenis_kelamin=d.jenis_kelamin,
                    alamat=d.alamat,
                    no_hp=d.no_hp,
                    dibuat_oleh=u.petugas,
                )
        if pasien.pk and ("pk", pasien.pk) in self.tercemar:
            return None
        # The visit: kunjungan_daftar's checks, with the entry's (believed) time.
        sekarang = timezone.now()
        tanggal = u.dibuat_klien.astimezone(self.zona).date()
        if validasi_kunjungan(
            u.data_kunjungan,
            jenis_kelamin=pasien.jenis_kelamin,
            no_bpjs=pasien.no_bpjs,
            nik=pasien.nik,
            dibuat_klien=u.dibuat_klien,
            sekarang=sekarang,
        ):
            return None
        kunci_kunjungan = (_kunci_pasien(pasien), u.unit.pk, tanggal)
        tetap = self.terbuka.get(kunci_kunjungan)
        if tetap is not None and u.nomor is not None:
            return None  # a duplicate holding a printed number: the per-entry path
        # The offline number: entri._nomor_milik and entri._nomor, answered from the ledger.
        nomor, catat_nomor, blok = None, False, None
        if u.nomor is not None:
            if u.loket is None:
                return None
            hari = {timezone.localdate(), tanggal}
            calon = [
                b
                for b in self.blok
                if b.loket_id == u.loket.pk
                and b.unit_id == u.unit.pk
                and b.tanggal in hari
                and b.pertama <= u.nomor <= b.terakhir
            ]
            if not calon:
                return None
            blok = max(calon, key=lambda b: b.tanggal)
            kunci_nomor = (u.unit.pk, blok.tanggal, u.nomor)
            pemilik = self.nomor_luring.get(kunci_nomor, False)
            if pemilik is not False and pemilik != cu:
                return None
            if blok.tanggal != tanggal or (u.unit.pk, tanggal, u.nomor) in self.nomor_tiket:
                return None
            nomor, catat_nomor = u.nomor, pemilik is False
        # Known: fill in the entry as entri._set_hasil would, and claim what it takes.
        if tetap is not None:
            status = StatusEntri.DUPLIKAT  # kunjungan_daftar's KunjunganGanda
        entri = entri_baru(
            cu,
            p,
            u,
            puskesmas=puskesmas,
            pengirim=pengirim,
            sumber=sumber,
            status=status,
            status_awal=status,
            pasien=None if baru else pasien,
            diproses_pada=sekarang,
            diselesaikan_pada=sekarang,
        )
        entri.episode = episode_untuk(entri, u)
        if baru:
            self.oleh_nik[pasien.nik] = pasien
            if pasien.no_bpjs:
                self.oleh_kartu[pasien.no_bpjs] = pasien
        if u.pasien_uuid is not None:
            self.oleh_uuid.setdefault(u.pasien_uuid, pasien)
        if nomor is not None:
            self.nomor_luring[(u.unit.pk, tanggal, nomor)] = cu
            self.nomor_tiket.add((u.unit.pk, tanggal, nomor))
        siap = Siap(
            i=i,
            entri=entri,
            unit=u.unit,
            pasien=pasien,
            baru=baru,
            data_kunjungan=u.data_kunjungan,
            tanggal=tanggal,
            waktu=u.dibuat_klien,
            nomor=nomor,
            catat_nomor=catat_nomor,
            blok=blok,
            dup=tetap,
            tiket_dup=self.tiket_ulang.get(tetap.pk) if isinstance(tetap, Kunjungan) else None,
        )
        if tetap is None:
            self.terbuka[kunci_kunjungan] = siap
        return siap

    def _tinjau(
        self,
        i: int,
        cu: uuid.UUID,
        p: dict,
        u: Urai,
        t: Tinjau,
        *,
        sumber: str,
        puskesmas: Puskesmas,
        pengirim,
        episode_untuk: EpisodeUntuk,
    ) -> Siap | None:
        """A review known from the read: entri._jalankan's Tinjau outcome. Not for an entry
        holding an offline number (it is recorded as theirs first, entri._nomor_milik), nor
        against a patient this batch has yet to write (the message quotes its No. RM)."""
        if u.nomor is not None or any(k is None or ("pk", k) in self.tercemar for k in t.kandidat):
            return None
        assert u.unit is not None and u.dibuat_klien is not None
        entri = entri_baru(
            cu,
            p,
            u,
            puskesmas=puskesmas,
            pengirim=pengirim,
            sumber=sumber,
            status=StatusEntri.DITINJAU,
            status_awal=StatusEntri.DITINJAU,
            alasan_tinjau=t.alasan,
            pesan=t.pesan[:300],
            kandidat=t.kandidat,
            diproses_pada=timezone.now(),
        )
        entri.episode = episode_untuk(entri, u)
        return Siap(
            i=i,
            entri=entri,
            unit=u.unit,
            pasien=None,
            baru=False,
            data_kunjungan=u.data_kunjungan,
            tanggal=timezone.localdate(u.dibuat_klien),
            waktu=u.dibuat_klien,
            tinjau=True,
        )

    def setelah_tulis(self, run: list[Siap]) -> None:
        """The run is committed: its new patients have ids now."""
        for s in run:
            if s.dup is None and s.pasien is not None:
                self.terbuka[(("pk", s.pasien.pk), s.unit.pk, s.tanggal)] = s


def _urut(tiket_daring: dict[tuple, tuple[list, list]], kunci: tuple, waktu: datetime) -> int:
    """antrean.services.urut_menurut_waktu from one read: the highest online number issued at
    or before `waktu`."""
    waktu_list, maks = tiket_daring.get(kunci, ([], []))
    j = bisect.bisect_right(waktu_list, waktu)
    return maks[j - 1] if j else 0


def tulis(semua: list[Siap], *, puskesmas: Puskesmas) -> dict[int, dict]:
    """Write a run of known entries in one transaction; return their answers by position."""
    blok_tersentuh: dict[int, BlokNomorOffline] = {}
    run = [s for s in semua if s.dup is None and not s.tinjau]  # the entries that make a visit
    with transaction.atomic():
        # The offline numbers first, as the per-entry path records them before anything else.
        sisip_banyak(
            [
                NomorLuring(
                    puskesmas_id=puskesmas.pk,
                    loket=s.entri.loket,
                    unit=s.unit,
                    tanggal=s.tanggal,
                    nomor=s.nomor,
                    client_uuid=s.entri.client_uuid,
                )
                for s in run
                if s.catat_nomor
            ]
        )
        baru = [s for s in run if s.baru]
        if baru:
            # pasien_buat's lock: no other loket or replay creates a patient until we commit.
            # The No. RM UPDATE takes it: the Puskesmas row FOR NO KEY UPDATE, the mode
            # pasien_buat's select_for_update(no_key=True) takes, so it excludes the other
            # lockers, not the foreign-key checks of other lokets' inserts. The numbers are
            # handed out before the look below; a conflict rolls them back with the run.
            rm = no_rm_berikutnya_banyak(puskesmas=puskesmas, jumlah=len(baru))
            nik = [s.pasien.nik for s in baru]
            kartu = [s.pasien.no_bpjs for s in baru if s.pasien.no_bpjs]
            if Pasien.objects.filter(
                Q(nik__in=nik) | Q(no_bpjs__in=kartu), puskesmas=puskesmas
            ).exists():
                raise Mundur("NIK atau kartu baru saja didaftarkan di tempat lain")
            for s, no_rm in zip(baru, rm, strict=True):
                s.pasien.no_rm = no_rm
            sisip_banyak([s.pasien for s in baru])
        units = unit_aktif(puskesmas=puskesmas)
        kunjungan = [
            kunjungan_baru(
                puskesmas=puskesmas,
                pasien=s.pasien,
                unit=s.unit,
                data=s.data_kunjungan,
                client_uuid=s.entri.client_uuid,
                tanggal=s.tanggal,
                sumber=s.entri.sumber,
                mode_downtime=True,
                oleh=s.entri.petugas,
                loket=s.entri.loket,
                dibuat_klien=s.waktu,
                units=units,
            )
            for s in run
        ]
        sisip_banyak(kunjungan)
        # Numbers after the visits, as kunjungan_daftar takes them (the same lock order as an
        # online registration); one statement per unit and day, units in a fixed order.
        perlu: dict[tuple, list[Siap]] = {}
        for s in run:
            if s.nomor is None:
                perlu.setdefault((s.unit.pk, s.tanggal), []).append(s)
        nomor_baru: dict[int, int] = {}
        for (_, tanggal), daftar in sorted(perlu.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            unit = daftar[0].unit
            for s, n in zip(
                daftar,
                nomor_berikutnya_banyak(unit=unit, tanggal=tanggal, jumlah=len(daftar)),
                strict=True,
            ):
                nomor_baru[s.i] = n
        kunci_hari = {(s.unit.pk, s.tanggal) for s in run}
        tiket_daring: dict[tuple, tuple[list, list]] = {}
        for unit_id, tgl, waktu_masuk, nomor in (
            Tiket.objects.filter(
                unit_id__in={k[0] for k in kunci_hari},
                tanggal__in={k[1] for k in kunci_hari},
                luring=False,
            )
            .order_by("waktu_masuk")
            .values_list("unit_id", "tanggal", "waktu_masuk", "nomor")
        ):
            w, m = tiket_daring.setdefault((unit_id, tgl), ([], []))
            w.append(waktu_masuk)
            m.append(max(nomor, m[-1]) if m else nomor)
        tiket: list[Tiket] = []
        for s, k in zip(run, kunjungan, strict=True):
            unit = k.unit
            nomor = s.nomor if s.nomor is not None else nomor_baru[s.i]
            luring = k.sumber in (SumberEntri.OFFLINE, SumberEntri.SUSULAN)
            tiket.append(
                tiket_baru(
                    kunjungan=k,
                    unit=unit,
                    nomor=nomor,
                    waktu_masuk=s.waktu,
                    urut=_urut(tiket_daring, (unit.pk, k.tanggal), s.waktu) if luring else nomor,
                    luring=luring,
                    oleh=k.petugas,
                )
            )
        sisip_banyak(tiket)
        pada = timezone.now()
        sisip_banyak(
            [
                buat(
                    TiketRiwayat,
                    tiket=t,
                    aksi=Aksi.TERBIT,
                    dari="",
                    ke=StatusTiket.MENUNGGU,
                    oleh=t.dibuat_oleh
                    if getattr(t.dibuat_oleh, "is_authenticated", False)
                    else None,
                    pada=pada,
                )
                for t in tiket
            ]
        )
        # Each bridge (BPJS, SATUSEHAT) writes its outbox rows in this transaction; one that
        # can take the whole run at once (SATUSEHAT) writes them in one statement.
        peristiwa.kunjungan_terdaftar.terbitkan_banyak([{"kunjungan": k} for k in kunjungan])
        audit = []
        for s, k in zip(run, kunjungan, strict=True):
            if s.baru:
                audit.append(
                    baris(user=k.petugas, aksi="pasien_buat", objek=s.pasien, puskesmas=puskesmas)
                )
            audit.append(baris(user=k.petugas, aksi="kunjungan_buat", objek=k, puskesmas=puskesmas))
        catat_banyak(audit)
        if run:
            live.tandai_berubah(puskesmas.pk)
        for s, k, t in zip(run, kunjungan, tiket, strict=True):
            s.entri.pasien = s.pasien
            s.entri.kunjungan = k
            s.tiket = t
        for s in semua:
            if s.tinjau:
                continue
            if s.dup is not None:
                _duplikat(s)
            elif s.entri.status == StatusEntri.DILAMPIRKAN:
                # Here, not when planned: the patient may be one this run has just numbered.
                p = s.pasien
                s.entri.pesan = f"Dilampirkan ke pasien lama {p.nama} (RM {p.no_rm})."[:300]
        sisip_banyak([s.entri for s in semua])
        for s in run:
            if s.blok is not None:
                blok_tersentuh[s.blok.pk] = s.blok
    # A spent mark only (blok_ambil recomputes what is used): outside the run, so the run never
    # holds a block row while it holds the counters.
    for blok in blok_tersentuh.values():
        try:
            services.blok_tandai_jika_habis(blok=blok)
        except DatabaseError:  # the entries are committed; the next blok_ambil marks it
            logger.exception("tanda blok habis %s gagal", blok.pk)
    hasil = {}
    for s in semua:
        k = s.entri.kunjungan or s.entri.kunjungan_dipertahankan
        t = s.tiket if s.dup is None else s.tiket_dup
        hasil[s.i] = hasil_json(s.entri, ulang=False, tiket_pertama={k.pk: t} if t else {})
    return hasil


def _duplikat(s: Siap) -> None:
    """entri._jalankan's KunjunganGanda outcome: the entry points at the visit kept."""
    if isinstance(s.dup, Siap):
        tetap, tiket = s.dup.entri.kunjungan, s.dup.tiket
    else:
        tetap, tiket = s.dup, s.tiket_dup
    s.tiket_dup = tiket
    e = s.entri
    e.pasien = tetap.pasien
    e.kunjungan_dipertahankan = tetap
    e.pesan = (
        f"{tetap.pasien.nama} sudah terdaftar hari ini di {tetap.unit.nama}"
        + (f" dengan nomor {tiket.kode}" if tiket else "")
        + (f" (loket {tetap.loket.kode})." if tetap.loket_id else ".")
    )[:300]
