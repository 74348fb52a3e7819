"""The results of a run as JSON, a Markdown table and a PNG chart, side by side."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

from bench import targets
from bench.figures import Load
from bench.results import SINGLE_READ, Measurement, PracticeRead, Results

COLOURS = {"sqlite": "#4C72B0", "postgresql": "#DD8452"}


def write(results: Results, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / "bench.json",
        "markdown": directory / "bench.md",
        "chart": directory / "bench.png",
    }
    run = as_json(results)
    rows = targets.judge(run, targets.load_baseline())
    run["targets"] = [dataclasses.asdict(row) for row in rows]
    paths["json"].write_text(json.dumps(run, indent=2) + "\n")
    paths["markdown"].write_text(markdown(results, rows))
    chart(results, paths["chart"])
    return paths


def _load_json(load: Load) -> dict[str, Any]:
    return {**dataclasses.asdict(load), "per_second": round(load.per_second, 2)}


def _measurement_json(item: Measurement) -> dict[str, Any]:
    return {
        "database": item.database,
        "name": item.name,
        "label": item.label,
        "requests_per_unit": item.requests_per_unit,
        "load": _load_json(item.load),
        "ratio_to_ceiling": round(item.ratio, 4),
        "peak_rss_mb": item.memory_mb,
        "app_processes_replaced": item.replaced,
    }


def as_json(results: Results) -> dict[str, Any]:
    return {
        "settings": results.settings,
        "machine": results.machine,
        "measurements": [_measurement_json(item) for item in results.measurements],
        "contention": {
            database: {**dataclasses.asdict(race), "created": race.created}
            for database, race in results.races.items()
        },
        "growth": [
            {
                "database": point.database,
                "bookings": point.bookings,
                "load": _load_json(point.load),
                "ratio_to_ceiling": round(point.ratio, 4),
                "app_processes_replaced": point.replaced,
                "read": point.read,
            }
            for point in results.growth
        ],
        "practice": [_practice_json(results, read) for read in results.practice_reads],
    }


def _practice_json(results: Results, read: PracticeRead) -> dict[str, Any]:
    single = results.single_therapist(read.database, cached=read.cached)
    return {
        "database": read.database,
        "scope": read.scope,
        "cached": read.cached,
        "therapists": read.therapists,
        "services": read.services,
        "slots_of_the_day": read.slots,
        "slots_answered": read.slots_answered,
        "name": read.measurement.name,
        "load": _load_json(read.measurement.load),
        "ratio_to_ceiling": round(read.measurement.ratio, 4),
        "single_therapist": None
        if single is None
        else {
            "name": single.name if isinstance(single, Measurement) else "growth",
            "load": _load_json(single.load),
            "ratio_to_ceiling": round(single.ratio, 4),
        },
    }


def _practice_lines(results: Results) -> list[str]:
    reads = results.practice_reads
    if not reads:
        return []
    first = reads[0]
    lines = [
        "",
        f"## A practice of {first.therapists} therapists with {first.services} services",
        "",
        f"`GET /api/schedules?date=` of a day on which each therapist has eight slots "
        f"({first.slots} in all): the whole practice, and one therapist "
        "(`&therapist_id=`). Beside each, the single therapist's read of a day of eight slots: "
        "with the cache on, `availability`, measured while the practice had one therapist; "
        "with the cache off, the growth's first point.",
        "",
        "| database | cache | read | slots answered | per second | x ceiling | p50 ms "
        "| p99 ms | single therapist: per second | x ceiling | p50 ms | p99 ms |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    ignored = False
    for read in reads:
        load = read.measurement.load
        single = results.single_therapist(read.database, cached=read.cached)
        beside = (
            "| | | |"
            if single is None
            else f"| {single.load.per_second:,.1f} | {single.ratio:.1%} "
            f"| {single.load.p50_ms:.1f} | {single.load.p99_ms:.1f} |"
        )
        scope = "whole practice" if read.scope == "practice" else "one therapist"
        if read.scope == "therapist" and read.slots_answered == read.slots:
            ignored = True
            scope += " (filter ignored)"
        lines.append(
            f"| {read.database} | {'on' if read.cached else 'off'} | {scope} "
            f"| {read.slots_answered} | {load.per_second:,.1f} | {read.measurement.ratio:.1%} "
            f"| {load.p50_ms:.1f} | {load.p99_ms:.1f} {beside}"
        )
    if ignored:
        lines += [
            "",
            "The server answered the whole day to `therapist_id=`: it does not filter by "
            "therapist yet, so the one-therapist figures are the whole practice's.",
        ]
    return lines


def _memory_cell(memory: dict[str, float]) -> str:
    return ", ".join(f"{role} {mb:.0f}" for role, mb in memory.items())


def markdown(results: Results, rows: list[targets.Row]) -> str:
    settings, machine = results.settings, results.machine
    lines = [
        "# Attune benchmark",
        "",
        f"Run at {settings['started_at']}{' (quick mode)' if settings['quick'] else ''}: "
        f"{settings['connections']} connections, {settings['seconds']:g} s per measurement "
        f"after a {settings['warmup_seconds']:g} s warm-up, `attune serve --workers "
        f"{settings['app_processes']}` with rate limits off. {machine['cpus']} CPUs, "
        f"load average {machine['load_average_before'][0]:.1f} before and "
        f"{machine.get('load_average_after', [0.0])[0]:.1f} after; {machine['wrk']}.",
        "",
        "## Requests at 50 connections",
        "",
        "| database | request | per second | x ceiling | p50 ms | p99 ms | non-2xx | errors "
        "| replaced | peak RSS MB per process |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for item in results.measurements:
        load = item.load
        lines.append(
            f"| {item.database} | {item.label} | {load.per_second:,.1f} | {item.ratio:.1%} "
            f"| {load.p50_ms:.1f} | {load.p99_ms:.1f} | {load.non_2xx} | {load.errors} "
            f"| {item.replaced} | {_memory_cell(item.memory_mb)} |"
        )
    if results.races:
        lines += [
            "",
            "## Contention: clients racing for slots of one seat",
            "",
            "| database | clients | seats | answers | created | stored | 5xx | failed "
            "| all answered in | p50 ms | p99 ms |",
            "|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for database, race in results.races.items():
            answers = ", ".join(f"{status}: {count}" for status, count in race.statuses.items())
            lines.append(
                f"| {database} | {race.clients} | {race.seats} | {answers} | {race.created} "
                f"| {race.bookings_stored} | {race.server_errors} | {race.errors} "
                f"| {race.seconds:.2f} s | {race.p50_ms:.0f} | {race.p99_ms:.0f} |"
            )
    if results.growth:
        lines += [
            "",
            "## Growth: the availability read as bookings accumulate",
            "",
            "Every read reaches the database here: the server runs with the day view's cache "
            "off (`ATTUNE_AVAILABILITY_CACHE_SECONDS=0`). `availability` reads the single "
            "therapist's day; `practice-availability` the day of the practice of ten "
            "therapists, at the smallest and the largest history.",
            "",
            "| database | read | bookings | per second | x ceiling | p50 ms | p99 ms | non-2xx "
            "| replaced |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for point in results.growth:
            load = point.load
            lines.append(
                f"| {point.database} | {point.read} | {point.bookings:,} | {load.per_second:,.1f} "
                f"| {point.ratio:.1%} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | {load.non_2xx} "
                f"| {point.replaced} |"
            )
    lines += _practice_lines(results)
    lines += _target_lines(rows)
    return "\n".join(lines) + "\n"


def _target_lines(rows: list[targets.Row]) -> list[str]:
    lines = [
        "",
        "## Issue 17's targets: now and after",
        "",
        '"now" is `bench/baseline.json`, the run before issue 17\'s work (`make bench '
        'BENCH_ARGS="--quick --growth 1000"` on this machine); "after" is this run. Rates are '
        "ratios to the ceiling measured in the same run, which makes runs on one machine "
        "comparable; a target given in requests per second is the ratio it makes with the "
        "baseline's ceiling.",
        "",
        "| measurement | database | target | now | after | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.what} | {row.database} | {row.goal} | {row.now or '—'} | {row.after} | {met} |"
        )
    return lines


def chart(results: Results, path: Path) -> None:
    """Requests per second by request and database (the ceiling first), and the availability
    read's latency as the bookings grow."""
    figure, (throughput, growth) = plt.subplots(1, 2, figsize=(14, 5.5))
    names = list(dict.fromkeys(item.name for item in results.measurements))
    databases = list(dict.fromkeys(item.database for item in results.measurements))
    width = 0.8 / max(1, len(databases))
    for offset, database in enumerate(databases):
        rates = {
            item.name: item.load.per_second * item.requests_per_unit
            for item in results.measurements
            if item.database == database
        }
        positions = [index + offset * width for index in range(len(names))]
        throughput.bar(
            positions,
            [rates.get(name, 0.0) for name in names],
            width,
            label=database,
            color=COLOURS.get(database),
        )
    # Slanted: the names of fifteen measurements side by side would run into each other.
    throughput.set_xticks(
        [index + width * (len(databases) - 1) / 2 for index in range(len(names))],
        names,
        rotation=40,
        ha="right",
    )
    throughput.set_yscale("log")
    throughput.set_ylabel("HTTP requests per second (log)")
    throughput.set_title(f"{results.settings['connections']} connections")
    throughput.legend()
    for database in dict.fromkeys(point.database for point in results.growth):
        points = sorted(
            (
                point
                for point in results.growth
                if point.database == database and point.read == SINGLE_READ
            ),
            key=lambda point: point.bookings,
        )
        sizes = [point.bookings for point in points]
        colour = COLOURS.get(database)
        growth.plot(
            sizes, [p.load.p50_ms for p in points], "o-", color=colour, label=f"{database} p50"
        )
        growth.plot(
            sizes, [p.load.p99_ms for p in points], "s--", color=colour, label=f"{database} p99"
        )
    growth.set_xscale("log")
    growth.set_xlabel("bookings in the database (log)")
    growth.set_ylabel("latency of GET /api/schedules?date= (ms)")
    growth.set_title("availability read as bookings grow")
    growth.set_ylim(bottom=0)
    if results.growth:
        growth.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
