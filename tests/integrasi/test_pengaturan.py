"""Per-Puskesmas settings: encrypted, never shown, audited; every outside call uses the
visit's Puskesmas' own credentials (two BPJS simulators with different consumer keys)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest

from bpjs_bridge import services as bpjs_services
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs
from bpjs_bridge.simulator import RunningSimulator, SimConfig, start_in_thread
from integrasi.models import PengaturanIntegrasi
from integrasi.selectors import konfigurasi_bpjs, konfigurasi_satusehat
from integrasi.services import pengaturan_simpan
from pendaftaran.services import kunjungan_daftar
from pendaftaran.validasi import DataKunjungan
from tests.factories import KlasterFactory, PasienFactory, UnitFactory

SIM_A = SimConfig(cons_id="1111", secret="rahasia-a", user_key="uk-a", antrean_user_key="ak-a",
                  username="pcare-a", password="sandi-a", count=50)  # fmt: skip
SIM_B = SimConfig(cons_id="2222", secret="rahasia-b", user_key="uk-b", antrean_user_key="ak-b",
                  username="pcare-b", password="sandi-b", count=50)  # fmt: skip


@pytest.fixture(scope="module")
def dua_bpjs() -> Iterator[tuple[RunningSimulator, RunningSimulator]]:
    a, b = start_in_thread(config=SIM_A), start_in_thread(config=SIM_B)
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def _bpjs(sim: RunningSimulator, cfg: SimConfig) -> dict:
    return {
        "bpjs_aktif": True,
        "bpjs_cons_id": cfg.cons_id,
        "bpjs_secret_key": cfg.secret,
        "bpjs_user_key": cfg.user_key,
        "bpjs_antrean_user_key": cfg.antrean_user_key,
        "pcare_username": cfg.username,
        "pcare_password": cfg.password,
        "pcare_base_url": sim.pcare_url,
        "antrean_base_url": sim.antrean_url,
    }


def test_secrets_are_stored_encrypted_kept_when_left_blank_and_audited_by_name(
    puskesmas, admin_puskesmas, caplog
):
    from audit.models import AuditLog

    caplog.set_level(logging.DEBUG)
    pengaturan_simpan(
        puskesmas=puskesmas,
        oleh=admin_puskesmas.user,
        data={"ss_aktif": True, "ss_client_id": "cid", "ss_client_secret": "sangat-rahasia",
              "ss_organization_id": "100"},
    )  # fmt: skip
    p = PengaturanIntegrasi.objects.get(puskesmas=puskesmas)
    assert p.ss_client_secret_enc and "sangat-rahasia" not in p.ss_client_secret_enc
    pengaturan_simpan(
        puskesmas=puskesmas, oleh=admin_puskesmas.user, data={"ss_client_id": "cid-2"}
    )
    assert konfigurasi_satusehat(puskesmas).client_secret == "sangat-rahasia"
    log = AuditLog.objects.filter(aksi="integrasi_ubah").order_by("pk")
    assert [a.ringkasan.split("Diubah: ")[1] for a in log] == [
        "ss_aktif, ss_client_id, ss_organization_id, ss_client_secret",
        "ss_client_id",
    ]
    assert "sangat-rahasia" not in caplog.text
    assert "sangat-rahasia" not in " ".join(a.ringkasan for a in log)
    assert "sangat-rahasia" not in repr(konfigurasi_satusehat(puskesmas))


def test_without_own_settings_the_environment_defaults_apply(puskesmas, settings):
    settings.BPJS_CONS_ID = "9999"
    assert konfigurasi_bpjs(puskesmas).cons_id == "9999"
    settings.SATUSEHAT_AKTIF = False
    assert konfigurasi_satusehat(puskesmas) is None
    settings.SATUSEHAT_AKTIF = True
    assert konfigurasi_satusehat(puskesmas).organization_id == settings.SATUSEHAT_ORGANIZATION_ID


def test_satusehat_defaults_serve_only_one_puskesmas(puskesmas, puskesmas_lain, settings):
    """One client id serves exactly one Organization: the neighbour needs its own."""
    settings.SATUSEHAT_AKTIF = True
    settings.SATUSEHAT_KODE_FASKES = puskesmas.kode_faskes
    assert konfigurasi_satusehat(puskesmas) is not None
    assert konfigurasi_satusehat(puskesmas_lain) is None


def test_whether_a_puskesmas_sends_to_satusehat_is_told_without_its_secret(
    puskesmas, puskesmas_lain, admin_puskesmas, settings, monkeypatch
):
    """satusehat_aktif (asked by every registration) agrees with konfigurasi_satusehat in every
    case, own settings on or off and the deployment's defaults for their one Puskesmas, and
    never decrypts a secret."""
    import integrasi.selectors as sel

    def kasus(tanya):
        hasil = []
        for kode in (puskesmas.kode_faskes, puskesmas_lain.kode_faskes):
            for aktif in (False, True):
                settings.SATUSEHAT_AKTIF, settings.SATUSEHAT_KODE_FASKES = aktif, kode
                hasil += [tanya(pkm) for pkm in (puskesmas, puskesmas_lain)]
        return hasil

    def cocok() -> list[bool]:
        harap = kasus(lambda pkm: sel.konfigurasi_satusehat(pkm) is not None)
        dibuka = []
        with monkeypatch.context() as m:
            m.setattr(sel, "dekripsi", lambda t: dibuka.append(t) or "x")
            assert kasus(sel.satusehat_aktif) == harap and dibuka == []
        return harap

    harap = cocok()
    assert True in harap and False in harap
    for ss_aktif in (True, False):  # own settings decide, whatever the defaults say
        pengaturan_simpan(puskesmas=puskesmas, oleh=admin_puskesmas.user,
                          data={"ss_aktif": ss_aktif, "ss_client_id": "cid",
                                "ss_client_secret": "s", "ss_organization_id": "100"})  # fmt: skip
        assert cocok()[0::2] == [ss_aktif] * 4  # ours: four settings of the defaults


@pytest.mark.django_db(transaction=True)
def test_two_puskesmas_each_call_bpjs_signed_with_their_own_keys(
    dua_bpjs, puskesmas, puskesmas_lain, admin_puskesmas, petugas_loket, settings
):
    sim_a, sim_b = dua_bpjs
    sim_a.simulator.reset()
    sim_b.simulator.reset()
    settings.BPJS_TERBIT_LATAR = False
    settings.BPJS_TIMEOUT = 2.0
    pengaturan_simpan(puskesmas=puskesmas, oleh=admin_puskesmas.user, data=_bpjs(sim_a, SIM_A))
    pengaturan_simpan(puskesmas=puskesmas_lain, oleh=admin_puskesmas.user, data=_bpjs(sim_b, SIM_B))
    KlasterFactory(puskesmas=puskesmas_lain, nomor=3)
    unit_b = UnitFactory(puskesmas=puskesmas_lain, kode="UMUM", kd_poli_pcare="001",
                         klaster=KlasterFactory(puskesmas=puskesmas_lain))  # fmt: skip

    def daftar(pkm, unit, peserta):
        pasien = PasienFactory(puskesmas=pkm, nik=peserta["nik"], no_bpjs=peserta["no_kartu"])
        return kunjungan_daftar(
            puskesmas=pkm, pasien=pasien, unit=unit, data=DataKunjungan(penjamin="bpjs"),
            client_uuid=uuid.uuid4(), oleh=petugas_loket.user,
        ).kunjungan  # fmt: skip

    k_a = daftar(
        puskesmas, puskesmas.unit_layanan.get(kode="UMUM"), sim_a.simulator.participants[0]
    )
    k_b = daftar(puskesmas_lain, unit_b, sim_b.simulator.participants[1])
    for k in (k_a, k_b):
        cek = PermintaanBpjs.objects.get(kunjungan=k, jenis=JenisPermintaan.CEK_PESERTA)
        bpjs_services.permintaan_proses(permintaan_id=cek.pk)
    # Each simulator accepts only its own consumer's signature and saw only its Puskesmas.
    for sim, nomor in ((sim_a, k_a.pasien.no_bpjs), (sim_b, k_b.pasien.no_bpjs)):
        calls = [c for c in sim.simulator.calls if "peserta" in c["path"]]
        assert [c["outcome"] for c in calls] == ["ok"]
        assert calls[0]["path"].endswith(nomor)


@pytest.mark.django_db(transaction=True)
def test_one_puskesmas_bad_keys_hold_only_its_own_rows_and_open_no_breaker(
    dua_bpjs, puskesmas, puskesmas_lain, admin_puskesmas, petugas_loket, settings
):
    from bpjs_bridge import breaker

    sim_a, sim_b = dua_bpjs
    sim_b.simulator.reset()
    settings.BPJS_TERBIT_LATAR = False
    settings.BPJS_BREAKER_AMBANG = 2
    pengaturan_simpan(puskesmas=puskesmas, oleh=admin_puskesmas.user, data=_bpjs(sim_a, SIM_A))
    salah = {**_bpjs(sim_b, SIM_B), "bpjs_secret_key": "bukan-ini"}
    pengaturan_simpan(puskesmas=puskesmas_lain, oleh=admin_puskesmas.user, data=salah)
    unit_b = UnitFactory(puskesmas=puskesmas_lain, kode="UMUM", kd_poli_pcare="001",
                         klaster=KlasterFactory(puskesmas=puskesmas_lain))  # fmt: skip
    for p in sim_b.simulator.participants[2:5]:
        pasien = PasienFactory(puskesmas=puskesmas_lain, nik=p["nik"], no_bpjs=p["no_kartu"])
        k = kunjungan_daftar(
            puskesmas=puskesmas_lain, pasien=pasien, unit=unit_b,
            data=DataKunjungan(penjamin="bpjs"), client_uuid=uuid.uuid4(), oleh=petugas_loket.user,
        ).kunjungan  # fmt: skip
        cek = PermintaanBpjs.objects.get(kunjungan=k, jenis=JenisPermintaan.CEK_PESERTA)
        bpjs_services.permintaan_proses(permintaan_id=cek.pk)
    hasil = list(PermintaanBpjs.objects.filter(puskesmas=puskesmas_lain, jenis="cek_peserta")
                 .values_list("status", "kode_galat"))  # fmt: skip
    # Refused keys are not an outage (issue 12): every row of that Puskesmas is held with the
    # cause, no attempt spent after the first, no breaker opened — and the other Puskesmas,
    # with its own good keys, is untouched.
    assert hasil == [("menunggu", "auth_kredensial")] * 3
    assert not breaker.keadaan(puskesmas_lain.pk).gangguan
    assert not breaker.keadaan(puskesmas.pk).gangguan
    assert bpjs_services.probe_pemutus(puskesmas_id=puskesmas.pk) == "tidak_perlu"


def test_mobile_jkn_logs_in_to_the_puskesmas_whose_login_it_is(
    puskesmas, puskesmas_lain, admin_puskesmas, settings
):
    from bpjs_bridge import jkn

    pengaturan_simpan(
        puskesmas=puskesmas_lain,
        oleh=admin_puskesmas.user,
        data={"jkn_aktif": True, "jkn_username": "jkn-tetangga", "jkn_password": "sandi-t"},
    )
    token_b = jkn.token_buat(username="jkn-tetangga", password="sandi-t")
    assert jkn.token_periksa(token=token_b, username="jkn-tetangga") == puskesmas_lain
    token_a = jkn.token_buat(username=settings.JKN_USERNAME, password=settings.JKN_PASSWORD)
    assert jkn.token_periksa(token=token_a, username=settings.JKN_USERNAME) == puskesmas
    with pytest.raises(jkn.Ditolak):
        jkn.token_buat(username="jkn-tetangga", password=settings.JKN_PASSWORD)
    with pytest.raises(jkn.Ditolak):
        jkn.token_periksa(token=token_b, username=settings.JKN_USERNAME)
