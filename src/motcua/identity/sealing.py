"""Secrets at rest (TOTP seeds): AES-256-GCM with a key derived from the deployment's key.

A copy of the database (a backup, a replica, a leaked dump) must not be enough to generate an
official's codes. The key is ``MOTCUA_SECRETS_KEY`` when set — so that it can be kept apart
from ``SECRET_KEY`` and survive its rotation — else ``SECRET_KEY``; values sealed under one of
``SECRET_KEY_FALLBACKS`` still open, so a rotation does not lock everyone out at once.

Each value is bound to what it belongs to (``purpose``, e.g. ``totp:42``): a sealed secret
copied onto another user's row does not open there.

AES-GCM comes from ``cryptography``, already installed for the PDF signatures (pyHanko).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = "v1"
NONCE_BYTES = 12


class Unsealable(Exception):
    """The value was sealed under a key this deployment no longer has, or was tampered with."""


def _derive(material: str) -> bytes:
    # HKDF-extract/expand (RFC 5869) with SHA-256, one block: a 32-byte key for this use only.
    prk = hmac.new(b"motcua-sealing", material.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(prk, b"motcua secrets at rest v1\x01", hashlib.sha256).digest()


def _keys() -> list[bytes]:
    dedicated = getattr(settings, "MOTCUA_SECRETS_KEY", "") or ""
    materials = [dedicated] if dedicated else []
    materials.append(settings.SECRET_KEY)
    materials += list(getattr(settings, "SECRET_KEY_FALLBACKS", []) or [])
    return [_derive(m) for m in materials if m]


def seal(value: str, purpose: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_keys()[0]).encrypt(nonce, value.encode("utf-8"), purpose.encode("utf-8"))
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(token: str, purpose: str) -> str:
    version, _sep, body = (token or "").partition(":")
    if version != VERSION or not body:
        raise Unsealable(purpose)
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise Unsealable(purpose) from exc
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for key in _keys():
        try:
            return AESGCM(key).decrypt(nonce, sealed, purpose.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            continue
    raise Unsealable(purpose)
