"""One-time codes sent by mail: six digits, stored only as a keyed hash (docs/decisions.md,
"Accounts")."""

from __future__ import annotations

import secrets

from attune.platform.crypto import keyed_hash, same_secret
from attune.platform.settings import Settings

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(settings: Settings, code: str) -> str:
    return keyed_hash(settings.derived_key("otp"), code)


def code_matches(settings: Settings, stored_hash: str, code: str) -> bool:
    return same_secret(stored_hash, code_hash(settings, code))
