"""The strict input types that every request body and query parameter is built from.

One type per kind of value, so that what the service accepts is decided once for every route:

- `Instant`: RFC 3339 text with an offset, within five years of now, answered in UTC;
- `CalendarDate`: `YYYY-MM-DD`, within five years of today (the practice's calendar);
- `BirthDate`: `YYYY-MM-DD` from 1900 on, the one date not held to the five years (that it is
  not in the future is the accounts service's rule);
- `WallTime`: a time of day, `HH:MM`;
- `whole_number` and `Id`: an integer (a JSON integer, or digits in a query), never a float,
  a boolean or an exponent, and within the bounds its field states;
- `Text`, `visible_text` and `visible_lines`: strings without NUL (PostgreSQL refuses it) or
  other control and invisible characters (bidi overrides would let text display as something
  else).

A number is never read as a date or a time (pydantic would take `0` as 1970-01-01), and a
date or an instant far from today is refused here, so that no rule, query or date arithmetic
further in (`date.max + 1 day`) ever meets one.

"Now" is the app's clock, bound for each request by `horizon_bound`, so a frozen clock in a
test decides validation as it decides every rule; outside a request it is the wall clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from attune.platform.clock import Clock
from attune.platform.practice_calendar import PracticeCalendar

# Five years either way, leap days included: how far from today a date or instant may be.
HORIZON_DAYS = 5 * 365 + 1
HORIZON = timedelta(days=HORIZON_DAYS)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Ids and counts are 32-bit in every table, on SQLite and PostgreSQL alike.
MAX_ID = 2**31 - 1
# Control, format (bidi marks), surrogate, private-use and unassigned code points.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
LINE_BREAKS = "\r\n\t"

_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
WALL_TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_WALL_TIME = re.compile(WALL_TIME_PATTERN)
# Digits, with a sign for a negative that the bounds then refuse by name; 19 digits at most,
# so that a 40-digit number is refused before it becomes an integer anything must handle.
_WHOLE_NUMBER = re.compile(r"-?\d{1,19}", re.ASCII)


@dataclass(frozen=True)
class Horizon:
    """Whose now the window is counted from: the app's clock, in the practice's zone."""

    clock: Clock
    calendar: PracticeCalendar

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.calendar.today(self.clock.now())


_WALL_CLOCK = Horizon(Clock(), PracticeCalendar(ZoneInfo("UTC")))
_horizon: ContextVar[Horizon] = ContextVar("attune_input_horizon", default=_WALL_CLOCK)


@contextmanager
def horizon_bound(clock: Clock, calendar: PracticeCalendar) -> Iterator[None]:
    """Count the window of every date and instant read inside the block from this clock."""
    token = _horizon.set(Horizon(clock, calendar))
    try:
        yield
    finally:
        _horizon.reset(token)


def _instant(value: object) -> datetime:
    message = "must be an RFC 3339 date and time with an offset, such as 2024-12-15T10:00:00Z"
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        raise PydanticCustomError("instant", message)
    try:
        written = datetime.fromisoformat(value.upper())
    except ValueError as error:
        raise PydanticCustomError("instant", message) from error
    far = PydanticCustomError("instant_horizon", "must be within five years of now")
    try:
        instant = written.astimezone(UTC)
    except OverflowError as error:
        # `0001-01-01T00:00:00+01:00` is well written, but its UTC instant is before year 1.
        raise far from error
    if abs(instant - _horizon.get().now()) > HORIZON:
        raise far
    return instant


def _calendar_date(value: object) -> date:
    day = _date_text(value)
    if abs((day - _horizon.get().today()).days) > HORIZON_DAYS:
        raise PydanticCustomError("date_horizon", "must be within five years of today")
    return day


def _birth_date(value: object) -> date:
    day = _date_text(value)
    if day < EARLIEST_BIRTH_DATE:
        raise PydanticCustomError("birth_date", "must be 1900-01-01 or later")
    return day


def _date_text(value: object) -> date:
    message = "must be a date written YYYY-MM-DD"
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise PydanticCustomError("calendar_date", message)
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise PydanticCustomError("calendar_date", message) from error


def _wall_time(value: object) -> time:
    message = "must be a time of day written HH:MM, such as 09:00"
    if not isinstance(value, str) or not _WALL_TIME.fullmatch(value):
        raise PydanticCustomError("wall_time", message)
    try:
        return time.fromisoformat(value)
    except ValueError as error:
        raise PydanticCustomError("wall_time", message) from error


def whole_number(value: object) -> object:
    """An integer as JSON writes it, or digits as a query or path carries them.

    `1.0`, `1.5`, `true`, `"1e3"` and `"1_000"` are mistakes in the client, not numbers to
    guess at; the field's bounds are checked after this.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return value
    raise PydanticCustomError("whole_number", "must be a whole number")


def _refuse_invisible(value: str, allowed: str) -> str:
    if any(
        unicodedata.category(char) in INVISIBLE_CATEGORIES and char not in allowed for char in value
    ):
        raise PydanticCustomError(
            "invisible_characters", "must not contain control or invisible characters"
        )
    return value


def visible_text(value: str) -> str:
    """One line of text: no control or invisible character at all."""
    return _refuse_invisible(value, allowed="")


def visible_lines(value: str) -> str:
    """Text typed in a text area keeps its line breaks and tabs, and nothing else unseen."""
    return _refuse_invisible(value, allowed=LINE_BREAKS)


# The validators see the raw input first, so pydantic's lenient parsing never runs on it.
Instant = Annotated[datetime, BeforeValidator(_instant), Field(examples=["2024-12-15T10:00:00Z"])]
CalendarDate = Annotated[date, BeforeValidator(_calendar_date), Field(examples=["2024-12-15"])]
BirthDate = Annotated[date, BeforeValidator(_birth_date), Field(examples=["1990-04-23"])]
# Documented as the text it is read from (`format: time` would allow seconds and an offset).
WallTime = Annotated[
    time,
    BeforeValidator(_wall_time),
    WithJsonSchema({"type": "string", "pattern": WALL_TIME_PATTERN, "examples": ["09:00"]}),
]
# A bounded integer states its bounds before `BeforeValidator(whole_number)`, as `Id` does:
# pydantic then documents them as the schema's `minimum` and `maximum` (after it, they would
# be checked but left out of the OpenAPI document).
Id = Annotated[int, Field(ge=1, le=MAX_ID, examples=[1]), BeforeValidator(whole_number)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1]), BeforeValidator(whole_number)]
Text = Annotated[str, AfterValidator(visible_text)]
