"""Field encryption with Fernet keys (newest first; older ones still decrypt) and keyed hashes."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from attune.platform.settings import Settings


class DecryptionError(Exception):
    """A ciphertext that none of the configured keys opens."""


class Encryptor:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> Encryptor:
        return cls(settings.fernet_keys)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise DecryptionError("no configured key decrypts this value") from error

    def encrypt_optional(self, plaintext: str | None) -> str | None:
        """For an optional personal field: nothing stays nothing, anything else is sealed."""
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt_optional(self, ciphertext: str | None) -> str | None:
        return None if ciphertext is None else self.decrypt(ciphertext)

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise DecryptionError("no configured key decrypts this value") from error


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256, hex: for codes and tokens stored only as a hash, and for blind indexes."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
