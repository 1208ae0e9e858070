"""The simulator as BPJS's peers would see it: raw HTTP, headers, envelopes, control API,
and the synthetic participant generator."""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
from stdnum.id import nik as stdnum_nik

from bpjs_bridge import signing
from bpjs_bridge.management.commands.bpjs_fault import simulator_root
from bpjs_bridge.simulator import RunningSimulator, SimConfig, Simulator, generate_participants
from bpjs_bridge.simulator.__main__ import build_parser, config_from_options
from bpjs_bridge.simulator.peserta import KD_PROVIDER_KAMI, PROVINSI, nik_birth_parts

CFG = SimConfig()
CARD = generate_participants(2026, 400)[0]["no_kartu"]  # an "aktif" person in the test sim


def signed(service: str = "pcare", ts: str | None = None, **overrides: str) -> dict[str, str]:
    ts = ts or str(int(time.time()))
    headers = {
        "X-cons-id": CFG.cons_id,
        "X-timestamp": ts,
        "X-signature": signing.signature(CFG.cons_id, CFG.secret, ts),
        "user_key": CFG.user_key if service == "pcare" else CFG.antrean_user_key,
    }
    if service == "pcare":
        headers["X-authorization"] = signing.authorization(CFG.username, CFG.password, "095")
    headers.update(overrides)
    return headers


def get_peserta(sim: RunningSimulator, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{sim.pcare_url}/peserta/{CARD}", headers=headers)


# ---------------------------------------------------------------- signature and headers


def test_signed_request_gets_a_reply_encrypted_with_its_own_timestamp(
    sim: RunningSimulator,
) -> None:
    ts = str(int(time.time()) - 100)  # not "now": the key must come from the request
    body = get_peserta(sim, signed(ts=ts)).json()
    assert body["metaData"] == {"message": "OK", "code": 200}
    peserta = signing.decrypt_response(body["response"], CFG.cons_id, CFG.secret, ts)
    assert peserta["noKartu"] == CARD
    assert peserta["kdProviderPst"]["kdProvider"] == KD_PROVIDER_KAMI
    assert set(peserta) >= {"nama", "sex", "tglLahir", "jnsPeserta", "aktif", "ketAktif", "noKTP"}


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_header_names_match_in_any_case(sim: RunningSimulator, case: Any) -> None:
    headers = {case(k): v for k, v in signed().items()}
    assert get_peserta(sim, headers).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        {"X-signature": "AAAA"},
        {"X-cons-id": "9999"},
        {"X-timestamp": "not-a-number"},
        {"X-timestamp": str(int(time.time()) - 1000)},  # signature valid, too old
        {"user_key": CFG.antrean_user_key},  # the other service's key
    ],
)
def test_bad_signature_or_keys_get_plain_text_authentication_failed(
    sim: RunningSimulator, tamper: dict[str, str]
) -> None:
    headers = signed()
    if "X-timestamp" in tamper and tamper["X-timestamp"].isdigit():
        headers = signed(ts=tamper["X-timestamp"])
    else:
        headers.update(tamper)
    response = get_peserta(sim, headers)
    assert response.status_code == 401
    assert response.text == "Authentication failed"
    assert response.headers["content-type"].startswith("text/plain")


def test_missing_headers_fail_authentication(sim: RunningSimulator) -> None:
    assert get_peserta(sim, {}).text == "Authentication failed"


def test_allowed_clock_skew_is_configurable(sim: RunningSimulator, control: httpx.Client) -> None:
    sixty_ago = str(int(time.time()) - 60)
    assert get_peserta(sim, signed(ts=sixty_ago)).status_code == 200
    control.post("/config", json={"max_skew": 10})
    assert get_peserta(sim, signed(ts=sixty_ago)).text == "Authentication failed"


def test_auth_failure_status_can_be_200(sim: RunningSimulator, control: httpx.Client) -> None:
    control.post("/config", json={"auth_fail_status": 200})
    response = get_peserta(sim, signed(**{"X-signature": "x"}))
    assert (response.status_code, response.text) == (200, "Authentication failed")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        signing.authorization(CFG.username, "wrong"),
        signing.authorization(CFG.username, CFG.password, "012"),  # kdAplikasi must be 095
    ],
)
def test_pcare_checks_x_authorization_and_answers_metadata_401(
    sim: RunningSimulator, authorization: str | None
) -> None:
    headers = signed()
    del headers["X-authorization"]
    if authorization:
        headers["X-authorization"] = authorization
    response = get_peserta(sim, headers)
    assert response.status_code == 401
    assert response.json()["metaData"]["code"] == 401


