"""Password hashing (Argon2id) and the password policy.

Hashing runs in a process of its own beside each app process, one hash at a time: at production
cost a hash takes tens of milliseconds of CPU on every core (four lanes) and 64 MiB of memory,
so running several at once would only share the same cores while multiplying the memory, and a
burst of logins could take a process to gigabytes. Logins queue for that process instead. In a
process of its own (Python and argon2 alone, some 30 MB), the 64 MiB are never added to the app
process's own memory, which holds the whole application: a login costs the app process no more
memory than any other request.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import secrets
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
def _hashing_process() -> ProcessPoolExecutor:
    # Spawned, not forked: a fork would start as a copy of the app process's memory. The work
    # sent is argon2's own bound methods, so the process imports argon2 and nothing of Attune.
    # It ignores Ctrl-C, which reaches the whole process group: the app process stops it.
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=signal.signal,
        initargs=(signal.SIGINT, signal.SIG_IGN),
    )


def start_hashing_process() -> None:
    """Start the hashing process now rather than on the first login, which would wait for it."""
    _hashing_process().submit(int)


def stop_hashing_process() -> None:
    """Stop the hashing process with the app, releasing its queues' semaphores."""
    _hashing_process().shutdown(wait=False, cancel_futures=True)
    _hashing_process.cache_clear()


async def _in_hashing_process(function: Callable[..., _T], *args: object) -> _T:
    loop = asyncio.get_running_loop()
    executor = _hashing_process()
    try:
        return await loop.run_in_executor(executor, function, *args)
    except BrokenProcessPool:
        # The process died (killed from outside, say): this hash and later ones get a new one.
        if _hashing_process() is executor:
            _hashing_process.cache_clear()
        return await loop.run_in_executor(_hashing_process(), function, *args)


async def hash_password(settings: Settings, password: str) -> str:
    return await _in_hashing_process(_hasher_for(settings).hash, password)


async def verify_password(settings: Settings, password_hash: str, password: str) -> bool:
    try:
        return await _in_hashing_process(_hasher_for(settings).verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_decoys: dict[tuple[int, int], str] = {}


async def verify_against_decoy(settings: Settings, password: str) -> None:
    """Spend the time of a real verification, for an e-mail that has no account."""
    cost = (settings.password_time_cost, settings.password_memory_kib)
    if cost not in _decoys:
        _decoys[cost] = await hash_password(settings, secrets.token_urlsafe(16))
    await verify_password(settings, _decoys[cost], password)


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
