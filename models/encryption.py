"""Encryption at rest for AimHarder credentials and session tokens (Fernet, key from SECRET_KEY)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: SECRET_KEY changed or the value was tampered with."""


class Vault:
    """Encrypts and decrypts short strings with a key derived from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"prebook-vault:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def __repr__(self) -> str:
        return "Vault(**********)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise DecryptionError("stored secret cannot be decrypted with SECRET_KEY") from None
