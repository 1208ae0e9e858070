"""The Antrean FKTP web services Mobile JKN calls on us (bpjs-protocol.md §4.2), minus HTTP.

An online booking becomes an ordinary visit with a ticket in the same queue as walk-ins, made
by `pendaftaran.services.kunjungan_daftar` with sumber "mobile_jkn". The counter then finds the
patient by NIK or card with today's visit already there, so nobody registers twice by hand.
A booking for a later day (up to JKN_HARI_PESAN_MAKS) is the same visit dated that day: its
number comes from that day's counter, in booking order ahead of that day's walk-ins.

Answers use the protocol's codes: 200 ok, 201 refused (the message says why, in Indonesian),
202 "pasien baru" (unknown patient: Mobile JKN then calls POST peserta).
"""

from __future__ import annotations

import contextlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Case, QuerySet, When
from django.utils import timezone

from antrean.models import StatusTiket, Tiket, UnitLayanan
from antrean.selectors import posisi_tiket, unit_untuk_saran
from integrasi.selectors import jkn_username_sah, punya_login_jkn_sendiri, puskesmas_jkn_untuk
from pendaftaran import services as pendaftaran_services
from pendaftaran.models import Kunjungan, Pasien, StatusKunjungan, Sumber
from pendaftaran.validasi import DataKunjungan, DataPasien
from puskesmas.models import Puskesmas

from .selectors import jadwal_tersimpan
from .services import ALASAN_BATAL_JKN, pilih_jadwal

SALT = "bpjs_bridge.jkn.token"
_ANGKA = re.compile(r"^\d+$")
_TANGGAL = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Jawaban:
    code: int
    message: str
    response: Any = None

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"metadata": {"message": self.message, "code": self.code}}
        if self.response is not None:
            body = {"response": self.response, **body}
        return body


class Ditolak(Exception):
    """Refused with metadata code 201 (or 202): `message` is what Mobile JKN shows."""

    def __init__(self, message: str, code: int = 201):
        super().__init__(message)
        self.message = message
        self.code = code


# --- Token --------------------------------------------------------------------------------------


