"""`python -m bench [--quick]`: measure Attune and write bench/results/bench.{json,md,png}."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

from bench import report
from bench.databases import DEFAULT_POSTGRES_URL
from bench.run import REPOSITORY, Options, run

GROWTH = (1_000, 100_000, 1_000_000)


def parse_options() -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="3 s per measurement after a 1 s warm-up"
    )
    parser.add_argument("--seconds", type=float, help="per measurement (default 10, quick 3)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated, from sqlite and postgresql (default both)",
    )
    parser.add_argument(
        "--growth",
        default=",".join(str(size) for size in GROWTH),
        help="bookings in the database for the growth measurements, smallest first",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ATTUNE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the database to create, use and drop [ATTUNE_BENCH_POSTGRES_URL]",
    )
    parser.add_argument("--results", type=Path, default=REPOSITORY / "bench" / "results")
    arguments = parser.parse_args()
    kinds = tuple(kind.strip() for kind in arguments.databases.split(",") if kind.strip())
    unknown = set(kinds) - {"sqlite", "postgresql"}
    if unknown or not kinds:
        parser.error(f"--databases takes sqlite and postgresql, not {sorted(unknown)}")
    growth = tuple(sorted(int(size) for size in arguments.growth.split(",") if size.strip()))
    if not growth:
        parser.error("--growth needs at least one size")
    return Options(
        seconds=arguments.seconds or (3.0 if arguments.quick else 10.0),
        warmup_seconds=1.0 if arguments.quick else 3.0,
        connections=arguments.connections,
        databases=kinds,
        growth=growth,
        postgres_url=arguments.postgres_url,
        results_dir=arguments.results,
        work_dir=REPOSITORY / "var" / "bench",
        quick=arguments.quick,
    )


async def main(options: Options) -> None:
    # SIGTERM ends the run as Ctrl-C does: by cancelling it, so every server it started is
    # stopped and every database it created is dropped on the way out.
    running = asyncio.current_task()
    if running is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, running.cancel)
    results = await run(options)
    paths = report.write(results, options.results_dir)
    print(paths["markdown"].read_text())
    for kind, path in paths.items():
        print(f"{kind}: {path}")


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_options()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted: every server stopped, every database dropped", file=sys.stderr)
        sys.exit(130)
