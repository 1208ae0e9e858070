"""Pins the worked examples of bpjs-protocol.md §1.2, §2.4 and §2.5 byte for byte."""

from __future__ import annotations

import base64
import json

import pytest

from bpjs_bridge import signing

# §2.4 / §2.5 illustrative credentials from the catalogue text.
CONS_ID = "1234"
SECRET = "pwd"
TIMESTAMP = "433223232"

VECTOR_JSON = '{"noKartu":"0000039043765","nama":"PESERTA UJI","aktif":true,"ketAktif":"AKTIF"}'
VECTOR_KEY_HEX = "f75bf2014da65c8f1c39a47de848ba383d051f4e218fa70774fcd3fb216c5f9b"
VECTOR_IV_HEX = "f75bf2014da65c8f1c39a47de848ba38"
VECTOR_LZ = (
    "N4Igdg9g0ghgTgFwK4gFwgAxawZgJwYAsOA7AGwCsIANODALYxogAKAogMpsBKAKgIIACAKoApAJI0QMANYIAlgDM0CO"
    "EgCmtGeoT85S5vyi9xAMRABfIA"
)
VECTOR_CIPHER = (
    "AKBY6edKG1vgtG3q4dHJd11CAb5IzkmM4NSkR1vEBWOajqWDlGwxzyr+gPibNDeaeFvXz7upC6krkyzFLVGb+cFuIhLk"
    "h0Yhx04bayeFxWFkNxW79NvRC8QsDt0K2FDwKbdbQEzt1orwzdiq71lY1f1ZIPx4BpGO9iIEqXi9VDg="
)


def test_hmac_of_aaa_with_key_bbb_matches_the_catalogue_vector() -> None:
    assert signing.hmac_sha256_b64("bbb", "aaa") == "20BKS3PWnD3XU4JbSSZvVlGi2WWnDa8Sv9uHJ+wsELA="


def test_signature_signs_consid_ampersand_timestamp() -> None:
    expected = "eXMtvX2r7e7CLCIu3kpEpCrvciZgK8FuOhKv06NDAHk="
    assert signing.signature(CONS_ID, SECRET, TIMESTAMP) == expected
    assert signing.signature(CONS_ID, SECRET, int(TIMESTAMP)) == expected


def test_authorization_is_basic_base64_of_user_pass_and_app_code_095() -> None:
    value = signing.authorization("usernamePcare", "passwordPcare")
    assert value == "Basic dXNlcm5hbWVQY2FyZTpwYXNzd29yZFBjYXJlOjA5NQ=="
    assert base64.b64decode(value.removeprefix("Basic ")) == b"usernamePcare:passwordPcare:095"


def test_response_key_is_sha256_of_consid_secret_timestamp_and_iv_its_first_16_bytes() -> None:
    key, iv = signing.response_key(CONS_ID, SECRET, TIMESTAMP)
    assert key.hex() == VECTOR_KEY_HEX
    assert iv.hex() == VECTOR_IV_HEX


def test_lz_compression_of_the_vector_json_matches_the_js_library() -> None:
    assert signing.lz_compress(VECTOR_JSON) == VECTOR_LZ
    assert signing.lz_decompress(VECTOR_LZ) == VECTOR_JSON


def test_encrypting_the_vector_payload_gives_the_published_ciphertext() -> None:
    payload = json.loads(VECTOR_JSON)
    assert signing.encrypt_response(payload, CONS_ID, SECRET, TIMESTAMP) == VECTOR_CIPHER


def test_decrypting_the_published_ciphertext_gives_the_vector_payload() -> None:
    assert signing.decrypt_response(VECTOR_CIPHER, CONS_ID, SECRET, TIMESTAMP) == {
        "noKartu": "0000039043765",
        "nama": "PESERTA UJI",
        "aktif": True,
        "ketAktif": "AKTIF",
    }


def test_decrypt_accepts_json_escaped_slashes_once_json_has_parsed_them() -> None:
    # Some gateways write "\/" inside the JSON string; json.loads undoes it.
    wire = json.dumps({"response": VECTOR_CIPHER}).replace("/", "\\/")
    cipher = json.loads(wire)["response"]
    assert signing.decrypt_response(cipher, CONS_ID, SECRET, TIMESTAMP)["aktif"] is True


def test_non_bmp_text_compresses_exactly_like_js_lz_string() -> None:
    # Computed with npm lz-string 1.5.0 on JSON.stringify of the same object. The plain
    # Python lzstring package gets this wrong; signing splits into UTF-16 units first.
    text = '{"nama":"SITI 😀 Ñ ü 中文 𝄞","x":"aaaaaaaaaaaaaaaa😀😀😀"}'
    js = "N4IgdghgthIFwgMoEkAqyAEheDcAB7GCLGAPxoLRyg4aYaAsG4Hi7IANCAB7wgTsedcS684gBfIA"
    assert signing.lz_compress(text) == js
    assert signing.lz_decompress(js) == text


def test_round_trip_preserves_unicode_lists_and_nulls() -> None:
    payload = {"count": 2, "list": [{"nama": "SITI ÄISYAH 😀", "x": None}, {"n": 1.5}]}
    cipher = signing.encrypt_response(payload, "99", "s3cret", 1700000000)
    assert signing.decrypt_response(cipher, "99", "s3cret", "1700000000") == payload


@pytest.mark.parametrize(
    ("cipher", "timestamp"),
    [
        (VECTOR_CIPHER, "433223233"),  # one second off: wrong key
        ("not base64 at all!", TIMESTAMP),
        ("QUJD", TIMESTAMP),  # valid Base64, not a block multiple
        (base64.b64encode(b"\x00" * 32).decode(), TIMESTAMP),
        ("", TIMESTAMP),
    ],
)
def test_undecryptable_responses_raise_decryption_error(cipher: str, timestamp: str) -> None:
    with pytest.raises(signing.DecryptionError):
        signing.decrypt_response(cipher, CONS_ID, SECRET, timestamp)


def test_lz_decompress_rejects_characters_outside_the_uri_safe_alphabet() -> None:
    with pytest.raises(signing.DecryptionError):
        signing.lz_decompress("abc/def")
