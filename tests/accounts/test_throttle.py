"""The rules of the wrong-code limit that take days to show through HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from attune.accounts import throttle
from attune.models import OtpThrottle
from attune.platform.settings import Settings

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def fresh() -> OtpThrottle:
    return OtpThrottle(address_hash="0" * 64, failures=0, lockouts=0, updated_at=START)


def lock(row: OtpThrottle, settings: Settings, now: datetime) -> timedelta:
    """Try wrong codes at `now` until the address locks; how long the lock lasts."""
    while throttle.seconds_until(row.locked_until, now) is None:
        throttle.record_failure(row, settings, now)
    assert row.locked_until is not None
    return row.locked_until - now


class TestLockouts:
    def test_grow_up_to_a_day(self, settings: Settings) -> None:
        row, now, lengths = fresh(), START, []
        for _ in range(9):
            lengths.append(lock(row, settings, now))
            now = row.locked_until or now

        assert [length / timedelta(minutes=1) for length in lengths] == [
            15,
            30,
            60,
            120,
            240,
            480,
            960,
            1440,
            1440,
        ]

    def test_a_day_without_a_lock_starts_them_short_again(self, settings: Settings) -> None:
        row = fresh()
        lock(row, settings, START)
        lock(row, settings, START + timedelta(minutes=15))
        assert row.locked_until is not None

        later = lock(row, settings, row.locked_until + timedelta(days=1))

        assert later == timedelta(minutes=15)

    def test_a_right_code_forgives_the_wrong_ones(self, settings: Settings) -> None:
        row = fresh()
        lock(row, settings, START)
        for _ in range(9):
            throttle.record_failure(row, settings, START + timedelta(minutes=20))

        throttle.record_success(row, START + timedelta(minutes=21))

        assert lock(row, settings, START + timedelta(minutes=22)) == timedelta(minutes=15)
        assert row.failures == 0


class TestWaitInWords:
    def test_says_seconds_minutes_or_hours(self) -> None:
        assert [throttle.wait_in_words(s) for s in (1, 59, 60, 61, 7199, 7201)] == [
            "1 second",
            "59 seconds",
            "1 minute",
            "2 minutes",
            "120 minutes",
            "3 hours",
        ]
