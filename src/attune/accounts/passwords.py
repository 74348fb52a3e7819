"""Password hashing (Argon2id) and the password policy.

Hashing runs off the event loop, on one thread of its own per process: at production cost a
hash takes tens of milliseconds of CPU on every core (four lanes) and 64 MiB of memory, so
running several at once would only share the same cores while multiplying the memory, and a
burst of logins could take a process to gigabytes. Logins queue for that thread instead.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from attune.accounts.errors import WeakPassword
from attune.platform.settings import Settings

MIN_LENGTH = 8
MAX_SIMILARITY = 0.7
# RFC 9106 uses four lanes; Argon2 needs 8 KiB per lane, which the tiny test cost cannot give.
MAX_LANES = 4


_T = TypeVar("_T")


@cache
def _common_passwords() -> frozenset[str]:
    # Loaded on the first password that needs checking: the module holds every zxcvbn word
    # list (some 12 MB), and a process that only serves logins and reads never needs it.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: PLC0415

    return frozenset(FREQUENCY_LISTS["passwords"])


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    lanes = max(1, min(MAX_LANES, memory_kib // 8))
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=lanes, type=Type.ID
    )


def _hasher_for(settings: Settings) -> PasswordHasher:
    return _hasher(settings.password_time_cost, settings.password_memory_kib)


@cache
def _hashing_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")


async def _off_the_loop(function: Callable[..., _T], *args: object) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_hashing_thread(), function, *args)


@cache
def _decoy_hash(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash(secrets.token_urlsafe(16))


async def hash_password(settings: Settings, password: str) -> str:
    return await _off_the_loop(_hasher_for(settings).hash, password)


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(settings: Settings, password_hash: str, password: str) -> bool:
    return await _off_the_loop(_verify, _hasher_for(settings), password_hash, password)


async def verify_against_decoy(settings: Settings, password: str) -> None:
    """Spend the time of a real verification, for an e-mail that has no account."""
    decoy = await _off_the_loop(
        _decoy_hash, settings.password_time_cost, settings.password_memory_kib
    )
    await verify_password(settings, decoy, password)


def needs_rehash(settings: Settings, password_hash: str) -> bool:
    """True when the hash was made with another cost than the configured one."""
    return _hasher_for(settings).check_needs_rehash(password_hash)


def _too_similar(password: str, value: str) -> bool:
    """Django's UserAttributeSimilarityValidator: any part of the value close to the password."""
    password = password.lower()
    value = value.lower()
    for part in [*re.split(r"\W+", value), value]:
        # A short part inside a much longer password says little about the password.
        if len(password) >= 10 * len(part) and len(part) < MAX_SIMILARITY / 2 * len(password):
            continue
        if SequenceMatcher(a=password, b=part).quick_ratio() >= MAX_SIMILARITY:
            return True
    return False


def check_password_policy(password: str, *, email: str, names: Sequence[str]) -> None:
    """Refuse a password that is short, numeric, common or close to the e-mail or a name."""
    reasons: list[str] = []
    if len(password) < MIN_LENGTH:
        reasons.append(
            f"This password is too short. It must contain at least {MIN_LENGTH} characters."
        )
    if password.isdigit():
        reasons.append("This password is entirely numeric.")
    if password.lower().strip() in _common_passwords():
        reasons.append("This password is too common.")
    if _too_similar(password, email):
        reasons.append("This password is too similar to the e-mail address.")
    elif any(_too_similar(password, name) for name in names if name):
        reasons.append("This password is too similar to your name.")
    if reasons:
        raise WeakPassword(details=" ".join(reasons))
