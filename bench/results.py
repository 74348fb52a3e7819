"""The results of a run, as written to JSON, and the targets they are judged against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.clients import Race
from bench.figures import Load

# Targets on a 2-core machine (the issue that asked for this benchmark).
AVAILABILITY_MIN_RATIO = 0.10
AVAILABILITY_MAX_P99_MS = 50.0
BOOK_CANCEL_MIN_PER_SECOND = 200.0
MAX_PROCESS_MB = 200.0
GROWTH_MAX_FACTOR = 1.5


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


@dataclass(frozen=True)
class Target:
    what: str
    goal: str
    figure: str
    met: bool


@dataclass
class Results:
    settings: dict[str, Any]
    machine: dict[str, Any]
    measurements: list[Measurement] = field(default_factory=list)
    races: dict[str, Race] = field(default_factory=dict)
    growth: list[GrowthPoint] = field(default_factory=list)
    practice_reads: list[PracticeRead] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

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
        points = [point for point in self.growth if point.database == database]
        return min(points, key=lambda point: point.bookings, default=None)

    def judge(self) -> None:
        """Fill `targets` from the figures measured (a target with no figure is left out)."""
        self.targets = []
        for item in self.measurements:
            if item.name == "availability":
                self.targets.append(
                    Target(
                        f"availability on {item.database}",
                        f">= {AVAILABILITY_MIN_RATIO:.0%} of the ceiling, "
                        f"p99 < {AVAILABILITY_MAX_P99_MS:.0f} ms",
                        f"{item.ratio:.1%}, p99 {item.load.p99_ms:.1f} ms",
                        item.ratio >= AVAILABILITY_MIN_RATIO
                        and item.load.p99_ms < AVAILABILITY_MAX_P99_MS,
                    )
                )
            if item.name == "book-cancel" and item.database == "postgresql":
                self.targets.append(
                    Target(
                        "book-then-cancel on postgresql",
                        f">= {BOOK_CANCEL_MIN_PER_SECOND:.0f} cycles/s",
                        f"{item.load.per_second:.0f} cycles/s",
                        item.load.per_second >= BOOK_CANCEL_MIN_PER_SECOND,
                    )
                )
        measured = self.measurements
        if measured:
            heaviest = max(measured, key=lambda item: item.peak_mb)
            self.targets.append(
                Target(
                    "memory of every process",
                    f"<= {MAX_PROCESS_MB:.0f} MB RSS",
                    f"highest {heaviest.peak_mb:.0f} MB ({heaviest.name}, {heaviest.database})",
                    heaviest.peak_mb <= MAX_PROCESS_MB,
                )
            )
        replaced = sum(item.replaced for item in measured) + sum(p.replaced for p in self.growth)
        self.targets.append(
            Target(
                "app processes stay up under load",
                "none replaced by uvicorn's supervisor",
                f"{replaced} replaced",
                replaced == 0,
            )
        )
        for database, race in self.races.items():
            self.targets.append(
                Target(
                    f"contention on {database}",
                    f"exactly {race.seats} bookings, no 5xx",
                    f"{race.created} created ({race.bookings_stored} stored), "
                    f"{race.server_errors} 5xx, {race.errors} failed, {race.seconds:.2f} s",
                    race.created == race.seats == race.bookings_stored
                    and race.server_errors == 0
                    and race.errors == 0,
                )
            )
        for database in sorted({point.database for point in self.growth}):
            points = sorted(
                (point for point in self.growth if point.database == database),
                key=lambda point: point.bookings,
            )
            if len(points) < 2:
                continue
            smallest, largest = points[0], points[-1]
            factor = largest.load.p50_ms / smallest.load.p50_ms if smallest.load.p50_ms else 0.0
            self.targets.append(
                Target(
                    f"growth on {database}",
                    f"p50 at {largest.bookings:,} bookings <= {GROWTH_MAX_FACTOR}x "
                    f"p50 at {smallest.bookings:,}",
                    f"{factor:.2f}x ({smallest.load.p50_ms:.1f} -> {largest.load.p50_ms:.1f} ms)",
                    factor <= GROWTH_MAX_FACTOR,
                )
            )
