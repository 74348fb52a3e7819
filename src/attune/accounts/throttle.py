"""How often one e-mail address may ask for a one-time code, and how many it may get wrong.

A code burns after a few wrong tries, but a new one can be asked for every minute, so the
tries per code alone would let anyone guess at one account around the clock. So the wrong
codes are also counted per address and purpose: `otp_max_failures` within an hour lock the
address, and while it is locked every code is refused unchecked, the right one included. The
first lock lasts `otp_lockout_minutes`, each further one twice as long as the one before (up
to a day); a right code, or a day without a lock, starts the count afresh.

Everything here is kept per address, for an address without an account exactly as for one
with, so neither the answers nor the work behind them tell whether an account exists.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from attune.models import OtpPurpose, OtpThrottle
from attune.platform.crypto import keyed_hash
from attune.platform.settings import Settings

FAILURE_WINDOW = timedelta(hours=1)
LONGEST_LOCKOUT = timedelta(days=1)
MAX_DOUBLINGS = 16
# After a day without a lock, the next one is the first again.
LOCKOUT_MEMORY = timedelta(days=1)
# A row untouched this long holds nothing that any rule here still reads.
FORGOTTEN_AFTER = LONGEST_LOCKOUT + LOCKOUT_MEMORY


def address_hash(settings: Settings, email: str, purpose: OtpPurpose) -> str:
    return keyed_hash(settings.derived_key("otp-throttle"), f"{purpose.value}\n{email}")


def seconds_until(moment: datetime | None, now: datetime) -> int | None:
    """Whole seconds (rounded up) from now until a moment still ahead, else None."""
    if moment is None or moment <= now:
        return None
    return math.ceil((moment - now).total_seconds())


def next_code_at(throttle: OtpThrottle, settings: Settings) -> datetime | None:
    """When the address may next be sent a code; None when it may be now."""
    if throttle.code_requested_at is None:
        return None
    return throttle.code_requested_at + timedelta(seconds=settings.otp_resend_seconds)


def record_code_request(throttle: OtpThrottle, now: datetime) -> None:
    throttle.code_requested_at = now
    throttle.updated_at = now


def lockout_duration(settings: Settings, lockouts: int) -> timedelta:
    """How long the lock numbered `lockouts` (1 for the first) lasts."""
    first = timedelta(minutes=settings.otp_lockout_minutes)
    # Bounded before doubling, so a long history cannot overflow the multiplication.
    doublings = min(max(lockouts - 1, 0), MAX_DOUBLINGS)
    lockout: timedelta = first * 2**doublings
    return min(lockout, LONGEST_LOCKOUT)


def record_failure(throttle: OtpThrottle, settings: Settings, now: datetime) -> None:
    """Count a wrong code; the one that reaches the limit locks the address."""
    window_start = throttle.failure_window_started_at
    if window_start is None or now - window_start >= FAILURE_WINDOW:
        throttle.failure_window_started_at = now
        throttle.failures = 0
    last_lock_end = throttle.locked_until
    if last_lock_end is not None and now - last_lock_end >= LOCKOUT_MEMORY:
        throttle.lockouts = 0
    throttle.failures += 1
    if throttle.failures >= settings.otp_max_failures:
        throttle.lockouts += 1
        throttle.locked_until = now + lockout_duration(settings, throttle.lockouts)
        throttle.failures = 0
        throttle.failure_window_started_at = None
    throttle.updated_at = now


def record_success(throttle: OtpThrottle, now: datetime) -> None:
    """A right code: whoever typed it reads the mail, so earlier wrong tries are forgiven."""
    throttle.failures = 0
    throttle.failure_window_started_at = None
    throttle.lockouts = 0
    throttle.locked_until = None
    throttle.updated_at = now


def wait_in_words(seconds: int) -> str:
    if seconds < 60:
        count, unit = seconds, "second"
    elif seconds < 2 * 3600:
        count, unit = math.ceil(seconds / 60), "minute"
    else:
        count, unit = math.ceil(seconds / 3600), "hour"
    return f"{count} {unit}{'' if count == 1 else 's'}"
