"""Reconciliation: after an attempt that may have reached BPJS, which registration is this
visit's. Never one another of our visits holds (units sharing a PCare poli code, the same card
registered at both); in doubt a person picks on the worklist."""

from __future__ import annotations

from pendaftaran.models import Kunjungan, Penjamin, StatusKunjungan, Sumber

from ..client import BpjsClient, PendaftaranPcare
from ..models import STATUS_SELESAI_OK, PermintaanBpjs, Rantai
from .dasar import J, RekonsiliasiRagu, S, _no_kartu


def _milik_kunjungan_lain(row: PermintaanBpjs) -> tuple[set[str], list[PermintaanBpjs]]:
    """What our other visits of that day hold in PCare: the noUrut values they own (a
    registration not deleted since), and their registrations for the same card and poli whose
    outcome is still unknown (they may own one of the candidates without knowing it yet)."""
    no_kartu = _no_kartu(row)
    kd_poli = row.payload.get("kd_poli")
    lain = (
        PermintaanBpjs.objects.filter(
            puskesmas_id=row.puskesmas_id,
            jenis=J.PENDAFTARAN_ADD,
            kunjungan__tanggal=row.kunjungan.tanggal,
        )
        .exclude(kunjungan_id=row.kunjungan_id)
        .select_related("kunjungan", "setelah")
    )
    dihapus = set(
        PermintaanBpjs.objects.filter(
            setelah__in=lain, jenis=J.PENDAFTARAN_DELETE, status=S.BERHASIL
        ).values_list("setelah_id", flat=True)
    )
    dimiliki: set[str] = set()
    ragu: list[PermintaanBpjs] = []
    for r in lain:
        no_urut = (r.hasil or {}).get("noUrut")
        if no_urut and r.pk not in dihapus:
            dimiliki.add(str(no_urut))
        elif (
            r.ambigu
            and r.status not in (*STATUS_SELESAI_OK, S.DIBATALKAN)
            and r.payload.get("kd_poli") == kd_poli
            and _no_kartu(r) == no_kartu
        ):
            ragu.append(r)
    return dimiliki, ragu


def _cocok(item: PendaftaranPcare, kunjungan: Kunjungan, kd_tkp: str = "10") -> bool:
    """Does a PCare registration carry what we sent for this visit? Fields BPJS leaves empty
    in the day list are not held against it."""
    keluhan = (kunjungan.keluhan or "").strip()
    if item.keluhan and item.keluhan.strip() != keluhan:
        return False
    if item.kunj_sakit is not None and item.kunj_sakit is not True:
        return False
    return not (item.kd_tkp and item.kd_tkp != kd_tkp)


