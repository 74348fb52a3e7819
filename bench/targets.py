"""Issue 17's table, row by row and database by database: the target, the figure before the
issue's work ("now", from bench/baseline.json) and the figure of this run ("after"), judged.

Both come from a run's JSON (bench.report.as_json), so the baseline is read exactly as this run
is written. Throughputs are ratios to the ceiling (a bare ASGI app) measured in the same run:
runs on one machine compare through them even when its load differs between runs. A target
that the issue gives in requests per second becomes the ratio it makes with the baseline run's
ceiling on the same database, so it too is judged as a ratio.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import PRACTICE_READ, SINGLE_READ

BASELINE = Path(__file__).with_name("baseline.json")

Run = dict[str, Any]  # a run's JSON, as bench.report.as_json writes it


@dataclass(frozen=True)
class Figure:
    text: str
    met: bool | None  # None: nothing to judge (the ceiling)


@dataclass(frozen=True)
class Row:
    what: str
    database: str
    goal: str
    now: str
    after: str
    met: bool | None  # None: nothing to judge (the ceiling), or not measured in this run


@dataclass(frozen=True)
class Scale:
    """Turns a rate the issue gives per second into a ratio to the ceiling, on one database."""

    database: str
    ceiling: float  # the baseline's ceiling on this database, requests per second

    def ratio(self, per_second: float) -> float:
        return per_second / self.ceiling


# Reads a row's figure out of a run, for one database (None: the run did not measure it).
Reader = Callable[[Run, str, Scale], Figure | None]


def load_baseline() -> Run | None:
    return json.loads(BASELINE.read_text()) if BASELINE.exists() else None


def judge(run: Run, baseline: Run | None) -> list[Row]:
    rows: list[Row] = []
    for what, goal, read in _specs():
        for database in run["settings"]["databases"]:
            scale = Scale(database, _ceiling(baseline, database) or _ceiling(run, database) or 1.0)
            before = read(baseline, database, scale) if baseline is not None else None
            after = read(run, database, scale)
            rows.append(
                Row(
                    what,
                    database,
                    goal(scale) if callable(goal) else goal,
                    "" if before is None else before.text,
                    "not measured" if after is None else after.text,
                    None if after is None else after.met,
                )
            )
    return rows


def _specs() -> list[tuple[str, str | Callable[[Scale], str], Reader]]:
    """Each row of the issue's table: what is measured, the goal (its text, or made from the
    database's scale when it is given per second), and how its figure is read."""
    return [
        ("the ceiling (a bare ASGI app)", "the measure of the rest", _ceiling_figure),
        (
            "`GET /api/schedules?date=` with the cache off",
            "≥ 5% of the ceiling, p99 < 40 ms",
            lambda run, db, _scale: _rate(_uncached_availability(run, db), 0.05, 40.0),
        ),
        (
            "`GET /api/schedules?date=` with the cache on",
            "≥ 20% of the ceiling, p99 < 10 ms (never stale in the same process, at most the "
            "cache's age across processes: tests/scheduling/test_day_cache*.py)",
            lambda run, db, _scale: _rate(_measurement(run, db, "availability"), 0.20, 10.0),
        ),
        (
            "`GET /api/bookings` (a client's list)",
            lambda scale: f"≥ {scale.ratio(2_000):.1%} of the ceiling (2,000/s), p99 < 50 ms",
            lambda run, db, scale: _rate(
                _measurement(run, db, "bookings"), scale.ratio(2_000), 50.0
            ),
        ),
        (
            "book-then-cancel (cycles of two requests)",
            lambda scale: (
                f"≥ {scale.ratio(2 * _cycles(scale)):.2%} of the ceiling "
                f"({_cycles(scale)} cycles/s)"
            ),
            _book_cancel,
        ),
        (
            "available dates",
            lambda scale: f"≥ {scale.ratio(5_000):.1%} of the ceiling (5,000/s)",
            lambda run, db, scale: _rate(
                _measurement(run, db, "available-dates"), scale.ratio(5_000), None
            ),
        ),
        (
            "500 clients racing for 10 one-seat slots",
            "all answered in ≤ 1.5 s, exactly 10 bookings, no 5xx",
            _race,
        ),
        (
            "the booking page `GET /book?date=`",
            "≥ 50% of the same day's `GET /api/schedules?date=` (cache on)",
            lambda run, db, _scale: _share(run, db, "book-page", "availability"),
        ),
        (
            "the back office Today page `GET /admin/`",
            "≥ 50% of `GET /api/admin/bookings` of the week it shows",
            lambda run, db, _scale: _share(run, db, "today-page", "admin-bookings"),
        ),
        ("peak memory per process, logins included", "≤ 150 MB", _memory),
        (
            "growth to 1 M bookings (one therapist's day)",
            "p50 at the largest history ≤ 1.2× p50 at the smallest",
            lambda run, db, _scale: _growth(run, db, SINGLE_READ),
        ),
        (
            "growth to 10 therapists × 1 M (the practice's day)",
            "p50 at the largest history ≤ 1.2× p50 at the smallest",
            lambda run, db, _scale: _growth(run, db, PRACTICE_READ),
        ),
        ("app processes stay up under load", "none replaced by uvicorn's supervisor", _replaced),
    ]


