"""Field encryption with Fernet keys (newest first; older ones still decrypt) and keyed hashes.

Services encrypt and decrypt personal fields themselves; the columns that hold the ciphertext are
declared with `encrypted_column()`, which marks them so that key rotation finds every one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column, Text
from sqlalchemy.orm import MappedColumn, mapped_column

from attune.platform.settings import Settings

# The mark, in a column's `info`, of one that holds Fernet ciphertext (or NULL).
_ENCRYPTED = "encrypted"


class DecryptionError(Exception):
    """A ciphertext that none of the configured keys opens."""


class Encryptor:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> Encryptor:
        return _encryptor(tuple(settings.fernet_keys))

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


@functools.lru_cache(maxsize=8)
def _encryptor(keys: tuple[bytes, ...]) -> Encryptor:
    """One encryptor per set of keys: building the Fernets decodes and checks every key, and a
    list of bookings asks for one per booking."""
    return Encryptor(list(keys))


def encrypted_column() -> MappedColumn[Any]:
    """A text column for a value that the service stores as `Encryptor.encrypt` ciphertext."""
    return mapped_column(Text, info={_ENCRYPTED: True})


def is_encrypted(column: Column[Any]) -> bool:
    """Whether the column was declared with `encrypted_column()`."""
    return column.info.get(_ENCRYPTED, False) is True


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256, hex: for codes and tokens stored only as a hash, and for blind indexes."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