def test_antrean_accepts_requests_with_or_without_x_authorization(sim: RunningSimulator) -> None:
    url = f"{sim.antrean_url}/ref/poli/tanggal/{date.today().isoformat()}"
    bare = httpx.get(url, headers=signed("antrean"))
    with_auth = httpx.get(
        url, headers=signed("antrean", **{"X-authorization": signing.authorization("a", "b")})
    )
    assert bare.json()["metadata"]["code"] == with_auth.json()["metadata"]["code"] == 1


# ---------------------------------------------------------------- envelopes and bodies


def test_content_type_is_ignored_and_bodies_parse_as_json(sim: RunningSimulator) -> None:
    ts = str(int(time.time()))
    body = {
        "kdProviderPeserta": KD_PROVIDER_KAMI,
        "tglDaftar": date.today().strftime("%d-%m-%Y"),
        "noKartu": CARD,
        "kdPoli": "001",
        "keluhan": None,
        "kunjSakit": False,
        "kdTkp": "10",
    }
    headers = signed(ts=ts, **{"Content-Type": "Application/x-www-form-urlencoded"})
    response = httpx.post(f"{sim.pcare_url}/pendaftaran", headers=headers, content=json.dumps(body))
    reply = response.json()
    assert (response.status_code, reply["metaData"]) == (200, {"message": "CREATED", "code": 201})
    created = signing.decrypt_response(reply["response"], CFG.cons_id, CFG.secret, ts)
    assert created == {"field": "noUrut", "message": "A1"}


def test_pcare_validation_errors_are_a_plain_412_list_mirrored_in_the_status(
    sim: RunningSimulator, control: httpx.Client
) -> None:
    url = f"{sim.pcare_url}/pendaftaran"
    response = httpx.post(url, headers=signed(), content=b'{"noKartu": "123"}')
    assert response.status_code == 412
    reply = response.json()
    assert reply["metaData"] == {"message": "PRECONDITION_FAILED", "code": 412}
    assert {"field": "noKartu", "message": "No. kartu harus 13 digit"} in reply["response"]

    control.post("/config", json={"http_200_always": True, "encrypt_errors": True})
    ts = str(int(time.time()))
    response = httpx.post(url, headers=signed(ts=ts), content=b"not json")
    assert response.status_code == 200
    errors = signing.decrypt_response(response.json()["response"], CFG.cons_id, CFG.secret, ts)
    assert errors[0]["field"] == "request"


def test_unknown_card_is_code_204_with_the_configured_message_on_http_200(
    sim: RunningSimulator, control: httpx.Client
) -> None:
    control.post("/config", json={"not_found_message": "NO KARTU TIDAK TERDAFTAR"})
    response = httpx.get(f"{sim.pcare_url}/peserta/noka/0000000000001", headers=signed())
    assert response.status_code == 200
    assert response.json() == {
        "response": None,
        "metaData": {"message": "NO KARTU TIDAK TERDAFTAR", "code": 204},
    }


def test_antrean_uses_lower_case_metadata_code_1_for_lists_and_metadata_only_for_writes(
    sim: RunningSimulator,
) -> None:
    today = date.today().isoformat()
    ref = httpx.get(
        f"{sim.antrean_url}/ref/dokter/kodepoli/001/tanggal/{today}", headers=signed("antrean")
    )
    assert ref.json()["metadata"] == {"message": "OK", "code": 1}
    batal = httpx.post(
        f"{sim.antrean_url}/antrean/batal",
        headers=signed("antrean"),
        json={"tanggalperiksa": today, "kodepoli": "001", "nomorkartu": CARD, "alasan": "x"},
    )
    assert batal.json() == {"metadata": {"message": "Data antrean tidak ditemukan", "code": 201}}


def test_dev_path_prefixes_work_and_unknown_paths_are_404(sim: RunningSimulator) -> None:
    assert httpx.get(f"{sim.url}/pcare-rest-dev/poli/fktp/0/3", headers=signed()).status_code == 200
    assert httpx.get(f"{sim.pcare_url}/kunjungan/x", headers=signed()).status_code == 404
    assert httpx.get(f"{sim.url}/elsewhere").status_code == 404


# ---------------------------------------------------------------- control API


