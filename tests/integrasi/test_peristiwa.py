"""Domain events: each bridge subscribes once and writes its rows in the domain's transaction."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from integrasi import peristiwa
from integrasi.peristiwa import Peristiwa


def test_both_bridges_subscribe_to_every_event_once():
    for p in (peristiwa.kunjungan_terdaftar, peristiwa.kunjungan_dipanggil,
              peristiwa.kunjungan_batal):  # fmt: skip
        modul = [nama.rsplit(".", 1)[0] for nama in p.pelanggan]
        assert modul == ["bpjs_bridge.services.langganan", "satusehat.services"]


def test_subscribing_twice_does_not_double_a_subscriber():
    p = Peristiwa("uji")
    terima: list[int] = []

    def catat(*, n: int) -> None:
        terima.append(n)

    p.langganan(catat)
    p.langganan(catat)
    p.terbitkan(n=1)
    assert terima == [1]


def test_many_at_once_go_to_a_batch_handler_or_one_by_one_to_a_plain_one():
    p = Peristiwa("uji")
    satu: list[int] = []
    banyak: list[list[int]] = []

    def polos(*, n: int) -> None:
        satu.append(n)

    def sendiri(*, n: int) -> None:
        raise AssertionError("the batch handler takes them")

    p.langganan(polos)
    p.langganan(sendiri, banyak=lambda daftar: banyak.append([d["n"] for d in daftar]))
    p.terbitkan_banyak([{"n": 1}, {"n": 2}])
    p.terbitkan_banyak([])
    assert satu == [1, 2] and banyak == [[1, 2]]
    p.berhenti(f"{sendiri.__module__}.{sendiri.__qualname__}")
    p.terbitkan_banyak([{"n": 3}])
    assert satu == [1, 2, 3] and banyak == [[1, 2]]


def test_a_rolled_back_registration_leaves_no_outbox_rows(
    pasien_bpjs, puskesmas, petugas_loket, settings
):
    from bpjs_bridge.models import PermintaanBpjs
    from pendaftaran.models import Kunjungan
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    class Batal(Exception):
        pass

    with pytest.raises(Batal), transaction.atomic():
        kunjungan_daftar(
            puskesmas=puskesmas, pasien=pasien_bpjs, unit=puskesmas.unit_layanan.get(kode="UMUM"),
            data=DataKunjungan(penjamin="bpjs"), client_uuid=uuid.uuid4(), oleh=petugas_loket.user,
        )  # fmt: skip
        assert PermintaanBpjs.objects.exists()  # written inside the same transaction
        raise Batal
    assert not Kunjungan.objects.exists() and not PermintaanBpjs.objects.exists()