def _sama(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def puskesmas_jkn() -> Puskesmas:
    kode = getattr(settings, "JKN_KODE_FASKES", "")
    qs = Puskesmas.objects.all()
    pkm = qs.filter(kode_faskes=kode).first() if kode else qs.order_by("pk").first()
    if pkm is None:
        raise Ditolak("Faskes belum dikonfigurasi untuk Mobile JKN.")
    return pkm


def _kunci_gagal() -> str | None:
    """Failed /auth attempts are counted per client address (the lockout's, behind the proxy
    too), read from the request being served; none outside a request (tests, shell)."""
    from axes.helpers import get_client_ip_address

    from audit.services import request_sekarang

    request = request_sekarang.get()
    ip = get_client_ip_address(request) if request is not None else None
    return f"jkn-auth-gagal:{ip}" if ip else None


def token_buat(*, username: str, password: str) -> str:
    from django.core.cache import cache

    from config.security import JKN_SANDI_DEMO, mode_demo

    kunci = _kunci_gagal()
    maks, detik = settings.JKN_AUTH_GAGAL_MAKS, settings.JKN_AUTH_KUNCI_DETIK
    if kunci and cache.get(kunci, 0) >= maks:
        menit = max(1, round(detik / 60))
        raise Ditolak(f"Terlalu banyak percobaan gagal. Coba lagi setelah {menit} menit.")

    def gagal() -> Ditolak:
        if kunci:
            cache.add(kunci, 0, timeout=detik)
            # The cache may have lost the key (Redis down): the throttle is best-effort.
            with contextlib.suppress(ValueError):
                cache.incr(kunci)
        return Ditolak("Username atau password tidak sesuai.")

    # A Puskesmas' own Mobile JKN login (integrasi) names that Puskesmas; else the
    # deployment's JKN_* login names JKN_KODE_FASKES (or the first Puskesmas).
    pkm = puskesmas_jkn_untuk(username, password) if username else None
    if pkm is None:
        sandi = settings.JKN_PASSWORD
        if not sandi or (sandi == JKN_SANDI_DEMO and not mode_demo()):
            raise Ditolak("Mobile JKN belum dikonfigurasi di Puskesmas ini (JKN_PASSWORD).")
        if not (
            username
            and not punya_login_jkn_sendiri(username)
            and _sama(username, settings.JKN_USERNAME)
            and _sama(password or "", sandi)
        ):
            raise gagal()
        pkm = puskesmas_jkn()
    return signing.dumps({"u": username, "f": pkm.kode_faskes}, salt=SALT)


def token_periksa(*, token: str, username: str) -> Puskesmas:
    """The Puskesmas this token was issued for; Ditolak when missing, forged or expired."""
    if not token or not username:
        raise Ditolak("Header x-token dan x-username wajib diisi.")
    try:
        isi = signing.loads(token, salt=SALT, max_age=settings.JKN_TOKEN_DETIK)
    except signing.SignatureExpired:
        raise Ditolak("Token kedaluwarsa; minta token baru lewat /auth.") from None
    except signing.BadSignature:
        raise Ditolak("Token tidak valid.") from None
    if not _sama(str(isi.get("u", "")), username):
        raise Ditolak("Token tidak sesuai dengan username.")
    pkm = Puskesmas.objects.filter(kode_faskes=isi.get("f")).first()
    if pkm is None:
        raise Ditolak("Token tidak valid.")
    if not jkn_username_sah(pkm, username):
        raise Ditolak("Token tidak sesuai dengan username.")
    return pkm


# --- Validation -----------------------------------------------------------------------------


def _teks(body: dict[str, Any], nama: str) -> str:
    nilai = body.get(nama)
    return "" if nilai is None else str(nilai).strip()


def _kartu(nilai: str, *, wajib: bool = True) -> str:
    if not nilai:
        if wajib:
            raise Ditolak("Nomor kartu belum diisi.")
        return ""
    if not _ANGKA.match(nilai):
        raise Ditolak("Format nomor kartu tidak sesuai (harus angka).")
    if len(nilai) != 13:
        raise Ditolak("Nomor kartu harus 13 digit.")
    return nilai


def _nik(nilai: str, *, wajib: bool = True) -> str:
    if not nilai:
        if wajib:
            raise Ditolak("NIK belum diisi.")
        return ""
    if not (_ANGKA.match(nilai) and len(nilai) == 16):
        raise Ditolak("NIK harus 16 digit angka.")
    return nilai


def _tanggal(nilai: str, *, boleh_lampau: bool = False) -> date:
    if not _TANGGAL.match(nilai or ""):
        raise Ditolak("Format tanggal periksa harus yyyy-mm-dd.")
    try:
        tgl = datetime.strptime(nilai, "%Y-%m-%d").date()
    except ValueError:
        raise Ditolak("Tanggal periksa tidak ada di kalender.") from None
    if not boleh_lampau and tgl < timezone.localdate():
        raise Ditolak("Tanggal periksa tidak boleh tanggal yang sudah lewat.")
    return tgl


def _unit_poli(puskesmas: Puskesmas, kodepoli: str) -> QuerySet[UnitLayanan]:
    if not kodepoli:
        raise Ditolak("Kode poli belum diisi.")
    units = UnitLayanan.objects.filter(
        puskesmas=puskesmas, aktif=True, kd_poli_pcare=kodepoli
    ).order_by("urutan", "pk")
    if not units.exists():
        raise Ditolak(f"Poli {kodepoli} tidak tersedia di Puskesmas ini.")
    return units


def _dipanggil_terakhir(unit_ids: list[int], tanggal: date) -> str:
    t = (
        Tiket.objects.filter(
            unit_id__in=unit_ids, tanggal=tanggal, dipanggil_terakhir__isnull=False
        )
        .order_by("-dipanggil_terakhir")
        .first()
    )
    return t.kode if t else "-"


def _cari_pasien(puskesmas: Puskesmas, *, kartu: str, nik: str) -> Pasien | None:
    qs = Pasien.objects.filter(puskesmas=puskesmas)
    if kartu:
        p = qs.filter(no_bpjs=kartu).first()
        if p is not None:
            return p
    if nik:
        return qs.filter(nik=nik).first()
    return None


def _kunjungan_poli(pasien: Pasien, units, tanggal: date) -> Kunjungan | None:
    return (
        Kunjungan.objects.filter(pasien=pasien, unit__in=units, tanggal=tanggal)
        .exclude(status=StatusKunjungan.BATAL)
        .select_related("unit")
        .order_by("pk")
        .first()
    )


def _jawab_tiket(kunjungan: Kunjungan, pesan: str = "Ok") -> Jawaban:
    tiket = kunjungan.tiket.select_related("unit").order_by("pk").first()
    assert tiket is not None
    return Jawaban(
        200,
        pesan,
        {
            "nomorantrean": tiket.kode,
            "angkaantrean": tiket.nomor,
            "namapoli": tiket.unit.nama,
            "sisaantrean": posisi_tiket(tiket),
            "antreanpanggil": _dipanggil_terakhir([tiket.unit_id], tiket.tanggal),
            "keterangan": (
                "Tunjukkan NIK atau kartu JKN di loket; tidak perlu mendaftar ulang. "
                "Datang 30 menit sebelum perkiraan dipanggil."
            ),
        },
    )


# --- The services -------------------------------------------------------------------------------


def versi_antrean() -> int:
    """Which documented response Mobile JKN gets for status antrean: 1 = one object for the
    poli, 2 = a list with one element per doctor's session (protocol §4.2)."""
    return int(getattr(settings, "JKN_VERSI_ANTREAN", 1))


def _angka_unit(unit: UnitLayanan, tiket: list[Tiket], tgl: date) -> dict[str, Any]:
    """One unit's own figures: never summed with another unit that shares the PCare code."""
    return {
        "namapoli": unit.nama,
        "totalantrean": len(tiket),
        "sisaantrean": sum(1 for t in tiket if t.status == StatusTiket.MENUNGGU),
        "antreanpanggil": _dipanggil_terakhir([unit.pk], tgl),
        "keterangan": "",
    }


def status_antrean(*, puskesmas: Puskesmas, kodepoli: str, tanggal: str) -> Jawaban:
    tgl = _tanggal(tanggal, boleh_lampau=True)
    units = list(_unit_poli(puskesmas, kodepoli))
    semua = list(
        Tiket.objects.filter(unit__in=units, tanggal=tgl)
        .exclude(status=StatusTiket.BATAL)
        .only("unit_id", "status", "waktu_masuk")
    )
    per_unit = {u.pk: [t for t in semua if t.unit_id == u.pk] for u in units}
    if versi_antrean() < 2:
        # V1 has room for one poli: the busiest unit's own queue (ties: display order); the
        # others sharing the code are named with their own figures instead of being added in.
        utama, *lain = sorted(units, key=lambda u: -len(per_unit[u.pk]))
        isi = _angka_unit(utama, per_unit[utama.pk], tgl)
        if lain:
            isi["keterangan"] = "Kode poli yang sama juga dipakai: " + "; ".join(
                f"{u.nama} (sisa {_angka_unit(u, per_unit[u.pk], tgl)['sisaantrean']})"
                for u in lain
            )
        return Jawaban(200, "Ok", isi)
    # V2: one element per unit and doctor's session, the session of each ticket being the one
    # in force when it joined the queue.
    sesi = jadwal_tersimpan(puskesmas, kodepoli, tgl)
    sekarang = timezone.localtime().time() if tgl == timezone.localdate() else dt_time(0)
    daftar: list[dict[str, Any]] = []
    for unit in units:
        kelompok: dict[int, tuple[Any, list[Tiket]]] = {}
        for t in per_unit[unit.pk]:
            j = pilih_jadwal(sesi, timezone.localtime(t.waktu_masuk).time())
            kelompok.setdefault(j.kodedokter if j else 0, (j, []))[1].append(t)
        if not kelompok:
            j = pilih_jadwal(sesi, sekarang)
            kelompok[j.kodedokter if j else 0] = (j, [])
        for j, tiket in kelompok.values():
            daftar.append(
                {
                    **_angka_unit(unit, tiket, tgl),
                    "kodedokter": j.kodedokter if j else 0,
                    "namadokter": j.namadokter if j else "",
                    "jampraktek": j.jampraktek if j else "",
                }
            )
    return Jawaban(200, "Ok", daftar)


def ambil_antrean(*, puskesmas: Puskesmas, body: dict[str, Any]) -> Jawaban:
    kartu = _kartu(_teks(body, "nomorkartu"))
    nik = _nik(_teks(body, "nik"))
    tgl = _tanggal(_teks(body, "tanggalperiksa"))
    maks = settings.JKN_HARI_PESAN_MAKS
    if (tgl - timezone.localdate()).days > maks:
        raise Ditolak(f"Tanggal periksa paling lambat {maks} hari dari hari ini.")
    units = list(_unit_poli(puskesmas, _teks(body, "kodepoli")))
    keluhan = _teks(body, "keluhan")
    if len(keluhan) > 500:
        raise Ditolak("Keluhan terlalu panjang (maksimal 500 karakter).")
    pasien = _cari_pasien(puskesmas, kartu=kartu, nik=nik)
    if pasien is None:
        raise Ditolak(
            "Pasien baru: data peserta belum ada di Puskesmas. Lengkapi data lewat POST peserta.",
            code=202,
        )
    if pasien.nik and pasien.nik != nik:
        raise Ditolak("NIK tidak sesuai dengan nomor kartu yang terdaftar di Puskesmas.")
    ada = _kunjungan_poli(pasien, units, tgl)
    if ada is not None:
        if ada.sumber == Sumber.MOBILE_JKN:
            return _jawab_tiket(ada, "Ok")  # a retried booking gets the same number
        tiket = ada.tiket_pertama
        raise Ditolak(
            "Peserta sudah terdaftar di poli ini pada tanggal tersebut"
            + (f" dengan nomor {tiket.kode}." if tiket else ".")
        )
    if not pasien.no_bpjs:
        # Known to us by NIK only (card lost): Mobile JKN has just told us the card number.
        try:
            pasien = pendaftaran_services.pasien_ubah(
                pasien=pasien,
                data=DataPasien(
                    nama=pasien.nama,
                    tanggal_lahir=pasien.tanggal_lahir,
                    jenis_kelamin=pasien.jenis_kelamin,
                    nik=pasien.nik or "",
                    nik_ibu=pasien.nik_ibu,
                    no_bpjs=kartu,
                    alamat=pasien.alamat,
                    no_hp=pasien.no_hp,
                ),
            )
        except pendaftaran_services.PendaftaranError as e:
            raise Ditolak(_gabung(e.galat)) from None
    data = DataKunjungan(penjamin="bpjs", keluhan=keluhan)
    saran = pendaftaran_services.saran_untuk(pasien=pasien, data=data, pada=tgl)
    disarankan = unit_untuk_saran(puskesmas=puskesmas, saran=saran)
    unit = disarankan if disarankan in units else units[0]
    try:
        hasil = pendaftaran_services.kunjungan_daftar(
            puskesmas=puskesmas,
            pasien=pasien,
            unit=unit,
            data=data,
            client_uuid=uuid.uuid4(),
            sumber=Sumber.MOBILE_JKN,
            tanggal=tgl,  # today or a later day: the number is in that day's queue
        )
    except pendaftaran_services.PendaftaranError as e:
        raise Ditolak(_gabung(e.galat)) from None
    return _jawab_tiket(hasil.kunjungan)


def sisa_antrean(*, puskesmas: Puskesmas, nomorkartu: str, kodepoli: str, tanggal: str) -> Jawaban:
    kartu = _kartu(nomorkartu)
    tgl = _tanggal(tanggal, boleh_lampau=True)
    units = list(_unit_poli(puskesmas, kodepoli))
    pasien = _cari_pasien(puskesmas, kartu=kartu, nik="")
    kunjungan = None
    if pasien is not None:
        # Mobile JKN asks about its own booking: with the same card at two units sharing the
        # code, that visit's place, in that unit's own queue, is the answer.
        kunjungan = (
            Kunjungan.objects.filter(pasien=pasien, unit__in=units, tanggal=tgl)
            .exclude(status=StatusKunjungan.BATAL)
            .order_by(Case(When(sumber=Sumber.MOBILE_JKN, then=0), default=1), "pk")
            .first()
        )
    if kunjungan is None:
        raise Ditolak("Antrean tidak ditemukan untuk peserta ini.")
    tiket = kunjungan.tiket.select_related("unit").order_by("pk").first()
    assert tiket is not None
    return Jawaban(
        200,
        "Ok",
        {
            "nomorantrean": tiket.kode,
            "namapoli": tiket.unit.nama,
            "sisaantrean": posisi_tiket(tiket),
            "antreanpanggil": _dipanggil_terakhir([tiket.unit_id], tgl),
            "keterangan": tiket.get_status_display(),
        },
    )


def batal_antrean(*, puskesmas: Puskesmas, body: dict[str, Any]) -> Jawaban:
    kartu = _kartu(_teks(body, "nomorkartu"))
    tgl = _tanggal(_teks(body, "tanggalperiksa"))
    units = list(_unit_poli(puskesmas, _teks(body, "kodepoli")))
    pasien = _cari_pasien(puskesmas, kartu=kartu, nik="")
    kunjungan = _kunjungan_poli(pasien, units, tgl) if pasien else None
    if kunjungan is None:
        raise Ditolak("Antrean tidak ditemukan untuk peserta ini.")
    if kunjungan.sumber != Sumber.MOBILE_JKN:
        # A card number is all this call carries: it must not cancel a visit the loket made.
        raise Ditolak("Antrean ini didaftarkan di loket Puskesmas; pembatalan hanya di loket.")
    tiket = kunjungan.tiket_pertama
    if tiket is not None and tiket.status != StatusTiket.MENUNGGU:
        raise Ditolak(
            f"Antrean {tiket.kode} tidak dapat dibatalkan: sudah {tiket.get_status_display()}."
        )
    ket = _teks(body, "keterangan")
    alasan = f"{ALASAN_BATAL_JKN}{': ' + ket if ket else ''}"[:200]
    pendaftaran_services.kunjungan_batal(kunjungan=kunjungan, oleh=None, alasan=alasan)
    return Jawaban(200, "Ok")


def pasien_baru(*, puskesmas: Puskesmas, body: dict[str, Any]) -> Jawaban:
    kartu = _kartu(_teks(body, "nomorkartu"))
    nik = _nik(_teks(body, "nik"))
    nama = _teks(body, "nama")
    if not nama:
        raise Ditolak("Nama belum diisi.")
    jk = _teks(body, "jeniskelamin").upper()
    if jk not in ("L", "P"):
        raise Ditolak("Jenis kelamin harus L atau P.")
    lahir_teks = _teks(body, "tanggallahir")
    if not _TANGGAL.match(lahir_teks):
        raise Ditolak("Format tanggal lahir harus yyyy-mm-dd.")
    try:
        lahir = datetime.strptime(lahir_teks, "%Y-%m-%d").date()
    except ValueError:
        raise Ditolak("Tanggal lahir tidak ada di kalender.") from None
    bagian = [_teks(body, "alamat")]
    rt, rw = _teks(body, "rt"), _teks(body, "rw")
    if rt or rw:
        bagian.append(f"RT {rt or '-'}/RW {rw or '-'}")
    for nama_field in ("namakel", "namakec", "namadati2", "namaprop"):
        if _teks(body, nama_field):
            bagian.append(_teks(body, nama_field).title())
    alamat = ", ".join(b for b in bagian if b)[:255]
    data = DataPasien(
        nama=nama, tanggal_lahir=lahir, jenis_kelamin=jk, nik=nik, no_bpjs=kartu, alamat=alamat
    )
    try:
        pasien = pendaftaran_services.pasien_buat(
            puskesmas=puskesmas, data=data, konfirmasi_baru=True
        )
    except pendaftaran_services.PasienSudahAda as e:
        return Jawaban(200, "Peserta sudah terdaftar.", {"norm": e.pasien.no_rm})
    except pendaftaran_services.PendaftaranError as e:
        raise Ditolak(_gabung(e.galat)) from None
    return Jawaban(200, "Ok", {"norm": pasien.no_rm})


def _gabung(galat: dict[str, list[str]]) -> str:
    return " ".join(m for daftar in galat.values() for m in daftar) or "Data tidak valid."
