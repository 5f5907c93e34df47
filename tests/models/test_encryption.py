"""Stored secrets: encrypted with an HKDF-derived key, and values written with the first
derivation still readable."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken

from models.encryption import DecryptionError, Vault

SECRET_KEY = "a-production-secret-key-of-enough-bytes"


def first_derivation(secret_key: str) -> Fernet:
    """The key as the first version derived it (one salted SHA-256), written out here."""
    digest = hashlib.sha256(b"prebook-vault:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def test_new_values_use_the_hkdf_key() -> None:
    token = Vault(SECRET_KEY).encrypt("the password")
    with pytest.raises(InvalidToken):
        first_derivation(SECRET_KEY).decrypt(token.encode())
    assert Vault(SECRET_KEY).decrypt(token) == "the password"
    assert Vault(SECRET_KEY).is_current(token)


def test_values_written_with_the_first_derivation_still_decrypt_and_rotate() -> None:
    old = first_derivation(SECRET_KEY).encrypt(b"stored long ago").decode()
    vault = Vault(SECRET_KEY)
    assert vault.decrypt(old) == "stored long ago"
    assert not vault.is_current(old)
    rotated = vault.rotate(old)
    assert vault.is_current(rotated) and vault.decrypt(rotated) == "stored long ago"


def test_another_secret_key_cannot_read_them() -> None:
    token = Vault(SECRET_KEY).encrypt("the password")
    with pytest.raises(DecryptionError):
        Vault(SECRET_KEY + "-changed").decrypt(token)
    assert "the password" not in repr(Vault(SECRET_KEY))