def _cari_di_pcare(client: BpjsClient, row: PermintaanBpjs) -> PendaftaranPcare | None:
    """This visit's registration in the day's PCare list, or None when it has none.

    Never adopts a registration another of our visits holds (two units sharing one PCare poli
    code, the same card registered at both): a candidate must match the card, the poli and
    what we sent (complaint, sick visit, TKP), and must not be a noUrut another visit owns.
    When two candidates remain, or another visit whose outcome is unknown matches the same
    one, it raises RekonsiliasiRagu with the candidates for a person to choose."""
    tgl = row.kunjungan.tanggal
    no_kartu = _no_kartu(row)
    kd_poli = row.payload.get("kd_poli")
    semua: list[PendaftaranPcare] = []
    start, limit = 0, 100
    for _ in range(100):  # 10,000 registrations a day is far beyond any Puskesmas
        halaman = client.pendaftaran_by_tanggal(tgl, start=start, limit=limit)
        semua.extend(i for i in halaman if i.no_kartu == no_kartu and i.kd_poli == kd_poli)
        if len(halaman) < limit:
            break
        start += limit
    if not semua:
        return None
    dimiliki, ragu = _milik_kunjungan_lain(row)
    kandidat = [i for i in semua if i.no_urut not in dimiliki and _cocok(i, row.kunjungan)]
    if not kandidat:
        return None
    saingan = [r for r in ragu if any(_cocok(i, r.kunjungan) for i in kandidat)]
    if len(kandidat) == 1 and not saingan:
        return kandidat[0]
    daftar = "; ".join(
        f"{i.no_urut} ({i.nm_poli or i.kd_poli}, keluhan \u201c{i.keluhan or '-'}\u201d)"
        for i in kandidat
    )
    lain = ", ".join(f"{r.kunjungan.unit.nama} #{r.kunjungan_id}" for r in saingan)
    galat = RekonsiliasiRagu(
        f"Tidak pasti pendaftaran PCare mana milik kunjungan ini: {daftar}"
        + (f"; kunjungan lain yang belum pasti: {lain}" if lain else "")
        + ". Pilih nomor yang benar di worklist, agar tidak mengambil pendaftaran pasien lain."
    )
    galat.kode = "rekonsiliasi_ragu"  # type: ignore[attr-defined]
    galat.data = {  # type: ignore[attr-defined]
        "kandidat": [
            {"noUrut": i.no_urut, "nmPoli": i.nm_poli, "keluhan": i.keluhan, "status": i.status}
            for i in kandidat
        ],
        "kunjungan_lain": [r.kunjungan_id for r in saingan],
    }
    raise galat


def _pendaftaran_pemegang(row: PermintaanBpjs) -> PermintaanBpjs | None:
    """Another visit of ours that holds a PCare registration today for this card and poli."""
    no_kartu = _no_kartu(row)
    for r in (
        PermintaanBpjs.objects.filter(
            puskesmas_id=row.puskesmas_id,
            jenis=J.PENDAFTARAN_ADD,
            status__in=STATUS_SELESAI_OK,
            kunjungan__tanggal=row.kunjungan.tanggal,
            payload__kd_poli=row.payload.get("kd_poli"),
        )
        .exclude(kunjungan_id=row.kunjungan_id)
        .select_related("kunjungan__unit", "setelah")
        .order_by("pk")
    ):
        if (r.hasil or {}).get("noUrut") and _no_kartu(r) == no_kartu:
            return r
    return None


def _antrean_milik_lain(
    row: PermintaanBpjs,
) -> tuple[Kunjungan | None, list[PermintaanBpjs]]:
    """Another of our visits that holds this card's Antrean FKTP entry for the poli code and
    day (its add went through, or it is a Mobile JKN booking, and it was not cancelled), and
    other visits whose add may have reached BPJS without us knowing."""
    k = row.kunjungan
    no_kartu = _no_kartu(row)
    kodepoli = row.payload.get("kodepoli")
    lain = (
        Kunjungan.objects.filter(
            puskesmas_id=k.puskesmas_id,
            tanggal=k.tanggal,
            unit__kd_poli_pcare=kodepoli,
            pasien__no_bpjs=no_kartu,
            penjamin=Penjamin.BPJS,
        )
        .exclude(pk=k.pk)
        .exclude(status=StatusKunjungan.BATAL)
        .select_related("unit")
        .order_by("pk")
    )
    ragu: list[PermintaanBpjs] = []
    for kunj in lain:
        rows = list(
            PermintaanBpjs.objects.filter(kunjungan=kunj, rantai=Rantai.ANTREAN).order_by("pk")
        )
        if any(r.jenis == J.ANTREAN_BATAL and r.status == S.BERHASIL for r in rows):
            continue
        add = next((r for r in rows if r.jenis == J.ANTREAN_ADD), None)
        if add is None:
            if kunj.sumber == Sumber.MOBILE_JKN:
                return kunj, []
            continue
        if add.status == S.BERHASIL and not (add.hasil or {}).get("tidak_pasti"):
            return kunj, []
        if add.ambigu and add.status not in (*STATUS_SELESAI_OK, S.DIBATALKAN):
            add.kunjungan = kunj
            ragu.append(add)
    return None, ragu
