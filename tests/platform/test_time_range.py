"""TimeRange: half-open, zone-aware, and its SQL overlap condition agrees with `overlaps`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, create_engine, insert, select

from attune.platform.database import UTCDateTime
from attune.platform.time_range import TimeRange

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEN = NINE + timedelta(hours=1)
ELEVEN = NINE + timedelta(hours=2)


def hours(first: int, last: int) -> TimeRange:
    return TimeRange(NINE + timedelta(hours=first - 9), NINE + timedelta(hours=last - 9))


class TestConstruction:
    def test_duration_is_real_time(self) -> None:
        assert TimeRange(NINE, ELEVEN).duration == timedelta(hours=2)

    def test_ends_in_other_zones_are_the_same_instants(self) -> None:
        paris = timezone(timedelta(hours=1))

        assert TimeRange(NINE.astimezone(paris), TEN) == TimeRange(NINE, TEN)

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (NINE.replace(tzinfo=None), TEN),
            (NINE, TEN.replace(tzinfo=None)),
            (NINE.replace(tzinfo=None), TEN.replace(tzinfo=None)),
        ],
        ids=["naive start", "naive end", "both naive"],
    )
    def test_naive_datetimes_are_refused(self, start: datetime, end: datetime) -> None:
        with pytest.raises(ValueError, match="naive"):
            TimeRange(start, end)

    @pytest.mark.parametrize("end", [NINE, NINE - timedelta(microseconds=1)], ids=["empty", "back"])
    def test_a_range_must_end_after_it_starts(self, end: datetime) -> None:
        with pytest.raises(ValueError, match="end after it starts"):
            TimeRange(NINE, end)

    def test_a_range_cannot_be_changed(self) -> None:
        time = TimeRange(NINE, TEN)

        with pytest.raises(AttributeError):
            time.end = ELEVEN  # type: ignore[misc]


class TestContains:
    def test_the_start_is_inside(self) -> None:
        assert TimeRange(NINE, TEN).contains(NINE)

    def test_the_end_is_outside(self) -> None:
        assert not TimeRange(NINE, TEN).contains(TEN)

    def test_the_last_microsecond_is_inside(self) -> None:
        assert TimeRange(NINE, TEN).contains(TEN - timedelta(microseconds=1))

    def test_before_the_start_is_outside(self) -> None:
        assert not TimeRange(NINE, TEN).contains(NINE - timedelta(microseconds=1))

    def test_a_naive_instant_is_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            TimeRange(NINE, TEN).contains(NINE.replace(tzinfo=None))


# (other range, overlaps 9:00-11:00?)
CASES = [
    (hours(7, 9), False),  # ends as it starts
    (hours(11, 12), False),  # starts as it ends
    (hours(8, 10), True),
    (hours(10, 12), True),
    (hours(9, 11), True),  # the same range
    (hours(8, 12), True),  # around it
    (TimeRange(TEN, TEN + timedelta(minutes=1)), True),  # inside it
    (hours(7, 8), False),
]
CASE_IDS = ["touch before", "touch after", "start", "end", "same", "around", "inside", "apart"]


class TestOverlaps:
    @pytest.mark.parametrize(("other", "expected"), CASES, ids=CASE_IDS)
    def test_half_open(self, other: TimeRange, expected: bool) -> None:
        assert hours(9, 11).overlaps(other) is expected

    @pytest.mark.parametrize(("other", "expected"), CASES, ids=CASE_IDS)
    def test_symmetric(self, other: TimeRange, expected: bool) -> None:
        assert other.overlaps(hours(9, 11)) is expected


metadata = MetaData()
stored = Table(
    "stored_ranges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=True),
)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


class TestOverlapCondition:
    def test_selects_exactly_the_rows_that_overlap(self, engine: Engine) -> None:
        rows = [{"id": n, "start_at": r.start, "end_at": r.end} for n, (r, _) in enumerate(CASES)]
        with engine.begin() as connection:
            connection.execute(insert(stored), rows)
            condition = hours(9, 11).overlap_condition(stored.c.start_at, stored.c.end_at)
            found = set(connection.scalars(select(stored.c.id).where(condition)))

        assert found == {n for n, (_, expected) in enumerate(CASES) if expected}

    def test_a_row_without_an_end_overlaps_nothing(self, engine: Engine) -> None:
        with engine.begin() as connection:
            connection.execute(insert(stored), [{"id": 1, "start_at": NINE, "end_at": None}])
            condition = hours(8, 12).overlap_condition(stored.c.start_at, stored.c.end_at)
            found = list(connection.scalars(select(stored.c.id).where(condition)))

        assert found == []
