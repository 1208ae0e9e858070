"""Pure BPJS request signing and response (de)cryption (bpjs-protocol.md §1, §2).

No I/O and no Django: the client, the simulator and the tests all share these functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import lzstring
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "DecryptionError",
    "authorization",
    "decrypt_response",
    "encrypt_response",
    "hmac_sha256_b64",
    "lz_compress",
    "lz_decompress",
    "response_key",
    "signature",
]

# LZ-String's "EncodedURIComponent" alphabet (the JS reference's keyStrUriSafe).
_URI_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"
_URI_SAFE_VALUE = {ch: i for i, ch in enumerate(_URI_SAFE)}


class DecryptionError(ValueError):
    """The `response` field could not be turned back into JSON."""


def hmac_sha256_b64(key: str, message: str) -> str:
    """Standard-alphabet Base64 of HMAC-SHA256, padding kept, not URL-encoded."""
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature(cons_id: str, secret: str, timestamp: str | int) -> str:
    """X-signature: Base64(HMAC-SHA256(key=secret, msg="consid&timestamp"))."""
    return hmac_sha256_b64(secret, f"{cons_id}&{timestamp}")


def authorization(username: str, password: str, app_code: str = "095") -> str:
    """X-authorization for PCare: "Basic " + Base64("user:pass:kdAplikasi")."""
    raw = f"{username}:{password}:{app_code}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def response_key(cons_id: str, secret: str, timestamp: str | int) -> tuple[bytes, bytes]:
    """AES-256 key = SHA-256(consid + secret + timestamp); IV = its first 16 bytes."""
    key = hashlib.sha256(f"{cons_id}{secret}{timestamp}".encode()).digest()
    return key, key[:16]


def _to_utf16_units(text: str) -> str:
    # JS strings are UTF-16: lz-string sees a non-BMP char as two surrogates. Python's
    # lzstring sees one code point > 0xFFFF and writes garbage, so split it the JS way.
    if text.isascii() or max(text) <= "\uffff":
        return text
    data = text.encode("utf-16-le")
    units = (int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2))
    return "".join(map(chr, units))


def _from_utf16_units(text: str) -> str:
    # Re-join surrogate pairs that the decompressor emits as separate chars.
    if text.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def lz_compress(text: str) -> str:
    """LZ-String compressToEncodedURIComponent, byte-identical to the JS library."""
    return lzstring.LZString.compressToEncodedURIComponent(_to_utf16_units(text))


def lz_decompress(compressed: str) -> str:
    """LZ-String decompressFromEncodedURIComponent; raises DecryptionError on garbage."""
    compressed = compressed.replace(" ", "+")  # '+' may arrive form-decoded as a space
    if not compressed:
        raise DecryptionError("empty LZ-String payload")
    if any(ch not in _URI_SAFE_VALUE for ch in compressed):
        raise DecryptionError("payload is not in the LZ-String URI-safe alphabet")
    n = len(compressed)

    # lzstring's public helper rebuilds its lookup table per character (slow on big lists);
    # its core routine with our table gives the same result. Past the end reads as 0 like JS.
    def value_at(index: int) -> int:
        return _URI_SAFE_VALUE[compressed[index]] if index < n else 0

    try:
        text = lzstring._decompress(n, 32, value_at)
    except Exception as exc:  # the pure-Python decoder fails in many shapes on bad input
        raise DecryptionError(f"LZ-String decompression failed: {exc}") from exc
    if not text:
        raise DecryptionError("LZ-String decompression produced nothing")
    return _from_utf16_units(text)


def encrypt_response(payload: Any, cons_id: str, secret: str, timestamp: str | int) -> str:
    """Inverse of decrypt_response (what the BPJS server, and our simulator, does)."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    plain = lz_compress(text).encode("ascii")
    key, iv = response_key(cons_id, secret, timestamp)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    cipher = encryptor.update(padded) + encryptor.finalize()
    return base64.b64encode(cipher).decode("ascii")


def decrypt_response(cipher_b64: str, cons_id: str, secret: str, timestamp: str | int) -> Any:
    """Decrypt an encrypted `response` field and return the parsed JSON value.

    Raises DecryptionError for anything that is not valid ciphertext of LZ-compressed JSON
    (wrong secret/timestamp, truncated body, proxy error page, ...).
    """
    try:
        cipher = base64.b64decode("".join(cipher_b64.split()), validate=True)
    except (ValueError, TypeError) as exc:
        raise DecryptionError(f"response is not Base64: {exc}") from exc
    if not cipher or len(cipher) % 16:
        raise DecryptionError("ciphertext length is not a positive multiple of 16")
    key, iv = response_key(cons_id, secret, timestamp)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(cipher) + decryptor.finalize()
    try:
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        compressed = plain.decode("ascii")
    except ValueError as exc:  # bad padding or non-ASCII: almost surely the wrong key
        raise DecryptionError("bad padding after AES-CBC (wrong key or timestamp?)") from exc
    text = lz_decompress(compressed)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise DecryptionError(f"decrypted payload is not JSON: {exc}") from exc
