"""The SATUSEHAT client against the simulator over real HTTP (no mocks of the protocol)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from satusehat import client as ss
from satusehat.fhir import DataEncounter, encounter
from satusehat.simulator import Klien
from satusehat.simulator.app import DEMO_ORG, PRAKTISI, lokasi_demo
from tests.satusehat.conftest import nik_dikenal, panggilan_ss


def _data(sim, *, kunjungan_id: str | None = None, org: str = DEMO_ORG) -> DataEncounter:
    _, ihs = nik_dikenal(sim)
    return DataEncounter(
        organization_id=org,
        kunjungan_id=kunjungan_id or str(uuid.uuid4().int % 10**8),
        pasien_ihs=ihs,
        pasien_nama="Pasien",
        praktisi_ihs=PRAKTISI[0][1],
        praktisi_nama=PRAKTISI[0][2],
        location_id=lokasi_demo(org, "UMUM"),
        location_nama="Poli Umum",
        datang=datetime(2026, 12, 1, 8, 5, 7, tzinfo=UTC),
    )


def test_a_token_is_fetched_once_and_reused_until_shortly_before_it_expires(satusehat, ss_sim):
    token = satusehat.token()
    assert token.expires_in == 3599  # arrived as the string "3599"
    nik, _ = nik_dikenal(ss_sim)
    satusehat.pasien_by_nik(nik)
    satusehat.pasien_by_nik(nik)
    assert len(panggilan_ss(ss_sim, "POST", "accesstoken")) == 1
    assert token.jam_server is not None  # the Date header, for the clock check


def test_a_token_close_to_expiry_is_renewed_before_use(ss_config, ss_sim):
    sekarang = [1_000_000.0]
    with ss.SatusehatClient(ss_config, clock=lambda: sekarang[0]) as c:
        c.token()
        sekarang[0] += 3599 - 30  # inside the 60 s renewal margin
        c.token()
    assert len(panggilan_ss(ss_sim, "POST", "accesstoken")) == 2


def test_a_token_the_server_expired_early_is_replaced_and_the_call_succeeds(satusehat, ss_sim):
    nik, ihs = nik_dikenal(ss_sim)
    satusehat.token()
    ss_sim.simulator.kedaluwarsakan_token()
    assert satusehat.pasien_by_nik(nik).ihs == ihs
    assert len(panggilan_ss(ss_sim, "POST", "accesstoken")) == 2


def test_a_wrong_secret_is_reported_as_wrong_credentials(ss_config):
    salah = ss.SatusehatConfig(**{**ss_config.__dict__, "client_secret": "keliru"})
    with ss.SatusehatClient(salah) as c, pytest.raises(ss.SatusehatAuthError) as e:
        c.token()
    assert "client secret salah" in e.value.message
    assert not e.value.transient


def test_patient_is_found_by_nik_and_an_unknown_nik_is_none(satusehat, ss_sim):
    nik, ihs = nik_dikenal(ss_sim)
    p = satusehat.pasien_by_nik(nik)
    assert p is not None and p.ihs == ihs
    assert satusehat.pasien_by_nik("3204100000000000") is None


def test_a_newborn_is_found_by_the_mothers_nik_and_birth_order(satusehat, ss_control):
    ibu = "3204105505900001"
    for urutan in (1, 2):  # twins
        ss_control.post(
            "/patients", json={"nik_ibu": ibu, "urutan": urutan, "ihs": f"P0000000000{urutan}",
                               "lahir": "2026-11-30"},
        )  # fmt: skip
    assert satusehat.pasien_by_nik_ibu(ibu) is None  # two babies: ambiguous without the order
    bayi = satusehat.pasien_by_nik_ibu(ibu, urutan_lahir=2)
    assert bayi is not None and bayi.ihs == "P00000000002"


def test_practitioner_is_found_by_nik(satusehat):
    nik, ihs, nama = PRAKTISI[1]
    p = satusehat.praktisi_by_nik(nik)
    assert p == ss.Praktisi(ihs=ihs, nama=nama)
    assert satusehat.praktisi_by_nik("1111111111111111") is None


def test_location_and_organization_are_read_and_another_orgs_location_is_refused(satusehat, ss_sim):
    lokasi = satusehat.lokasi(lokasi_demo(DEMO_ORG, "UMUM"))
    assert lokasi.organization_id == DEMO_ORG
    assert satusehat.organisasi(DEMO_ORG).nama
    ss_sim.simulator.tambah_klien("lain", Klien("rahasia-lain", "20000001", "PKM Lain"))
    with pytest.raises(ss.SatusehatForbidden) as e:
        satusehat.lokasi(lokasi_demo("20000001", "UMUM"))
    assert "business rule" in e.value.teks_aturan
    with pytest.raises(ss.SatusehatNotFound):
        satusehat.lokasi("tidak-ada")


def test_an_encounter_is_created_read_moved_on_and_found_by_identifier_and_subject(
    satusehat, ss_sim
):
    d = _data(ss_sim)
    dibuat = satusehat.encounter_buat(encounter(d, "arrived"))
    assert dibuat.status == "arrived" and dibuat.identifier == d.kunjungan_id
    assert satusehat.encounter_baca(dibuat.id).id == dibuat.id
    d2 = DataEncounter(**{**d.__dict__, "dipanggil": d.datang + timedelta(minutes=20)})
    diubah = satusehat.encounter_ubah(dibuat.id, encounter(d2, "in-progress"))
    assert diubah.status == "in-progress"
    cfg = satusehat.config
    cari = satusehat.encounter_cari(identifier=f"{cfg.sistem_encounter}|{d.kunjungan_id}")
    assert [e.id for e in cari] == [dibuat.id]
    assert dibuat.id in [e.id for e in satusehat.encounter_cari(subject=d.pasien_ihs)]
    body = ss_sim.simulator.encounter[dibuat.id]
    assert body["statusHistory"][0]["period"] == {
        "start": "2026-12-01T08:05:07+00:00",
        "end": "2026-12-01T08:25:07+00:00",
    }


def test_a_second_encounter_with_the_same_identifier_is_refused_as_duplicate(satusehat, ss_sim):
    body = encounter(_data(ss_sim, kunjungan_id="777"), "arrived")
    satusehat.encounter_buat(body)
    with pytest.raises(ss.SatusehatDuplicate) as e:
        satusehat.encounter_buat(body)
    assert e.value.aturan == 20002
    assert "duplicate" in e.value.teks_aturan.lower()


def test_a_wrong_organization_in_the_identifier_is_refused_with_its_rule(satusehat, ss_sim):
    body = encounter(_data(ss_sim, org="99999999"), "arrived")
    with pytest.raises(ss.SatusehatPermanentError) as e:
        satusehat.encounter_buat(body)
    assert e.value.aturan == 10117


def test_finishing_without_a_diagnosis_is_refused_with_rule_10457(satusehat, ss_sim):
    d = _data(ss_sim)
    e = satusehat.encounter_buat(encounter(d, "arrived"))
    body = encounter(DataEncounter(**{**d.__dict__, "batal": d.datang}), "cancelled")
    body.update(status="finished")
    with pytest.raises(ss.SatusehatValidationError) as exc:
        satusehat.encounter_ubah(e.id, body)
    assert exc.value.aturan == 10457


@pytest.mark.parametrize(
    ("fault", "galat"),
    [
        ({"mode": "down"}, ss.SatusehatConnectionError),
        ({"mode": "slow", "delay_ms": 3000}, ss.SatusehatTimeoutError),
        ({"mode": "timeout", "delay_ms": 3000}, ss.SatusehatTimeoutError),
        ({"mode": "error5xx", "status": 503}, ss.SatusehatServerError),
    ],
)
def test_each_fault_is_a_transient_error(satusehat, ss_sim, ss_control, fault, galat):
    satusehat.token()
    ss_control.post("/faults", json={**fault, "path_contains": "Patient"})
    with pytest.raises(galat) as e:
        satusehat.pasien_by_nik(nik_dikenal(ss_sim)[0])
    assert e.value.transient


def test_a_lost_reply_then_a_retry_leaves_one_encounter_found_by_identifier(
    satusehat, ss_sim, ss_control
):
    d = _data(ss_sim, kunjungan_id="4242")
    body = encounter(d, "arrived")
    satusehat.token()
    ss_control.post(
        "/faults", json={"mode": "down", "apply": True, "path_contains": "Encounter",
                         "method": "POST", "remaining": 1},
    )  # fmt: skip
    with pytest.raises(ss.SatusehatConnectionError):
        satusehat.encounter_buat(body)  # it was stored; we never heard
    with pytest.raises(ss.SatusehatDuplicate):
        satusehat.encounter_buat(body)
    ada = satusehat.encounter_cari(identifier=f"{satusehat.config.sistem_encounter}|4242")
    assert len(ada) == 1 and len(ss_sim.simulator.encounter) == 1


def test_two_clients_each_use_their_own_token_and_cannot_read_each_others_encounters(
    ss_config, ss_sim
):
    ss_sim.simulator.tambah_klien("pkm-b", Klien("rahasia-b", "20000002", "PKM B"))
    cfg_b = ss.SatusehatConfig(
        client_id="pkm-b", client_secret="rahasia-b", organization_id="20000002",
        base_url=ss_sim.url, kunci="b",
    )  # fmt: skip
    with ss.SatusehatClient(ss_config) as a, ss.SatusehatClient(cfg_b) as b:
        enc_a = a.encounter_buat(encounter(_data(ss_sim), "arrived"))
        enc_b = b.encounter_buat(encounter(_data(ss_sim, org="20000002"), "arrived"))
        assert a.token().access_token != b.token().access_token
        with pytest.raises(ss.SatusehatForbidden):
            b.encounter_baca(enc_a.id)
        assert a.encounter_baca(enc_a.id).id == enc_a.id
        assert b.encounter_baca(enc_b.id).id == enc_b.id
    tokens = [c for c in ss_sim.simulator.calls if "accesstoken" in c["path"]]
    assert len(tokens) == 2


def test_times_are_sent_in_utc_with_an_explicit_offset():
    from zoneinfo import ZoneInfo

    from satusehat.fhir import waktu_fhir

    wita = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Makassar"))
    assert waktu_fhir(wita) == "2026-12-01T01:30:15+00:00"
    with pytest.raises(ValueError):
        waktu_fhir(datetime(2026, 12, 1, 9, 30))
