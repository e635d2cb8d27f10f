"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, 30-second steps,
6 digits — what every authenticator app (Google Authenticator, Microsoft Authenticator,
FreeOTP, Aegis…) shows by default, so officials can use whichever their phone has.

Pure functions; storing and checking a user's secret is ``services``' work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Clocks of phones drift and people type slowly: the code of the previous and of the next step
# are accepted too (RFC 6238 §5.2 recommends at most one step of network delay).
WINDOW = 1
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA1 block recommended by RFC 4226 §4


def new_secret() -> str:
    """A random secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    text = secret.replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def step_at(moment: float | None = None) -> int:
    return int((time.time() if moment is None else moment) // STEP_SECONDS)


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 §5.3: dynamic truncation of HMAC-SHA1(key, counter)."""
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def code_at(secret: str, moment: float | None = None) -> str:
    """The code an authenticator shows at ``moment`` (now by default)."""
    return hotp(_key(secret), step_at(moment))


def normalise(code: str) -> str:
    """What people type: "123 456", "123-456" are "123456"."""
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def matching_step(
    secret: str, code: str, moment: float | None = None, window: int = WINDOW
) -> int | None:
    """The time step whose code is ``code`` (within ±window of now), or None.

    Every candidate is compared in constant time, so the answer's timing tells nothing of which
    step matched or how many digits were right."""
    code = normalise(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = _key(secret)
    now = step_at(moment)
    found = None
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI that authenticator apps read from a QR code."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
