"""The practice's calendar: its zone, what day it is there, and when its days begin and end.

Dates people see and send (a day view, a report's days, "today", a date of birth) are days in
the practice's zone; instants are stored in UTC. Every conversion between the two goes through
here, so daylight saving time is handled once: a day is 23 or 25 hours long across a change,
and a wall-clock time the clocks skip does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from attune.platform.time_range import TimeRange

if TYPE_CHECKING:
    from attune.platform.settings import Settings

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PracticeCalendar:
    zone: ZoneInfo

    @classmethod
    def of(cls, settings: Settings) -> PracticeCalendar:
        return cls(settings.zone)

    def local(self, instant: datetime) -> datetime:
        """The instant as the practice's wall clock shows it."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"naive datetime {instant!r}: an instant must carry its zone")
        return instant.astimezone(self.zone)

    def date_of(self, instant: datetime) -> date:
        """The practice's calendar day on which `instant` falls."""
        return self.local(instant).date()

    def today(self, now: datetime) -> date:
        return self.date_of(now)

    def day_start(self, day: date) -> datetime:
        """The UTC instant `day` begins in the practice's zone.

        A midnight that the clocks skip is given the offset before the change by zoneinfo,
        which is the instant the day starts. Raises OverflowError for a day at the ends of the
        calendar whose start has no UTC instant.
        """
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def day_bounds(self, day: date) -> TimeRange:
        """The instants `day` spans: 24 hours, or 23 or 25 across a daylight-saving change."""
        return self.days_bounds(day, day)

    def days_bounds(self, first: date, last: date) -> TimeRange:
        """From the start of `first` to the end of `last`, both days included."""
        return TimeRange(self.day_start(first), self.day_start(last + ONE_DAY))

    def month_bounds(self, day: date) -> TimeRange:
        """The instants of the calendar month that `day` is in."""
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return TimeRange(self.day_start(first), self.day_start(following))

    def instant_at(self, day: date, wall_time: time) -> datetime | None:
        """The UTC instant the practice's clocks show `wall_time` on `day`, or None if they skip
        it. A time that happens twice (the clocks go back) is its first occurrence.

        zoneinfo gives a skipped time an offset anyway; the round trip shows that it names a
        different wall-clock time, which is how a skipped time is recognised.
        """
        local = datetime.combine(day, wall_time, tzinfo=self.zone)
        instant = local.astimezone(UTC)
        if instant.astimezone(self.zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            return None
        return instant
