"""A stretch of time between two instants, and the one place its overlap is written as SQL.

Ranges are half-open, [start, end): a session ending at 10:00 and one starting at 10:00 do not
overlap, and an instant at `end` is outside. Both ends carry a zone, so no comparison ever
mixes a naive local time with an instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, SQLColumnExpression, and_


def _refuse_naive(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r} as {name}: an instant must carry its zone")


@dataclass(frozen=True, slots=True)
class TimeRange:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _refuse_naive("start", self.start)
        _refuse_naive("end", self.end)
        if self.end <= self.start:
            raise ValueError(f"a time range must end after it starts: {self.start} to {self.end}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: TimeRange) -> bool:
        """Whether the two ranges share an instant; touching ends do not."""
        return self.start < other.end and other.start < self.end

    def contains(self, instant: datetime) -> bool:
        _refuse_naive("instant", instant)
        return self.start <= instant < self.end

    def overlap_condition(
        self,
        start_column: SQLColumnExpression[datetime | None],
        end_column: SQLColumnExpression[datetime | None],
    ) -> ColumnElement[bool]:
        """The rows whose [start_column, end_column) overlaps this range.

        Rows that store a start and a length pass an expression as `end_column`; a row with no
        time (NULL) overlaps nothing.
        """
        return and_(start_column < self.end, end_column > self.start)