def test_call_log_records_every_call_and_can_be_cleared(
    sim: RunningSimulator, control: httpx.Client
) -> None:
    get_peserta(sim, signed())
    get_peserta(sim, signed(**{"X-signature": "bad"}))
    httpx.post(f"{sim.pcare_url}/pendaftaran", headers=signed(), json={"noKartu": "1"})
    calls = control.get("/calls").json()["calls"]
    assert [(c["method"], c["outcome"]) for c in calls] == [
        ("GET", "ok"),
        ("GET", "auth_failed"),
        ("POST", "error"),
    ]
    assert calls[0]["path"] == f"peserta/{CARD}" and calls[0]["service"] == "pcare"
    assert calls[2]["body"] == {"noKartu": "1"} and calls[2]["code"] == 412
    assert all(isinstance(c["time"], float) and c["x_timestamp"] for c in calls)
    assert control.get("/calls", params={"method": "post"}).json()["count"] == 1
    control.delete("/calls")
    assert control.get("/calls").json() == {"count": 0, "calls": []}


def test_reset_clears_registrations_faults_and_runtime_config(
    sim: RunningSimulator, control: httpx.Client
) -> None:
    body = {
        "kdProviderPeserta": KD_PROVIDER_KAMI,
        "tglDaftar": date.today().strftime("%d-%m-%Y"),
        "noKartu": CARD,
        "kdPoli": "001",
        "kunjSakit": True,
        "kdTkp": "10",
    }
    httpx.post(f"{sim.pcare_url}/pendaftaran", headers=signed(), json=body)
    control.post("/faults", json={"mode": "slow", "delay_ms": 1})
    control.post("/config", json={"max_skew": 1})
    assert len(control.get("/state").json()["pendaftaran"]) == 1
    control.post("/reset")
    assert control.get("/state").json() == {"pendaftaran": [], "antrean": []}
    assert control.get("/faults").json()["mode"] == "ok"
    assert control.get("/config").json()["max_skew"] == 300


@pytest.mark.parametrize(
    "fault",
    [{"mode": "explode"}, {"mode": "down", "colour": "red"}, {"mode": "ok", "failure_rate": 2}],
)
def test_invalid_fault_settings_are_refused(control: httpx.Client, fault: dict[str, Any]) -> None:
    response = control.post("/faults", json=fault)
    assert response.status_code == 400
    assert control.get("/faults").json()["mode"] == "ok"


