"""The weekly generator's plan: which local start times a request asks for, as instants.

Pure computation, no database: the service checks the plan against the slots that exist.
Each start is a wall-clock time in the practice's zone, converted to UTC on its own day, so a
09:00 slot is at 09:00 local time on either side of a daylight-saving change. The session
length is real time. A local time that the clocks skip does not exist and is reported; one
that happens twice (the clocks go back) is taken at its first occurrence, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from attune.platform.practice_calendar import PracticeCalendar
from attune.scheduling.schemas import ScheduleGenerate


@dataclass(frozen=True)
class PlannedStart:
    local: datetime
    """The wall-clock start in the practice's zone (aware, fold=0)."""

    start_at: datetime | None
    """The start as a UTC instant; None when the local time does not exist that day."""


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _starts_per_day(body: ScheduleGenerate) -> int:
    room = _minutes(body.end_time) - _minutes(body.start_time) - body.minutes
    if room < 0:
        return 0
    return room // (body.minutes + body.break_minutes) + 1


def _dates(body: ScheduleGenerate) -> Iterator[date]:
    weekdays = set(body.weekdays)
    day = body.start_date
    while day <= body.end_date:
        if day.weekday() in weekdays:
            yield day
        day += timedelta(days=1)


def planned_count(body: ScheduleGenerate) -> int:
    """How many starts the request asks for, before any is skipped."""
    return _starts_per_day(body) * sum(1 for _ in _dates(body))


def plan(body: ScheduleGenerate, calendar: PracticeCalendar) -> list[PlannedStart]:
    """Every start the request asks for, in time order."""
    step = body.minutes + body.break_minutes
    first = _minutes(body.start_time)
    # Every start ends by the request's end_time, so each is a time of the same day.
    starts = [time(*divmod(first + step * index, 60)) for index in range(_starts_per_day(body))]
    planned: list[PlannedStart] = []
    for day in _dates(body):
        for wall_time in starts:
            local = datetime.combine(day, wall_time, tzinfo=calendar.zone)
            planned.append(PlannedStart(local=local, start_at=calendar.instant_at(day, wall_time)))
    return planned
