"""Encryption at rest for AimHarder credentials and session tokens (Fernet, key from SECRET_KEY).

The key is derived with HKDF-SHA256. Values written before that were encrypted with a key
derived by one salted SHA-256 of SECRET_KEY; they still decrypt, and every value written now
uses the HKDF key, so stored secrets move to it as accounts are written again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HKDF_SALT = b"prebook"
HKDF_INFO = b"prebook-vault:fernet:v2"


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: SECRET_KEY changed or the value was tampered with."""


def hkdf_key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


def legacy_key(secret_key: str) -> bytes:
    """The first derivation; kept to read values written with it."""
    digest = hashlib.sha256(b"prebook-vault:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


class Vault:
    """Encrypts with the HKDF key; decrypts with it or the legacy key."""

    def __init__(self, secret_key: str) -> None:
        self._current = Fernet(hkdf_key(secret_key))
        self._fernet = MultiFernet([self._current, Fernet(legacy_key(secret_key))])

    def __repr__(self) -> str:
        return "Vault(**********)"

    def encrypt(self, plaintext: str) -> str:
        return self._current.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise DecryptionError("stored secret cannot be decrypted with SECRET_KEY") from None

    def is_current(self, token: str) -> bool:
        """Whether a stored value already uses the current key (else: re-encrypt it)."""
        try:
            self._current.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same plaintext under the current key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise DecryptionError("stored secret cannot be decrypted with SECRET_KEY") from None
