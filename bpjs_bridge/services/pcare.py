"""Delivery to PCare, one handler per kind of row: eligibility (`cek_peserta`), registration
(`pendaftaran_add`, reconciled after an uncertain attempt) and its delete."""

from __future__ import annotations

from audit.services import catat
from pendaftaran.models import Pasien

from ..client import BpjsClient, BpjsNotFound, BpjsValidationError, PendaftaranRequest
from ..models import HasilPercobaan, PermintaanBpjs
from .dasar import (
    DataTidakLengkap,
    Hasil,
    MasalahKepesertaan,
    RekonsiliasiRagu,
    S,
    _data_peserta,
    _no_kartu,
    _tidak_relevan,
)
from .rekonsiliasi import _cari_di_pcare, _milik_kunjungan_lain, _pendaftaran_pemegang


def _cek_peserta(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    no_kartu = row.payload.get("no_kartu") or ""
    nik = row.payload.get("nik") or ""
    if no_kartu:
        p = client.peserta_by_noka(no_kartu)
    elif nik:
        p = client.peserta_by_nik(nik)  # card lost: BPJS knows the participant by NIK
        _kartu_dari_bpjs(row, p.no_kartu)
    else:
        raise DataTidakLengkap("No. kartu BPJS dan NIK pasien kosong: isi di data pasien.")
    data = _data_peserta(p)
    kode_kami = row.puskesmas.kode_faskes
    if not p.aktif:
        menunggak = p.tunggakan > 0 or "TUNGGAK" in p.ket_aktif.upper()
        ket = p.ket_aktif or "TIDAK AKTIF"
        galat = MasalahKepesertaan(
            f"Peserta tidak aktif di BPJS ({ket}"
            + (f", tunggakan Rp{p.tunggakan:,}".replace(",", ".") if p.tunggakan else "")
            + "). Beri tahu pasien; ubah penjamin ke umum, atau tandai selesai bila status "
            "sudah dibereskan."
        )
        galat.kode = "menunggak" if menunggak else "tidak_aktif"  # type: ignore[attr-defined]
        galat.data = data  # type: ignore[attr-defined]
        raise galat
    if kode_kami and p.kd_provider and p.kd_provider != kode_kami:
        galat = MasalahKepesertaan(
            f"Peserta terdaftar di FKTP lain: {p.nm_provider or '-'} ({p.kd_provider}). "
            "Beri tahu pasien; ubah penjamin ke umum, atau tandai selesai bila boleh dilayani "
            "(mis. kunjungan darurat / luar wilayah)."
        )
        galat.kode = "fktp_lain"  # type: ignore[attr-defined]
        galat.data = data  # type: ignore[attr-defined]
        raise galat
    return Hasil(S.BERHASIL, data)


def _kartu_dari_bpjs(row: PermintaanBpjs, no_kartu: str) -> None:
    """Store the card number BPJS returned for a NIK on a patient who had none, unless another
    patient of this Puskesmas already holds it (that is for a person to sort out)."""
    pasien = row.kunjungan.pasien
    if not no_kartu or pasien.no_bpjs:
        return
    if Pasien.objects.filter(puskesmas_id=pasien.puskesmas_id, no_bpjs=no_kartu).exists():
        return
    if Pasien.objects.filter(pk=pasien.pk, no_bpjs__isnull=True).update(no_bpjs=no_kartu):
        catat(
            aksi="pasien_ubah",
            objek=pasien,
            puskesmas=pasien.puskesmas_id,
            keterangan="No. kartu BPJS diisi dari BPJS (dicari lewat NIK)",
        )


def _sudah_di_pcare(client: BpjsClient, row: PermintaanBpjs) -> Hasil | None:
    """This visit's own registration found at PCare (after an uncertain attempt), as a result."""
    ada = _cari_di_pcare(client, row)
    if ada is None:
        return None
    return Hasil(
        S.BERHASIL, {"noUrut": ada.no_urut, "rekonsiliasi": True}, HasilPercobaan.REKONSILIASI
    )


def _pendaftaran_add(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    k = row.kunjungan
    if row.ambigu:
        # An earlier attempt may have registered the visit already: look before sending.
        ada = _sudah_di_pcare(client, row)
        if ada is not None:
            return ada
        if _tidak_relevan(row):
            return Hasil(S.DIBATALKAN, {"alasan": "kunjungan batal; tidak ada di PCare"})
    cek = row.setelah
    data_cek = cek.hasil if cek is not None else {}
    kd_provider = data_cek.get("kd_provider") or row.puskesmas.kode_faskes
    req = PendaftaranRequest(
        kd_provider_peserta=kd_provider,
        tgl_daftar=k.tanggal,
        no_kartu=_no_kartu(row),
        kd_poli=row.payload["kd_poli"],
        # Every poli a walk-in is registered to here is a sick visit; healthy visits (KB,
        # imunisasi) are not separate units in this app yet.
        kunj_sakit=True,
        keluhan=k.keluhan or None,
    )
    try:
        no_urut = client.pendaftaran_add(req)
    except BpjsValidationError as exc:
        if row.ambigu:
            # "Already registered" after an uncertain attempt may be our own earlier request.
            ada = _sudah_di_pcare(client, row)
            if ada is not None:
                return ada
        pemegang = _pendaftaran_pemegang(row)
        teks = f"{exc.bpjs_message or ''} {exc.message}".lower()
        if pemegang is not None and "sudah terdaftar" in teks:
            # Say whose registration it is, so the person knows what to do with this one.
            galat = BpjsValidationError(
                f"{exc.message} Pendaftaran PCare itu milik kunjungan lain hari ini: "
                f"{pemegang.kunjungan.unit.nama} (No. urut {pemegang.hasil['noUrut']}), "
                "karena unit ini memakai kode poli PCare yang sama. Tandai selesai bila "
                "kunjungan ini cukup tercatat di sana, atau ubah penjamin ke umum.",
                code=exc.code,
                bpjs_message=exc.bpjs_message,
                fields=exc.fields,
            )
            galat.kode = "terdaftar_kunjungan_lain"  # type: ignore[attr-defined]
            raise galat from exc
        raise
    return Hasil(S.BERHASIL, {"noUrut": no_urut})


def _pendaftaran_delete(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    add = row.setelah
    no_urut = (add.hasil if add is not None else {}).get("noUrut")
    if not no_urut:
        return Hasil(S.DIBATALKAN, {"alasan": "tidak ada noUrut PCare untuk dihapus"})
    dimiliki, _ = _milik_kunjungan_lain(add)
    if str(no_urut) in dimiliki:
        # Never delete what another of our visits holds, whatever this row's data says.
        galat = RekonsiliasiRagu(
            f"No. urut PCare {no_urut} tercatat juga untuk kunjungan lain; tidak dihapus. "
            "Periksa di PCare pendaftaran mana yang harus dihapus."
        )
        galat.kode = "noUrut_milik_lain"  # type: ignore[attr-defined]
        raise galat
    try:
        client.pendaftaran_delete(
            _no_kartu(row), row.kunjungan.tanggal, no_urut, row.payload["kd_poli"]
        )
    except BpjsNotFound:
        # Already gone (our own earlier, unanswered delete): the goal is reached.
        return Hasil(S.BERHASIL, {"noUrut": no_urut, "sudah_tidak_ada": True})
    return Hasil(S.BERHASIL, {"noUrut": no_urut, "dihapus": True})