def test_down_resets_the_connection_but_control_endpoints_keep_working(
    sim: RunningSimulator, control: httpx.Client
) -> None:
    control.post("/faults", json={"mode": "down"})
    host, port = sim.server.server_address[:2]
    with socket.create_connection((host, port), timeout=2) as raw:
        raw.sendall(b"GET /pcare-rest/poli/fktp/0/5 HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            received = raw.recv(1024)
        except ConnectionResetError:
            received = b""
    assert received == b""  # no status line, nothing: the connection just dies
    assert control.get("/health").json()["ok"] is True
    assert control.get("/calls").json()["calls"][0]["outcome"] == "fault:down"


def test_failure_rate_and_path_filter_pick_which_calls_fail(
    sim: RunningSimulator, control: httpx.Client
) -> None:
    control.post("/faults", json={"mode": "error5xx", "failure_rate": 0.5, "path_contains": "poli"})
    with httpx.Client(base_url=sim.pcare_url) as http:
        statuses = Counter(
            http.get("/poli/fktp/0/5", headers=signed()).status_code for _ in range(40)
        )
        assert statuses[500] > 5 and statuses[200] > 5
        assert http.get("/dokter/0/5", headers=signed()).status_code == 200


def test_simulator_core_works_without_sockets_and_with_an_injected_clock() -> None:
    sim = Simulator(SimConfig(count=50), clock=lambda: 1_700_000_000.0)
    headers = {k.lower(): v for k, v in signed(ts="1700000000").items()}
    result = sim.handle("GET", "/pcare-rest/poli/fktp/0/3", headers, b"")
    assert result.status == 200
    late = signed(ts="1700000400")  # 400 s ahead of the simulator's clock
    assert (
        sim.handle("GET", "/pcare-rest/poli/fktp/0/3", late, b"").body == b"Authentication failed"
    )


# ---------------------------------------------------------------- configuration


def test_config_reads_bpjs_sim_environment_variables_and_flags_win() -> None:
    env = {"BPJS_SIM_CONS_ID": "555", "BPJS_SIM_MAX_SKEW": "60", "BPJS_SIM_HTTP_200_ALWAYS": "true"}
    cfg = SimConfig.from_env(env)
    assert (cfg.cons_id, cfg.max_skew, cfg.http_200_always) == ("555", 60, True)
    args = build_parser().parse_args(["--port", "9000", "--cons-id", "777", "--http-200-always"])
    flags = config_from_options(vars(args))
    assert (args.port, flags.cons_id, flags.http_200_always) == (9000, "777", True)


def test_fault_command_finds_the_simulator_from_the_pcare_base_url() -> None:
    assert simulator_root("http://127.0.0.1:8090/pcare-rest") == "http://127.0.0.1:8090"
    with pytest.raises(ValueError):
        simulator_root("pcare-rest")


# ---------------------------------------------------------------- participant generator


@pytest.fixture(scope="module")
def people() -> list[dict[str, Any]]:
    return generate_participants()


def test_every_nik_is_structurally_valid_with_the_plus_40_rule(
    people: list[dict[str, Any]],
) -> None:
    for p in people:
        nik = p["nik"]
        assert len(nik) == 16 and nik.isdigit()
        assert nik[:2] in PROVINSI and nik[2:4] != "00"
        day, month, yy, sex = nik_birth_parts(nik)
        assert (day, month, yy) == (
            p["tgl_lahir"].day,
            p["tgl_lahir"].month,
            p["tgl_lahir"].year % 100,
        )
        assert sex == p["sex"]
        assert int(nik[6:8]) > 40 if p["sex"] == "P" else int(nik[6:8]) <= 31
        assert nik[12:] != "0000"
        # python-stdnum agrees on the birth date (its full validate() predates provinces
        # 65 and 92-97, so it cannot judge those region codes).
        born = stdnum_nik.get_birth_date(nik)
        assert (born.day, born.month) == (p["tgl_lahir"].day, p["tgl_lahir"].month)


def test_province_codes_are_the_real_list() -> None:
    real = {*range(11, 20), 21, *range(31, 37), *range(51, 54), *range(61, 66), *range(71, 77)}
    real |= {81, 82, *range(91, 98)}
    assert {int(code) for code in PROVINSI} == real


def test_niks_and_card_numbers_are_unique_and_cards_are_13_digit_text(
    people: list[dict[str, Any]],
) -> None:
    assert len({p["nik"] for p in people}) == len(people) == 3000
    assert len({p["no_kartu"] for p in people}) == 3000
    assert all(len(p["no_kartu"]) == 13 and p["no_kartu"].isdigit() for p in people)
    assert any(p["no_kartu"].startswith("00000") for p in people)


def test_categories_are_spread_and_consistent(people: list[dict[str, Any]]) -> None:
    counts = Counter(p["kategori"] for p in people)
    assert set(counts) == {"aktif", "tidak_aktif", "menunggak", "fktp_lain", "nik_saja"}
    assert 0.6 < counts["aktif"] / 3000 < 0.85
    assert all(counts[k] >= 100 for k in counts)
    for p in people:
        k = p["kategori"]
        assert p["aktif"] is (k in ("aktif", "fktp_lain", "nik_saja"))
        assert (p["kd_provider"] == KD_PROVIDER_KAMI) is (k != "fktp_lain")
        assert (p["tunggakan"] > 0) is (k == "menunggak")
        assert p["no_kartu_dikenal"] is (k != "nik_saja")
        assert p["ket_aktif"] == {"tidak_aktif": "TIDAK AKTIF", "menunggak": "MENUNGGAK"}.get(
            k, "AKTIF"
        )


def test_people_look_like_a_real_catchment(people: list[dict[str, Any]]) -> None:
    ages = [(date(2026, 1, 1) - p["tgl_lahir"]).days // 365 for p in people]
    assert min(ages) >= 0 and max(ages) <= 90
    assert sum(a < 5 for a in ages) > 100 and sum(a >= 65 for a in ages) > 50
    assert 0.4 < sum(p["sex"] == "P" for p in people) / 3000 < 0.6
    for p in people:
        assert p["nama"] == p["nama"].upper() and p["alamat"].startswith("JL. ")
        assert p["no_hp"] == "" or (p["no_hp"].startswith("08") and 10 <= len(p["no_hp"]) <= 13)


def test_generator_is_deterministic_fast_and_prefix_stable(people: list[dict[str, Any]]) -> None:
    started = time.perf_counter()
    again = generate_participants(seed=2026, count=3000)
    assert time.perf_counter() - started < 1.0
    assert again == people
    assert generate_participants(count=100) == people[:100]  # demo data may load fewer
    assert generate_participants(seed=7, count=100) != people[:100]
