"""BpjsClient against the simulator over real HTTP, plus MockTransport edge cases."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bpjs_bridge import signing
from bpjs_bridge.client import (
    AntreanRequest,
    BpjsAuthError,
    BpjsClient,
    BpjsConfig,
    BpjsConnectionError,
    BpjsCredentialsError,
    BpjsError,
    BpjsMalformedResponse,
    BpjsNotFound,
    BpjsPermanentError,
    BpjsReferenceError,
    BpjsServerError,
    BpjsTimeoutError,
    BpjsValidationError,
    FieldError,
    PendaftaranRequest,
    Peserta,
    PesertaTidakDitemukan,
)
from bpjs_bridge.simulator import RunningSimulator

KAMI = "0114U163"
Pick = Callable[..., dict[str, Any]]


def daftar(p: dict[str, Any], tgl: date, kd_poli: str = "001", **extra: Any) -> PendaftaranRequest:
    return PendaftaranRequest(
        kd_provider_peserta=p["kd_provider"],
        tgl_daftar=tgl,
        no_kartu=p["no_kartu"],
        kd_poli=kd_poli,
        kunj_sakit=True,
        keluhan="demam 2 hari",
        sistole=120,
        diastole=80,
        berat_badan=60,
        tinggi_badan=160,
        **extra,
    )


def antrean(p: dict[str, Any], tgl: date, nomor: str = "A-1", angka: int = 1) -> AntreanRequest:
    return AntreanRequest(
        nomorkartu=p["no_kartu"],
        nik=p["nik"],
        nohp="081234567890",
        kodepoli="001",
        namapoli="UMUM",
        norm="RM-000123",
        tanggalperiksa=tgl,
        kodedokter=101,
        namadokter="dr. SITI RAHMAWATI",
        jampraktek="08:00-12:00",
        nomorantrean=nomor,
        angkaantrean=angka,
        keterangan="Datang 30 menit sebelum pelayanan",
    )


def set_fault(control: httpx.Client, **fault: Any) -> None:
    response = control.post("/faults", json=fault)
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- peserta


def test_peserta_by_card_returns_a_typed_active_participant_of_our_fktp(
    bpjs: BpjsClient, pick: Pick
) -> None:
    p = pick("aktif")
    peserta = bpjs.peserta_by_noka(p["no_kartu"])
    assert isinstance(peserta, Peserta)
    assert peserta.no_kartu == p["no_kartu"]
    assert peserta.nik == p["nik"]
    assert peserta.nama == p["nama"]
    assert peserta.sex == p["sex"]
    assert peserta.tgl_lahir == p["tgl_lahir"]
    assert peserta.aktif is True
    assert peserta.ket_aktif == "AKTIF"
    assert peserta.terdaftar_di(KAMI)
    assert peserta.tunggakan == 0
    assert peserta.jenis_peserta


def test_peserta_by_nik_finds_a_patient_who_lost_the_card_and_returns_the_card_number(
    bpjs: BpjsClient, pick: Pick
) -> None:
    p = pick("nik_saja")
    peserta = bpjs.peserta_by_nik(p["nik"])
    assert peserta.no_kartu == p["no_kartu"]
    assert len(peserta.no_kartu) == 13


def test_inactive_and_in_arrears_participants_come_back_as_not_aktif(
    bpjs: BpjsClient, pick: Pick
) -> None:
    tidak_aktif = bpjs.peserta_by_noka(pick("tidak_aktif")["no_kartu"])
    assert (tidak_aktif.aktif, tidak_aktif.ket_aktif) == (False, "TIDAK AKTIF")
    menunggak = bpjs.peserta_by_noka(pick("menunggak")["no_kartu"])
    assert menunggak.aktif is False
    assert menunggak.ket_aktif == "MENUNGGAK"
    assert menunggak.tunggakan > 0


def test_participant_of_another_fktp_reports_that_provider(bpjs: BpjsClient, pick: Pick) -> None:
    peserta = bpjs.peserta_by_noka(pick("fktp_lain")["no_kartu"])
    assert peserta.aktif is True
    assert not peserta.terdaftar_di(KAMI)
    assert peserta.nm_provider


def test_unknown_card_is_a_permanent_peserta_tidak_ditemukan(bpjs: BpjsClient) -> None:
    with pytest.raises(PesertaTidakDitemukan) as info:
        bpjs.peserta_by_noka("0009999999999")
    err = info.value
    assert isinstance(err, BpjsPermanentError) and not err.transient
    assert err.code == 204
    assert err.bpjs_message == "Data peserta tidak ditemukan"
    assert "tidak ditemukan" in err.message


def test_user_input_cannot_add_path_segments(bpjs: BpjsClient, control: httpx.Client) -> None:
    with pytest.raises(PesertaTidakDitemukan):
        bpjs.peserta_by_noka("nik/3204115409919848")
    assert control.get("/calls").json()["calls"][0]["path"] == "peserta/nik%2F3204115409919848"


# ---------------------------------------------------------------- pendaftaran


def test_pendaftaran_add_read_list_and_delete_round_trip(bpjs: BpjsClient, pick: Pick) -> None:
    p = pick("aktif")
    today = date.today()
    no_urut = bpjs.pendaftaran_add(daftar(p, today))
    assert no_urut == "A1"

    got = bpjs.pendaftaran_get(no_urut, today)
    assert (got.no_urut, got.tgl_daftar, got.no_kartu) == ("A1", today, p["no_kartu"])
    assert (got.kd_poli, got.kunj_sakit, got.keluhan) == ("001", True, "demam 2 hari")
    assert (got.sistole, got.diastole, got.kd_tkp, got.status) == (120, 80, "10", "Baru")

    day = bpjs.pendaftaran_by_tanggal(today, 0, 10)
    assert [r.no_urut for r in day] == ["A1"]
    assert day[0].nama == p["nama"]

    bpjs.pendaftaran_delete(p["no_kartu"], today, no_urut, "001")
    with pytest.raises(BpjsNotFound):
        bpjs.pendaftaran_get(no_urut, today)
    assert bpjs.pendaftaran_by_tanggal(today) == []


def test_no_urut_counts_per_poli_per_day(bpjs: BpjsClient, pick: Pick) -> None:
    today, tomorrow = date.today(), date.today() + timedelta(days=1)
    a, b, c = pick("aktif", 0), pick("aktif", 1), pick("aktif", 2)
    assert bpjs.pendaftaran_add(daftar(a, today)) == "A1"
    assert bpjs.pendaftaran_add(daftar(b, today)) == "A2"
    assert bpjs.pendaftaran_add(daftar(c, today, "002")) == "B1"
    assert bpjs.pendaftaran_add(daftar(a, tomorrow)) == "A1"
    page = bpjs.pendaftaran_by_tanggal(today, 1, 1)
    assert [r.no_urut for r in page] == ["A2"]


def test_registering_the_same_patient_twice_is_a_412_with_the_field(
    bpjs: BpjsClient, pick: Pick
) -> None:
    p = pick("aktif")
    bpjs.pendaftaran_add(daftar(p, date.today()))
    with pytest.raises(BpjsValidationError) as info:
        bpjs.pendaftaran_add(daftar(p, date.today()))
    assert info.value.code == 412
    assert info.value.fields[0].field == "noKartu"
    assert "noKartu" in info.value.message


def test_registering_an_inactive_participant_is_refused_permanently(
    bpjs: BpjsClient, pick: Pick
) -> None:
    with pytest.raises(BpjsValidationError) as info:
        bpjs.pendaftaran_add(daftar(pick("tidak_aktif"), date.today()))
    assert "TIDAK AKTIF" in info.value.fields[0].message


def test_unknown_poli_code_is_a_424_reference_error(bpjs: BpjsClient, pick: Pick) -> None:
    with pytest.raises(BpjsReferenceError) as info:
        bpjs.pendaftaran_add(daftar(pick("aktif"), date.today(), "999"))
    assert info.value.code == 424
    assert info.value.fields == (FieldError("kdPoli", "Kode poli tidak terdaftar"),)


def test_pendaftaran_add_reaches_bpjs_exactly_once(
    bpjs: BpjsClient, control: httpx.Client, pick: Pick
) -> None:
    bpjs.pendaftaran_add(daftar(pick("aktif"), date.today()))
    calls = control.get("/calls", params={"method": "POST"}).json()["calls"]
    assert len(calls) == 1
    assert calls[0]["path"] == "pendaftaran"
    assert calls[0]["body"]["tglDaftar"] == date.today().strftime("%d-%m-%Y")
    assert calls[0]["outcome"] == "ok"


# ---------------------------------------------------------------- references


def test_poli_and_dokter_references_are_typed(bpjs: BpjsClient) -> None:
    poli = {p.kd_poli: p for p in bpjs.poli_fktp(0, 100)}
    assert {"001", "002", "003"} <= set(poli)
    assert poli["001"].nm_poli == "UMUM" and poli["001"].poli_sakit is True
    dokter = bpjs.dokter(0, 2)
    assert len(dokter) == 2 and dokter[0].kd_dokter == "101"


def test_antrean_references_use_iso_dates_and_int_doctor_codes(
    bpjs: BpjsClient, control: httpx.Client
) -> None:
    today = date.today()
    assert "001" in {p.kodepoli for p in bpjs.ref_poli(today)}
    jadwal = bpjs.ref_dokter("001", today)
    assert jadwal[0].kodedokter == 101 and jadwal[0].jampraktek == "08:00-12:00"
    paths = [c["path"] for c in control.get("/calls").json()["calls"]]
    assert f"ref/poli/tanggal/{today.isoformat()}" in paths


# ---------------------------------------------------------------- antrean FKTP


def test_antrean_add_panggil_and_batal(bpjs: BpjsClient, control: httpx.Client, pick: Pick) -> None:
    p = pick("aktif")
    today = date.today()
    bpjs.antrean_add(antrean(p, today))
    bpjs.antrean_panggil(tanggalperiksa=today, kodepoli="001", nomorkartu=p["no_kartu"])
    bpjs.antrean_batal(
        tanggalperiksa=today, kodepoli="001", nomorkartu=p["no_kartu"], alasan="Pasien pulang"
    )
    state = control.get("/state").json()["antrean"]
    assert state[0]["status"] == "batal" and isinstance(state[0]["waktu"], int)
    with pytest.raises(BpjsValidationError) as info:  # Antrean FKTP says code 201 = failed
        bpjs.antrean_batal(
            tanggalperiksa=today, kodepoli="001", nomorkartu=p["no_kartu"], alasan="lagi"
        )
    assert info.value.code == 201
    assert info.value.bpjs_message == "Antrean sudah dibatalkan"


def test_antrean_add_with_a_short_nik_is_a_permanent_validation_error(
    bpjs: BpjsClient, pick: Pick
) -> None:
    bad = dataclasses.replace(antrean(pick("aktif"), date.today()), nik="12345")
    with pytest.raises(BpjsValidationError) as info:
        bpjs.antrean_add(bad)
    assert "NIK" in info.value.message


# ---------------------------------------------------------------- authentication


def test_wrong_secret_is_a_permanent_auth_error_that_names_the_keys_not_the_clock(
    bpjs_config: BpjsConfig, pick: Pick
) -> None:
    wrong = dataclasses.replace(bpjs_config, secret_key="not-the-secret")
    with BpjsClient(wrong) as c, pytest.raises(BpjsAuthError) as info:
        c.peserta_by_noka(pick("aktif")["no_kartu"])
    err = info.value
    assert isinstance(err, BpjsPermanentError) and not err.transient
    assert err.code == 401 and err.layanan == "pcare" and err.kode == "auth_kredensial"
    assert abs(err.selisih_jam) < 5  # measured against the reply's Date header
    assert "secret key" in err.message and "jam server sesuai" in err.message


def test_clock_skew_beyond_the_gateway_tolerance_fails_authentication(
    bpjs_config: BpjsConfig, pick: Pick
) -> None:
    no_kartu = pick("aktif")["no_kartu"]
    with BpjsClient(bpjs_config, clock=lambda: time.time() + 120) as c:
        assert c.peserta_by_noka(no_kartu).aktif  # inside the default 300 s
    late = BpjsClient(bpjs_config, clock=lambda: time.time() - 1000)
    with late, pytest.raises(BpjsAuthError) as info:
        late.peserta_by_noka(no_kartu)
    assert info.value.kode == "auth_jam"
    assert "17 menit lebih lambat dari jam BPJS" in info.value.message


def test_a_bpjs_clock_ten_minutes_ahead_is_named_as_the_cause(
    bpjs: BpjsClient, control: httpx.Client
) -> None:
    control.post("/config", json={"clock_offset": 600})
    with pytest.raises(BpjsAuthError) as info:
        bpjs.ref_poli(date.today())
    assert info.value.kode == "auth_jam" and info.value.layanan == "antrean"
    assert "BPJS Antrean FKTP" in info.value.message
    assert "10 menit lebih lambat" in info.value.message and "NTP" in info.value.message


def test_auth_failure_with_http_200_status_is_still_an_auth_error(
    bpjs: BpjsClient, control: httpx.Client
) -> None:
    control.post("/config", json={"auth_fail_status": 200})
    set_fault(control, mode="auth")
    with pytest.raises(BpjsAuthError) as info:
        bpjs.poli_fktp()
    assert info.value.code == 200


def test_wrong_pcare_password_is_a_permanent_credentials_error(
    bpjs_config: BpjsConfig, pick: Pick
) -> None:
    wrong = dataclasses.replace(bpjs_config, password="salah")
    with BpjsClient(wrong) as c, pytest.raises(BpjsCredentialsError) as info:
        c.peserta_by_noka(pick("aktif")["no_kartu"])
    assert info.value.code == 401 and not info.value.transient


def test_antrean_calls_need_the_antrean_user_key(bpjs_config: BpjsConfig) -> None:
    swapped = dataclasses.replace(bpjs_config, antrean_user_key=bpjs_config.user_key)
    with BpjsClient(swapped) as c, pytest.raises(BpjsAuthError) as info:
        c.ref_poli(date.today())
    assert "user key Antrean FKTP" in info.value.message


# ---------------------------------------------------------------- faults


def test_down_simulator_is_a_transient_connection_error(
    bpjs: BpjsClient, control: httpx.Client, pick: Pick
) -> None:
    set_fault(control, mode="down")
    with pytest.raises(BpjsConnectionError) as info:
        bpjs.peserta_by_noka(pick("aktif")["no_kartu"])
    assert info.value.transient
    set_fault(control, mode="ok")
    assert bpjs.peserta_by_noka(pick("aktif")["no_kartu"]).aktif  # recovers on a new socket


def test_nothing_listening_is_a_transient_connection_error(bpjs_config: BpjsConfig) -> None:
    closed = dataclasses.replace(bpjs_config, pcare_base_url="http://127.0.0.1:9/pcare-rest")
    with BpjsClient(closed) as c, pytest.raises(BpjsConnectionError):
        c.poli_fktp()


def test_slow_bpjs_beyond_the_client_timeout_is_a_transient_timeout(
    bpjs_config: BpjsConfig, control: httpx.Client
) -> None:
    set_fault(control, mode="slow", delay_ms=1500)
    impatient = dataclasses.replace(bpjs_config, timeout=0.3)
    started = time.monotonic()
    with BpjsClient(impatient) as c, pytest.raises(BpjsTimeoutError) as info:
        c.poli_fktp()
    assert time.monotonic() - started < 1.5  # gave up before the simulator answered
    assert info.value.transient


def test_slow_bpjs_within_the_timeout_still_answers(
    bpjs: BpjsClient, control: httpx.Client
) -> None:
    set_fault(control, mode="slow", delay_ms=200)
    started = time.monotonic()
    assert bpjs.poli_fktp()
    assert time.monotonic() - started >= 0.2


def test_hanging_bpjs_is_a_transient_timeout(
    bpjs_config: BpjsConfig, control: httpx.Client
) -> None:
    set_fault(control, mode="timeout")
    impatient = BpjsClient(dataclasses.replace(bpjs_config, timeout=0.3))
    with impatient, pytest.raises(BpjsTimeoutError):
        impatient.poli_fktp()


@pytest.mark.parametrize("http_200_always", [False, True])
def test_server_errors_are_transient_whatever_the_status_line(
    bpjs: BpjsClient, control: httpx.Client, http_200_always: bool
) -> None:
    control.post("/config", json={"http_200_always": http_200_always})
    set_fault(control, mode="error5xx", status=503)
    with pytest.raises(BpjsServerError) as info:
        bpjs.poli_fktp()
    assert info.value.code == 503 and info.value.transient


def test_metadata_408_is_a_transient_timeout(bpjs: BpjsClient, control: httpx.Client) -> None:
    set_fault(control, mode="error408")
    with pytest.raises(BpjsTimeoutError) as info:
        bpjs.dokter()
    assert info.value.code == 408


def test_validation_fault_is_permanent_with_its_field_list(
    bpjs: BpjsClient, control: httpx.Client, pick: Pick
) -> None:
    set_fault(control, mode="validation412", scope="pcare")
    with pytest.raises(BpjsValidationError) as info:
        bpjs.pendaftaran_add(daftar(pick("aktif"), date.today()))
    assert not info.value.transient
    assert info.value.fields == (FieldError("noKartu", "Simulasi: data tidak valid"),)


def test_malformed_response_is_transient(bpjs: BpjsClient, control: httpx.Client) -> None:
    set_fault(control, mode="malformed")
    with pytest.raises(BpjsMalformedResponse) as info:
        bpjs.poli_fktp()
    assert info.value.transient


def test_fault_scope_and_remaining_limit_which_calls_fail(
    bpjs: BpjsClient, control: httpx.Client
) -> None:
    set_fault(control, mode="error5xx", scope="antrean", remaining=1)
    assert bpjs.poli_fktp()  # PCare untouched
    with pytest.raises(BpjsServerError):
        bpjs.ref_poli(date.today())
    assert bpjs.ref_poli(date.today())  # the single fault is used up
    assert control.get("/faults").json()["mode"] == "ok"


def test_timed_out_pendaftaran_that_bpjs_applied_is_visible_in_the_day_list(
    bpjs_config: BpjsConfig, bpjs: BpjsClient, control: httpx.Client, pick: Pick
) -> None:
    # The outbox's hardest case: we never saw the reply, but PCare did register the visit.
    p = pick("aktif")
    set_fault(control, mode="timeout", apply=True, remaining=1)
    impatient = BpjsClient(dataclasses.replace(bpjs_config, timeout=0.3))
    with impatient, pytest.raises(BpjsTimeoutError):
        impatient.pendaftaran_add(daftar(p, date.today()))
    with pytest.raises(BpjsValidationError):  # a blind retry is refused as a duplicate
        bpjs.pendaftaran_add(daftar(p, date.today()))
    assert [r.no_kartu for r in bpjs.pendaftaran_by_tanggal(date.today())] == [p["no_kartu"]]


# ---------------------------------------------------------------- MockTransport edge cases


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], clock: Callable[[], float] = time.time
) -> BpjsClient:
    return BpjsClient(BpjsConfig(), transport=httpx.MockTransport(handler), clock=clock)


def reply(payload: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=payload)


def test_one_timestamp_signs_the_request_and_decrypts_its_reply() -> None:
    ticks = iter([1_700_000_000.2, 1_700_000_001.9, 1_700_000_005.0])
    seen: list[httpx.Request] = []
    cfg = BpjsConfig()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        ts = request.headers["x-timestamp"]
        body = signing.encrypt_response({"count": 0, "list": []}, cfg.cons_id, cfg.secret_key, ts)
        return httpx.Response(
            200, json={"metaData": {"code": 200, "message": "OK"}, "response": body}
        )

    with mock_client(handler, clock=lambda: next(ticks)) as c:
        assert c.poli_fktp() == []
        assert c.dokter() == []
    first = seen[0].headers
    assert first["x-timestamp"] == "1700000000"
    assert first["x-signature"] == signing.signature(cfg.cons_id, cfg.secret_key, "1700000000")
    assert first["x-authorization"] == signing.authorization("pcare-demo", "pcare-demo", "095")
    assert first["user_key"] == cfg.user_key
    assert seen[1].headers["x-timestamp"] == "1700000001"


def test_lower_case_metadata_capital_code_and_string_codes_are_accepted() -> None:
    with mock_client(reply({"metadata": {"Code": "200", "message": "OK"}, "response": None})) as c:
        c.pendaftaran_delete("0001234567890", date(2026, 1, 5), "A1", "001")


def test_a_plain_json_response_is_used_without_decrypting() -> None:
    item = {"kdPoli": "001", "nmPoli": "UMUM", "poliSakit": True}
    with mock_client(
        reply({"metaData": {"code": 200}, "response": {"count": 1, "list": [item]}})
    ) as c:
        assert c.poli_fktp()[0].nm_poli == "UMUM"
    as_text = json.dumps({"count": 1, "list": [item]})
    with mock_client(reply({"metaData": {"code": 200}, "response": as_text})) as c:
        assert c.poli_fktp()[0].kd_poli == "001"


def test_an_encrypted_412_field_list_is_still_read() -> None:
    cfg = BpjsConfig()

    def handler(request: httpx.Request) -> httpx.Response:
        errors = [{"field": "kdPoli", "message": "Belum melakukan pendaftaran pada poli tersebut."}]
        body = signing.encrypt_response(
            errors, cfg.cons_id, cfg.secret_key, request.headers["x-timestamp"]
        )
        meta = {"code": 412, "message": "PRECONDITION_FAILED"}
        return httpx.Response(412, json={"metaData": meta, "response": body})

    with mock_client(handler) as c, pytest.raises(BpjsValidationError) as info:
        c.pendaftaran_add(daftar({"kd_provider": KAMI, "no_kartu": "0001234567890"}, date.today()))
    assert info.value.fields[0].field == "kdPoli"


def test_404_not_registered_for_service_is_a_credentials_error() -> None:
    meta = {"message": "Unauthorized! You are not registered for this service!", "code": 404}
    c = mock_client(reply({"response": None, "metaData": meta}))
    with c, pytest.raises(BpjsCredentialsError):
        c.peserta_by_noka("0001234567890")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (502, "<html>Bad Gateway</html>", BpjsServerError),
        (200, "<html>maintenance</html>", BpjsMalformedResponse),
        (200, '{"response": "x"}', BpjsMalformedResponse),  # no metaData at all
        (200, '{"metaData": {"code": "abc"}}', BpjsMalformedResponse),
        (200, '{"metaData": {"code": 200}, "response": {"unexpected": 1}}', BpjsMalformedResponse),
        (200, '{"response": null, "metadata": {"message": null, "code": 0}}', BpjsValidationError),
        (200, '{"response": null, "metaData": {"message": "x", "code": 300}}', BpjsPermanentError),
        (401, "Authentication failed", BpjsAuthError),
    ],
)
def test_odd_replies_are_classified(status: int, body: str, expected: type[BpjsError]) -> None:
    handler = lambda request: httpx.Response(status, text=body)  # noqa: E731
    with mock_client(handler) as c, pytest.raises(expected):
        c.peserta_by_noka("0001234567890")


def test_config_from_settings_reads_the_bpjs_settings() -> None:
    settings = SimpleNamespace(
        BPJS_CONS_ID="777",
        BPJS_SECRET_KEY="s",
        BPJS_USER_KEY="u",
        BPJS_ANTREAN_USER_KEY="a",
        BPJS_USERNAME="user",
        BPJS_PASSWORD="pass",
        BPJS_APP_CODE="095",
        BPJS_BASE_URL="https://apijkn-dev.example/pcare-rest-dev",
        BPJS_ANTREAN_BASE_URL="https://apijkn-dev.example/antreanfktp_dev",
        BPJS_TIMEOUT="2.5",
    )
    cfg = BpjsConfig.from_settings(settings)
    assert (cfg.cons_id, cfg.secret_key, cfg.antrean_user_key) == ("777", "s", "a")
    assert cfg.pcare_base_url.endswith("/pcare-rest-dev")
    assert cfg.timeout == 2.5 and cfg.connect_timeout == 2.5
    assert "secret_key" not in repr(cfg) and "password" not in repr(cfg)


def test_sim_fixture_serves_over_real_http(sim: RunningSimulator) -> None:
    assert httpx.get(f"{sim.url}/_sim/health").json()["ok"] is True
