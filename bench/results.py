"""The results of a run, as written to JSON (bench.targets judges them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.clients import Race
from bench.figures import Load

# The read a growth point measures: one therapist's day (`availability`), or the whole day of
# the practice of ten therapists.
SINGLE_READ = "availability"
PRACTICE_READ = "practice-availability"


@dataclass(frozen=True)
class Measurement:
    """One kind of request under load on one database (the ceiling: measured before it).

    `load.requests` counts units: a request, or for book-then-cancel a whole cycle of
    `requests_per_unit` HTTP requests. `ratio` compares HTTP requests per second with the
    ceiling's.
    """

    database: str
    name: str
    label: str
    load: Load
    ratio: float
    memory_mb: dict[str, float]
    replaced: int  # app processes uvicorn killed and replaced during the measurement
    requests_per_unit: int = 1

    @property
    def peak_mb(self) -> float:
        return max(self.memory_mb.values(), default=0.0)


@dataclass(frozen=True)
class GrowthPoint:
    database: str
    bookings: int
    load: Load
    ratio: float
    replaced: int
    read: str = SINGLE_READ  # or PRACTICE_READ


@dataclass(frozen=True)
class PracticeRead:
    """The availability read of the practice of several therapists (bench.seed.WidePractice):
    the whole practice's day or one therapist's, with the day view's cache on or off."""

    database: str
    scope: str  # "practice" or "therapist"
    cached: bool
    slots_answered: int  # the slots one answer held (the whole day: the filter was ignored)
    therapists: int
    services: int
    slots: int  # the slots of the day, every therapist's
    measurement: Measurement


@dataclass
class Results:
    settings: dict[str, Any]
    machine: dict[str, Any]
    measurements: list[Measurement] = field(default_factory=list)
    races: dict[str, Race] = field(default_factory=dict)
    growth: list[GrowthPoint] = field(default_factory=list)
    practice_reads: list[PracticeRead] = field(default_factory=list)

    def single_therapist(self, database: str, *, cached: bool) -> Measurement | GrowthPoint | None:
        """The availability read of one therapist's day that a practice read stands beside:
        with the cache on, `availability`, measured while the practice had one therapist;
        with it off, the growth's first point (the same day, read at the smallest history)."""
        if cached:
            return next(
                (
                    item
                    for item in self.measurements
                    if item.database == database and item.name == "availability"
                ),
                None,
            )
        points = [
            point
            for point in self.growth
            if point.database == database and point.read == SINGLE_READ
        ]
        return min(points, key=lambda point: point.bookings, default=None)
