"""The practice calendar: today and day bounds in the practice's zone, across daylight saving.

2026's changes: Europe/London goes forward on 29 March (01:00 GMT becomes 02:00 BST) and back
on 25 October (02:00 BST becomes 01:00 GMT); America/New_York goes forward on 8 March (02:00
EST becomes 03:00 EDT) and back on 1 November (02:00 EDT becomes 01:00 EST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.time_range import TimeRange
from tests.conftest import make_settings

LONDON = PracticeCalendar(ZoneInfo("Europe/London"))
NEW_YORK = PracticeCalendar(ZoneInfo("America/New_York"))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_built_from_the_settings_zone(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite+aiosqlite://", practice_timezone="Asia/Tokyo")

    assert PracticeCalendar.of(settings) == PracticeCalendar(ZoneInfo("Asia/Tokyo"))


class TestToday:
    @pytest.mark.parametrize(
        ("now", "today"),
        [
            (utc(2026, 3, 8, 4, 59), date(2026, 3, 7)),  # 23:59 EST
            (utc(2026, 3, 8, 5, 0), date(2026, 3, 8)),  # midnight EST
            (utc(2026, 3, 9, 3, 59), date(2026, 3, 8)),  # 23:59 EDT
            (utc(2026, 3, 9, 4, 0), date(2026, 3, 9)),  # midnight EDT
            (utc(2026, 11, 2, 4, 59), date(2026, 11, 1)),  # 23:59 EST after going back
        ],
    )
    def test_the_day_in_new_york(self, now: datetime, today: date) -> None:
        assert NEW_YORK.today(now) == today

    def test_the_day_in_london_summer_is_an_hour_ahead_of_utc(self) -> None:
        assert LONDON.today(utc(2026, 6, 30, 23, 0)) == date(2026, 7, 1)

    def test_a_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            LONDON.today(datetime(2026, 6, 30, 23, 0))  # noqa: DTZ001

    def test_local_is_the_wall_clock(self) -> None:
        local = NEW_YORK.local(utc(2026, 11, 1, 6, 30))

        assert (local.date(), local.time(), local.utcoffset()) == (
            date(2026, 11, 1),
            time(1, 30),
            timedelta(hours=-5),
        )


class TestDayBounds:
    @pytest.mark.parametrize(
        ("calendar", "day", "start", "end", "hours"),
        [
            (LONDON, date(2026, 6, 1), utc(2026, 5, 31, 23), utc(2026, 6, 1, 23), 24),
            (LONDON, date(2026, 3, 29), utc(2026, 3, 29, 0), utc(2026, 3, 29, 23), 23),
            (LONDON, date(2026, 10, 25), utc(2026, 10, 24, 23), utc(2026, 10, 26, 0), 25),
            (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), 23),
            (NEW_YORK, date(2026, 11, 1), utc(2026, 11, 1, 4), utc(2026, 11, 2, 5), 25),
        ],
        ids=["london summer", "london forward", "london back", "new york forward", "new york back"],
    )
    def test_a_day_is_its_local_midnight_to_the_next(
        self, calendar: PracticeCalendar, day: date, start: datetime, end: datetime, hours: int
    ) -> None:
        bounds = calendar.day_bounds(day)

        assert bounds == TimeRange(start, end)
        assert bounds.duration == timedelta(hours=hours)

    def test_the_first_local_minute_is_in_the_day_and_the_next_midnight_is_not(self) -> None:
        day = NEW_YORK.day_bounds(date(2026, 11, 1))

        assert day.contains(utc(2026, 11, 1, 4, 0))
        assert not day.contains(utc(2026, 11, 2, 5, 0))

    def test_consecutive_days_touch_without_overlapping(self) -> None:
        saturday, sunday = (
            LONDON.day_bounds(date(2026, 3, 28)),
            LONDON.day_bounds(date(2026, 3, 29)),
        )

        assert saturday.end == sunday.start
        assert not saturday.overlaps(sunday)

    def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump(self) -> None:
        """In Chile the clocks go from 00:00 to 01:00: the day starts at 01:00 local time."""
        santiago = PracticeCalendar(ZoneInfo("America/Santiago"))

        day = santiago.day_bounds(date(2026, 9, 6))

        assert day.start == utc(2026, 9, 6, 4)
        assert santiago.local(day.start).time() == time(1, 0)
        assert day.duration == timedelta(hours=23)

    def test_several_days_run_from_the_first_start_to_the_last_end(self) -> None:
        days = NEW_YORK.days_bounds(date(2026, 3, 7), date(2026, 3, 9))

        assert days == TimeRange(utc(2026, 3, 7, 5), utc(2026, 3, 10, 4))
        assert days.duration == timedelta(hours=71)


class TestMonthBounds:
    def test_a_month_with_a_change_is_an_hour_short(self) -> None:
        march = LONDON.month_bounds(date(2026, 3, 17))

        assert march == TimeRange(utc(2026, 3, 1, 0), utc(2026, 3, 31, 23))

    def test_december_ends_at_the_new_year(self) -> None:
        december = NEW_YORK.month_bounds(date(2026, 12, 31))

        assert december == TimeRange(utc(2026, 12, 1, 5), utc(2027, 1, 1, 5))


class TestInstantAt:
    @pytest.mark.parametrize(
        ("calendar", "day"),
        [(LONDON, date(2026, 3, 29)), (NEW_YORK, date(2026, 3, 8))],
        ids=["london", "new york"],
    )
    def test_a_time_the_clocks_skip_does_not_exist(
        self, calendar: PracticeCalendar, day: date
    ) -> None:
        skipped = time(1, 30) if calendar is LONDON else time(2, 30)

        assert calendar.instant_at(day, skipped) is None

    def test_a_time_that_happens_twice_is_its_first_occurrence(self) -> None:
        assert LONDON.instant_at(date(2026, 10, 25), time(1, 30)) == utc(2026, 10, 25, 0, 30)

    def test_an_ordinary_time(self) -> None:
        assert NEW_YORK.instant_at(date(2026, 3, 9), time(9, 0)) == utc(2026, 3, 9, 13, 0)
