"""Every move of the ticket state machine, the refusals, the log, and the concurrent call."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from antrean import live, services
from antrean.models import StatusTiket, Tiket, TiketRiwayat
from antrean.selectors import posisi_tiket

pytestmark = pytest.mark.django_db

Aksi = TiketRiwayat.Aksi


def segar(t: Tiket) -> Tiket:
    return Tiket.objects.get(pk=t.pk)


def jejak(t: Tiket) -> list[tuple[str, str, str]]:
    return list(t.riwayat.order_by("pada", "pk").values_list("aksi", "dari", "ke"))


def test_issuing_a_ticket_is_the_first_entry_of_its_log(daftar):
    t = daftar()
    assert jejak(t) == [(Aksi.TERBIT, "", StatusTiket.MENUNGGU)]
    assert t.urut == t.nomor


def test_call_next_takes_the_first_in_queue_order_and_records_who(daftar, unit, perawat_poli):
    a, b = daftar(), daftar()
    t = services.panggil_berikutnya(unit=unit, oleh=perawat_poli.user)
    assert t.pk == a.pk and t.status == StatusTiket.DIPANGGIL
    assert t.dipanggil_pertama is not None and t.ditangani_oleh == perawat_poli.user
    r = t.riwayat.latest("pada")
    assert (r.aksi, r.dari, r.ke, r.oleh) == (
        Aksi.PANGGIL,
        StatusTiket.MENUNGGU,
        StatusTiket.DIPANGGIL,
        perawat_poli.user,
    )
    assert segar(b).status == StatusTiket.MENUNGGU


def test_priority_patients_are_called_before_earlier_numbers(daftar, unit):
    biasa = daftar()
    lansia = daftar(umur=67)
    hamil = daftar(jk="P", hamil=True)
    assert lansia.prioritas and lansia.alasan_prioritas == "lansia"
    assert hamil.alasan_prioritas == "ibu hamil"
    urutan = [services.panggil_berikutnya(unit=unit).pk for _ in range(3)]
    assert urutan == [lansia.pk, hamil.pk, biasa.pk]


@pytest.mark.parametrize(
    "flag, alasan",
    [
        ({"darurat": True}, "gawat darurat"),
        ({"disabilitas": True}, "disabilitas"),
        ({"gagal_daftar_online": True}, "gagal daftar online"),
    ],
)
def test_each_priority_reason_is_shown_to_staff(daftar, unit, flag, alasan):
    daftar()
    t = daftar(**flag)
    assert t.prioritas and alasan in t.alasan_prioritas
    assert services.panggil_berikutnya(unit=unit).pk == t.pk


def test_mobile_jkn_bookings_queue_with_their_own_number_like_walk_ins(daftar, unit):
    jalan = daftar()
    jkn = daftar(sumber="mobile_jkn")
    jalan2 = daftar()
    assert [jalan.kode, jkn.kode, jalan2.kode] == ["A-001", "A-002", "A-003"]
    assert not jkn.prioritas
    assert posisi_tiket(jkn) == 1
    dipanggil = [services.panggil_berikutnya(unit=unit).pk for _ in range(3)]
    assert dipanggil == [jalan.pk, jkn.pk, jalan2.pk]


def test_call_next_on_an_empty_queue_says_so(unit):
    with pytest.raises(services.AntreanKosong) as e:
        services.panggil_berikutnya(unit=unit)
    assert "Tidak ada pasien yang menunggu di Poli Umum" in e.value.pesan


def test_the_full_happy_path_is_logged_step_by_step(daftar, unit, perawat_poli):
    t = daftar()
    oleh = perawat_poli.user
    services.panggil_berikutnya(unit=unit, oleh=oleh)
    services.mulai_layani(tiket=t, oleh=oleh)
    t = services.selesai(tiket=t, oleh=oleh)
    assert t.status == StatusTiket.SELESAI and t.mulai_dilayani and t.selesai_pada
    assert jejak(t) == [
        (Aksi.TERBIT, "", "menunggu"),
        (Aksi.PANGGIL, "menunggu", "dipanggil"),
        (Aksi.MULAI, "dipanggil", "dilayani"),
        (Aksi.SELESAI, "dilayani", "selesai"),
    ]


def test_recall_keeps_the_first_call_time_and_moves_the_last(daftar, unit):
    daftar()
    t = services.panggil_berikutnya(unit=unit)
    pertama = t.dipanggil_pertama
    t2 = services.panggil_ulang(tiket=t)
    assert t2.status == StatusTiket.DIPANGGIL
    assert t2.dipanggil_pertama == pertama and t2.dipanggil_terakhir >= pertama
    assert jejak(t2)[-1] == (Aksi.PANGGIL_ULANG, "dipanggil", "dipanggil")


def test_a_skipped_patient_can_be_recalled(daftar, unit):
    daftar()
    t = services.panggil_berikutnya(unit=unit)
    t = services.lewati(tiket=t)
    assert t.status == StatusTiket.DILEWATI
    t = services.panggil_ulang(tiket=t)
    assert t.status == StatusTiket.DIPANGGIL


def test_a_skipped_patient_requeued_goes_to_the_end_of_the_queue(daftar, unit):
    a, b, c = daftar(), daftar(), daftar()
    services.lewati(tiket=services.panggil_berikutnya(unit=unit))  # a skipped
    services.antre_ulang(tiket=a)
    d = daftar()  # registered after the requeue
    assert segar(a).status == StatusTiket.MENUNGGU and segar(a).urut == 4
    assert posisi_tiket(segar(a)) == 2  # b and c are ahead, d behind
    urutan = [services.panggil_berikutnya(unit=unit).pk for _ in range(4)]
    assert urutan == [b.pk, c.pk, a.pk, d.pk]


def test_cancel_needs_a_reason_and_records_it(daftar, perawat_poli):
    t = daftar()
    with pytest.raises(services.AntreanError) as e:
        services.batal(tiket=t, alasan="   ", oleh=perawat_poli.user)
    assert e.value.galat == {"alasan": ["Alasan pembatalan wajib diisi."]}
    t = services.batal(tiket=t, alasan="Pasien pulang, sudah membaik", oleh=perawat_poli.user)
    assert t.status == StatusTiket.BATAL
    r = t.riwayat.latest("pada")
    assert r.alasan == "Pasien pulang, sudah membaik" and r.oleh == perawat_poli.user


@pytest.mark.parametrize("sampai", ["menunggu", "dipanggil", "dilayani", "dilewati"])
def test_every_open_state_can_be_cancelled(daftar, unit, sampai):
    t = daftar()
    if sampai != "menunggu":
        services.panggil_berikutnya(unit=unit)
    if sampai == "dilayani":
        services.mulai_layani(tiket=t)
    if sampai == "dilewati":
        services.lewati(tiket=t)
    assert services.batal(tiket=t, alasan="salah unit").status == StatusTiket.BATAL


@pytest.mark.parametrize(
    "status, fungsi, pesan",
    [
        ("menunggu", services.mulai_layani, "masih menunggu: tidak bisa mulai dilayani"),
        ("menunggu", services.selesai, "masih menunggu: tidak bisa diselesaikan"),
        ("menunggu", services.panggil_ulang, "masih menunggu: tidak bisa dipanggil ulang"),
        ("menunggu", services.lewati, "masih menunggu: tidak bisa dilewati"),
        ("menunggu", services.antre_ulang, "masih menunggu: tidak bisa diantre ulang"),
        ("dipanggil", services.selesai, "sedang dipanggil: tidak bisa diselesaikan"),
        ("dipanggil", services.panggil, "sedang dipanggil: tidak bisa dipanggil"),
        ("dilayani", services.lewati, "sedang dilayani: tidak bisa dilewati"),
        ("dilayani", services.panggil_ulang, "sedang dilayani: tidak bisa dipanggil ulang"),
        ("selesai", services.panggil_ulang, "sudah selesai: tidak bisa dipanggil ulang"),
        ("selesai", services.mulai_layani, "sudah selesai: tidak bisa mulai dilayani"),
        ("batal", services.panggil, "sudah dibatalkan: tidak bisa dipanggil"),
        ("dilewati", services.selesai, "sudah dilewati: tidak bisa diselesaikan"),
    ],
)
def test_impossible_moves_are_refused_with_a_clear_message_and_change_nothing(
    daftar, unit, status, fungsi, pesan
):
    t = daftar()
    if status in ("dipanggil", "dilayani", "selesai", "dilewati"):
        services.panggil_berikutnya(unit=unit)
    if status in ("dilayani", "selesai"):
        services.mulai_layani(tiket=t)
    if status == "selesai":
        services.selesai(tiket=t)
    if status == "dilewati":
        services.lewati(tiket=t)
    if status == "batal":
        services.batal(tiket=t, alasan="uji")
    jumlah_log = t.riwayat.count()
    with pytest.raises(services.TransisiDitolak) as e:
        fungsi(tiket=t)
    assert e.value.pesan.startswith(f"Tiket {t.kode} {pesan}")
    assert segar(t).status == status and t.riwayat.count() == jumlah_log


def test_a_cancelled_ticket_cannot_be_cancelled_twice(daftar):
    t = daftar()
    services.batal(tiket=t, alasan="ganda")
    with pytest.raises(services.TransisiDitolak, match="sudah dibatalkan"):
        services.batal(tiket=t, alasan="lagi")


def test_transfer_to_lab_closes_this_ticket_and_queues_the_same_visit_there(
    daftar, unit, lab, farmasi, perawat_poli
):
    t = daftar()
    services.panggil_berikutnya(unit=unit)
    services.mulai_layani(tiket=t)
    ke_lab = services.rujuk(tiket=t, unit_tujuan=lab, oleh=perawat_poli.user, alasan="cek darah")
    asal = segar(t)
    assert asal.status == StatusTiket.SELESAI
    r = asal.riwayat.latest("pada")
    assert (r.aksi, r.unit_tujuan, r.alasan) == (Aksi.RUJUK, lab, "cek darah")
    assert ke_lab.unit == lab and ke_lab.kode == "K-001" and ke_lab.status == "menunggu"
    assert ke_lab.kunjungan_id == t.kunjungan_id and ke_lab.sebelumnya_id == t.pk
    # Lab → back to Poli Umum → Farmasi: each step a new number, one visit throughout.
    services.panggil_berikutnya(unit=lab)
    kembali = services.rujuk(tiket=ke_lab, unit_tujuan=unit)
    services.panggil_berikutnya(unit=unit)
    ke_farmasi = services.rujuk(tiket=kembali, unit_tujuan=farmasi)
    rantai = [ke_farmasi.sebelumnya.sebelumnya.sebelumnya_id, kembali.kode, ke_farmasi.kode]
    assert rantai == [t.pk, "A-002", "F-001"]
    assert Tiket.objects.filter(kunjungan=t.kunjungan).count() == 4


def test_the_visit_is_done_when_its_last_open_ticket_is_finished(daftar, unit, lab, perawat_poli):
    from pendaftaran import services as pendaftaran
    from pendaftaran.models import Kunjungan

    t = daftar()
    services.panggil_berikutnya(unit=unit)
    services.mulai_layani(tiket=t)
    ke_lab = services.rujuk(tiket=t, unit_tujuan=lab)
    assert Kunjungan.objects.get(pk=t.kunjungan_id).status == "terdaftar"  # still at the lab
    services.panggil_berikutnya(unit=lab)
    services.mulai_layani(tiket=ke_lab)
    services.selesai(tiket=ke_lab, oleh=perawat_poli.user)
    kunjungan = Kunjungan.objects.get(pk=t.kunjungan_id)
    assert kunjungan.status == "selesai"
    with pytest.raises(pendaftaran.PendaftaranError, match="sudah selesai"):
        pendaftaran.kunjungan_batal(kunjungan=kunjungan, oleh=None, alasan="salah klaster")


def test_transfer_refuses_the_same_unit_another_puskesmas_and_a_waiting_ticket(
    daftar, unit, lab, puskesmas_lain
):
    from tests.factories import UnitFactory

    t = daftar()
    with pytest.raises(services.TransisiDitolak, match="masih menunggu"):
        services.rujuk(tiket=t, unit_tujuan=lab)
    services.panggil_berikutnya(unit=unit)
    with pytest.raises(services.AntreanError) as e:
        services.rujuk(tiket=t, unit_tujuan=unit)
    assert "unit_tujuan" in e.value.galat
    asing = UnitFactory(puskesmas=puskesmas_lain)
    with pytest.raises(services.AntreanError, match="tidak tersedia"):
        services.rujuk(tiket=t, unit_tujuan=asing)
    assert segar(t).status == StatusTiket.DIPANGGIL


def test_cancelling_a_visit_cancels_its_open_tickets_through_the_log(daftar, unit):
    t = daftar()
    assert services.batal_kunjungan(kunjungan=t.kunjungan, alasan="salah daftar") == 1
    assert segar(t).status == StatusTiket.BATAL and jejak(t)[-1][0] == Aksi.BATAL


def test_every_change_moves_the_live_version_after_commit(
    daftar, unit, puskesmas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        daftar()
    v1 = live.versi(puskesmas.pk)
    assert v1 != "0"
    with django_capture_on_commit_callbacks(execute=False) as cb:
        services.panggil_berikutnya(unit=unit)
    assert live.versi(puskesmas.pk) == v1  # nothing announced before commit
    for fungsi in cb:
        fungsi()
    assert live.versi(puskesmas.pk) != v1


@pytest.mark.django_db(transaction=True)
def test_two_staff_pressing_call_next_at_once_never_get_the_same_patient(daftar, unit):
    """Eight presses at the same instant over three waiting patients: each patient is called
    exactly once, the other five presses are told the queue is empty. Needs real concurrent
    writers, i.e. PostgreSQL (SQLite serialises them)."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    tiket = [daftar() for _ in range(3)]
    mulai = threading.Barrier(8)
    hasil: list[int] = []
    kosong: list[str] = []
    galat: list[BaseException] = []

    def tekan():
        try:
            mulai.wait()
            hasil.append(services.panggil_berikutnya(unit=unit).pk)
        except services.AntreanKosong as e:
            kosong.append(e.pesan)
        except BaseException as e:
            galat.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tekan) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert galat == []
    assert sorted(hasil) == sorted(t.pk for t in tiket)
    assert len(kosong) == 5
    assert TiketRiwayat.objects.filter(aksi=Aksi.PANGGIL).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_staff_pressing_start_on_the_same_ticket_one_is_refused(daftar, unit):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    t = daftar()
    services.panggil_berikutnya(unit=unit)
    mulai = threading.Barrier(2)
    ok: list[int] = []
    ditolak: list[str] = []

    def tekan():
        try:
            mulai.wait()
            services.mulai_layani(tiket=t)
            ok.append(1)
        except services.TransisiDitolak as e:
            ditolak.append(e.pesan)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tekan) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(ok) == 1 and len(ditolak) == 1 and "sedang dilayani" in ditolak[0]


def test_a_mobile_jkn_patient_marked_present_waits_from_then_and_keeps_the_number(
    daftar, unit, petugas_loket
):
    booking = daftar(sumber="mobile_jkn", menit_lalu=90)  # booked at home 1.5 h ago
    walk_in = daftar()
    t = services.hadir(tiket=booking, oleh=petugas_loket.user)
    assert t.hadir_pada is not None and t.waktu_masuk == t.hadir_pada
    assert t.riwayat.filter(aksi=Aksi.HADIR, oleh=petugas_loket.user).count() == 1
    assert services.hadir(tiket=t).hadir_pada == t.hadir_pada  # twice changes nothing
    # Still called in number order: the booking came first.
    assert services.panggil_berikutnya(unit=unit).pk == booking.pk
    with pytest.raises(services.AntreanError, match="Hanya booking Mobile JKN"):
        services.hadir(tiket=walk_in)
