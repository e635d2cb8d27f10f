"""TOTP (RFC 6238) against the RFC's own test vectors, and the tolerance of ±1 step."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.identity import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
# RFC 6238 Appendix B, SHA-1 column (8 digits).
VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("moment", "expected"), VECTORS)
def test_rfc_6238_vectors(moment: int, expected: str) -> None:
    key = b"12345678901234567890"
    assert totp.hotp(key, moment // 30, digits=8) == expected
    # Six digits are the last six of the same value.
    assert totp.code_at(RFC_SECRET, moment) == expected[-6:]


def test_rfc_4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922"]
    assert [totp.hotp(b"12345678901234567890", c) for c in range(7)] == expected


def test_one_step_either_side_is_accepted_and_no_more() -> None:
    moment = 1_700_000_015.0
    step = totp.step_at(moment)
    for offset in (-1, 0, 1):
        code = totp.code_at(RFC_SECRET, moment + offset * 30)
        assert totp.matching_step(RFC_SECRET, code, moment) == step + offset
    for offset in (-3, 2, 3):
        code = totp.code_at(RFC_SECRET, moment + offset * 30)
        if code not in {totp.code_at(RFC_SECRET, moment + k * 30) for k in (-1, 0, 1)}:
            assert totp.matching_step(RFC_SECRET, code, moment) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5"])
def test_malformed_codes_never_match(typed: str) -> None:
    assert totp.matching_step(RFC_SECRET, typed, 59) is None


def test_typed_separators_are_ignored() -> None:
    code = totp.code_at(RFC_SECRET, 59)
    assert totp.matching_step(RFC_SECRET, f"{code[:3]} {code[3:]}", 59) is not None
    assert totp.matching_step(RFC_SECRET, f"{code[:3]}-{code[3:]}", 59) is not None


@given(st.integers(min_value=0, max_value=2**40))
def test_codes_are_six_digits(moment: int) -> None:
    code = totp.code_at(RFC_SECRET, moment)
    assert len(code) == 6 and code.isdigit()


def test_new_secrets_are_random_base32_of_160_bits() -> None:
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20


def test_provisioning_uri_for_authenticator_apps() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "nguyen.van.a", "motcua")
    assert uri.startswith("otpauth://totp/motcua%3Anguyen.van.a?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri and "issuer=motcua" in uri
    assert "digits=6" in uri and "period=30" in uri
    assert totp.grouped("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"