def _measurement(run: Run, database: str, name: str) -> dict[str, Any] | None:
    return next(
        (
            item
            for item in run["measurements"]
            if item["database"] == database and item["name"] == name
        ),
        None,
    )


def _ceiling(run: Run | None, database: str) -> float | None:
    found = None if run is None else _measurement(run, database, "ceiling")
    return None if found is None else float(found["load"]["per_second"])


def _ceiling_figure(run: Run, database: str, _scale: Scale) -> Figure | None:
    ceiling = _ceiling(run, database)
    return None if ceiling is None else Figure(f"{ceiling:,.0f}/s", None)


def _uncached_availability(run: Run, database: str) -> dict[str, Any] | None:
    """The measurement of its own; a run from before it had one (the baseline) measured the
    same read as the growth's first point."""
    found = _measurement(run, database, "availability-uncached")
    if found is not None:
        return found
    points = _growth_points(run, database, SINGLE_READ)
    return points[0] if points else None


def _rate(item: dict[str, Any] | None, min_ratio: float, max_p99_ms: float | None) -> Figure | None:
    if item is None:
        return None
    load, ratio = item["load"], item["ratio_to_ceiling"]
    text = f"{ratio:.1%} ({load['per_second']:,.0f}/s)"
    met = ratio >= min_ratio
    if max_p99_ms is not None:
        text += f", p99 {load['p99_ms']:.1f} ms"
        met = met and load["p99_ms"] < max_p99_ms
    return Figure(text, met)


def _cycles(scale: Scale) -> int:
    """Book-then-cancel cycles per second the issue asks of the database."""
    return 300 if scale.database == "postgresql" else 150


def _book_cancel(run: Run, database: str, scale: Scale) -> Figure | None:
    item = _measurement(run, database, "book-cancel")
    if item is None:
        return None
    load, ratio = item["load"], item["ratio_to_ceiling"]
    return Figure(
        f"{ratio:.2%} ({load['per_second']:,.0f} cycles/s), p99 {load['p99_ms']:.0f} ms",
        ratio >= scale.ratio(2 * _cycles(scale)),
    )


def _race(run: Run, database: str, _scale: Scale) -> Figure | None:
    race = run["contention"].get(database)
    if race is None:
        return None
    server_errors = sum(count for status, count in race["statuses"].items() if int(status) >= 500)
    return Figure(
        f"all answered in {race['seconds']:.2f} s (p50 {race['p50_ms'] / 1000:.2f} s), "
        f"{race['created']} created, {race['bookings_stored']} stored, {server_errors} 5xx",
        race["seconds"] <= 1.5
        and race["created"] == race["seats"] == race["bookings_stored"]
        and server_errors == 0
        and race["errors"] == 0,
    )


def _share(run: Run, database: str, page: str, read: str) -> Figure | None:
    shown = _measurement(run, database, page)
    if shown is None:
        return None
    page_figure = (
        f"{shown['ratio_to_ceiling']:.1%} of the ceiling ({shown['load']['per_second']:,.0f}/s)"
    )
    json_read = _measurement(run, database, read)
    if json_read is None:
        return Figure(f"{page_figure}; the JSON read was not measured", False)
    share = shown["load"]["per_second"] / json_read["load"]["per_second"]
    return Figure(
        f"{share:.0%} of the JSON read's {json_read['load']['per_second']:,.0f}/s; the page "
        f"{page_figure}",
        share >= 0.5,
    )


def _memory(run: Run, database: str, _scale: Scale) -> Figure | None:
    peaks = [
        (megabytes, item["name"], role)
        for item in run["measurements"]
        if item["database"] == database
        for role, megabytes in item["peak_rss_mb"].items()
    ]
    if not peaks:
        return None
    megabytes, name, role = max(peaks)
    return Figure(f"highest {megabytes:.0f} MB ({role}, seen during {name})", megabytes <= 150)


def _growth_points(run: Run, database: str, read: str) -> list[dict[str, Any]]:
    """The run's growth points of one read, smallest history first (a point written before
    points named their read is one therapist's)."""
    return sorted(
        (
            point
            for point in run["growth"]
            if point["database"] == database and point.get("read", SINGLE_READ) == read
        ),
        key=lambda point: point["bookings"],
    )


def _growth(run: Run, database: str, read: str) -> Figure | None:
    points = _growth_points(run, database, read)
    if not points:
        return None
    smallest, largest = points[0], points[-1]
    first, last = smallest["load"]["p50_ms"], largest["load"]["p50_ms"]
    factor = last / first if first else 0.0
    if smallest is largest:
        return Figure(
            f"1.00× by construction: one history size ({smallest['bookings']:,} bookings, "
            f"p50 {first:.1f} ms)",
            True,
        )
    return Figure(
        f"{factor:.2f}× (p50 {first:.1f} ms at {smallest['bookings']:,} bookings, "
        f"{last:.1f} ms at {largest['bookings']:,})",
        factor <= 1.2,
    )


def _replaced(run: Run, database: str, _scale: Scale) -> Figure | None:
    replaced = sum(
        item["app_processes_replaced"]
        for item in [*run["measurements"], *run["growth"]]
        if item["database"] == database
    )
    return Figure(f"{replaced} replaced", replaced == 0)
