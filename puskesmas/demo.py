"""Demo data: one Puskesmas as `make run` shows it. Also used by tests and benchmarks.

The demo patients are the BPJS simulator's own participants (same seed), so a demo patient's
card is known to the simulator with the same NIK, name and birth date.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from antrean.models import Klaster, Layanan, UnitLayanan
from pendaftaran.dedupe import nama_kunci, normalisasi_nama
from pendaftaran.models import Pasien

from .models import Loket, Peran, Petugas, Puskesmas

KODE_FASKES = "0114U163"
KATA_SANDI_DEMO = "sehat-2026"

KLASTER = [
    (1, "Manajemen", "Manajemen Puskesmas; tidak ada antrean pasien."),
    (2, "Ibu dan Anak", "Ibu hamil, bersalin, nifas, bayi, balita, anak dan remaja (< 18 th)."),
    (3, "Usia Dewasa dan Lansia", "Dewasa 18–59 th dan lansia ≥ 60 th."),
    (4, "Penanggulangan Penyakit Menular", "Surveilans dan layanan penyakit menular (TB, wabah)."),
    (5, "Lintas Klaster", "Gigi, gawat darurat, laboratorium, farmasi, persalinan."),
]

# (klaster, kode, nama, layanan, prefix, kode poli PCare, menit per pasien)
UNIT = [
    (2, "KIA", "Ruang KIA (Ibu)", Layanan.KIA, "B", "003", 12),
    (2, "ANAK", "Poli Anak & MTBS", Layanan.ANAK, "C", "001", 10),
    (3, "UMUM", "Poli Umum", Layanan.DEWASA, "A", "001", 7),
    (3, "LANSIA", "Poli Lansia", Layanan.LANSIA, "L", "001", 10),
    (4, "P2M", "Poli TB & Penyakit Menular", Layanan.MENULAR, "P", "001", 12),
    (5, "GIGI", "Poli Gigi", Layanan.GIGI, "G", "002", 15),
    (5, "UGD", "UGD", Layanan.UGD, "U", "", 5),
    (5, "LAB", "Laboratorium", Layanan.LAB, "K", "", 5),
    (5, "FARMASI", "Farmasi", Layanan.FARMASI, "F", "", 3),
]

# (username, full name, role, loket code, cluster number)
PENGGUNA = [
    ("admin", "Admin Puskesmas", Peran.ADMIN, "L1", None),
    ("loket1", "Rina (Loket 1)", Peran.LOKET, "L1", None),
    ("loket2", "Budi (Loket 2)", Peran.LOKET, "L2", None),
    ("loket3", "Sari (Loket 3)", Peran.LOKET, "L3", None),
    ("poli_umum", "dr. Andi (Klaster 3)", Peran.POLI, None, 3),
    ("poli_kia", "Bidan Wati (Klaster 2)", Peran.POLI, None, 2),
    ("kepala", "Kepala Puskesmas", Peran.KEPALA, None, None),
]


@dataclass
class HasilDemo:
    puskesmas: Puskesmas
    pasien_baru: int


@transaction.atomic
def muat_demo(*, jumlah_pasien: int = 3000, nama: str = "Puskesmas Sukamaju") -> HasilDemo:
    """Create (or complete) the demo Puskesmas. Safe to run again: nothing is duplicated."""
    pkm, _ = Puskesmas.objects.get_or_create(
        kode_faskes=KODE_FASKES,
        defaults={"nama": nama, "alamat": "Jl. Raya Sukamaju No. 1, Kab. Bandung, Jawa Barat"},
    )
    loket = {}
    for i in (1, 2, 3):
        loket[f"L{i}"], _ = Loket.objects.get_or_create(
            puskesmas=pkm, kode=f"L{i}", defaults={"nama": f"Loket {i}"}
        )
    klaster = {}
    for nomor, nama_k, ket in KLASTER:
        klaster[nomor], _ = Klaster.objects.get_or_create(
            puskesmas=pkm, nomor=nomor, defaults={"nama": nama_k, "keterangan": ket}
        )
    for urutan, (k, kode, nama_u, layanan, prefix, kd_poli, menit) in enumerate(UNIT):
        UnitLayanan.objects.get_or_create(
            puskesmas=pkm,
            kode=kode,
            defaults={
                "klaster": klaster[k],
                "nama": nama_u,
                "layanan": layanan,
                "prefix": prefix,
                "kd_poli_pcare": kd_poli,
                "urutan": urutan,
                "menit_per_pasien": menit,
            },
        )
    User = get_user_model()
    for username, full, peran, kode_loket, nomor_klaster in PENGGUNA:
        user, dibuat = User.objects.get_or_create(username=username)
        if dibuat:
            depan, _, belakang = full.partition(" ")
            user.first_name, user.last_name = depan, belakang
            user.is_staff = user.is_superuser = peran == Peran.ADMIN
            user.set_password(KATA_SANDI_DEMO)
            user.save()
        Petugas.objects.get_or_create(
            user=user,
            defaults={
                "puskesmas": pkm,
                "peran": peran,
                "loket": loket.get(kode_loket) if kode_loket else None,
                "klaster": klaster.get(nomor_klaster) if nomor_klaster else None,
            },
        )
    return HasilDemo(puskesmas=pkm, pasien_baru=muat_pasien(pkm, jumlah_pasien))


def muat_pasien(pkm: Puskesmas, jumlah: int) -> int:
    from bpjs_bridge.simulator.peserta import generate_participants

    if jumlah <= 0:
        return 0
    ada_nik = set(Pasien.objects.filter(puskesmas=pkm).values_list("nik", flat=True))
    baru = []
    nomor = Puskesmas.objects.select_for_update().get(pk=pkm.pk).rm_terakhir
    for p in generate_participants(seed=2026, count=jumlah):
        if p["nik"] in ada_nik:
            continue
        nomor += 1
        baru.append(
            Pasien(
                puskesmas=pkm,
                no_rm=f"{nomor:06d}",
                nik=p["nik"],
                # A participant who lost the card is known to us by NIK only.
                no_bpjs=None if p["kategori"] == "nik_saja" else p["no_kartu"],
                nama=p["nama"].title(),
                nama_cari=normalisasi_nama(p["nama"]),
                nama_kunci=nama_kunci(p["nama"]),
                tanggal_lahir=p["tgl_lahir"],
                jenis_kelamin=p["sex"],
                alamat=p.get("alamat", ""),
                no_hp=p.get("no_hp", ""),
            )
        )
    Pasien.objects.bulk_create(baru, batch_size=1000)
    Puskesmas.objects.filter(pk=pkm.pk).update(rm_terakhir=nomor)
    return len(baru)
