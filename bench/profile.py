"""`python -m bench.profile ENDPOINT`: where one request's time goes, before changing anything.

It builds the benchmark's practice (`bench/seed.py`) in a database of its own, serves it with
`attune serve` in one app process, loads it with wrk or the benchmark's book-then-cancel
clients and, once it is warm, samples it with `py-spy record` (only while it holds the GIL, so
waiting on the database or the network is not counted). It prints:

- the SQL statements each request ran (BEGIN and COMMIT included), counted by a second server
  run with `ATTUNE_BENCH_COUNT_STATEMENTS` for a fixed number of requests;
- where the process spent its time: each function's own samples, grouped by package (Attune,
  SQLAlchemy, the driver, FastAPI and Starlette, Pydantic, asyncio, ...) and the top functions.

The raw samples are kept in `var/bench/profile/` (collapsed stacks, for a flame graph).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from attune.platform.settings import Settings
from bench import clients, databases, processes, seed, wrk
from bench.figures import Load
from bench.run import REPOSITORY, _request_files, _seeded, today_page_week

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/attune_profile"
ENDPOINTS = (
    "availability",
    "bookings",
    "book-page",
    "today-page",
    "admin-bookings",
    "available-dates",
    "book-cancel",
    "login",
)
# A frame reads "function (file:line)", the file relative to its sys.path entry; its first
# directory says whose code it is.
PACKAGES = {
    "attune": "attune",
    "sqlalchemy": "sqlalchemy",
    "asyncpg": "asyncpg",
    "aiosqlite": "aiosqlite/sqlite3",
    "sqlite3": "aiosqlite/sqlite3",
    "fastapi": "fastapi",
    "starlette": "starlette",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "uvicorn": "uvicorn/httptools",
    "httptools": "uvicorn/httptools",
    "jinja2": "jinja2",
    "markupsafe": "jinja2",
    "cryptography": "cryptography",
    "jwt": "jwt",
    "argon2": "argon2",
    "asyncio": "asyncio",
    "greenlet": "greenlet",
    "logging": "logging",
    "prometheus_client": "prometheus_client",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("endpoint", choices=ENDPOINTS)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--cache-off", action="store_true", help="the day view's cache off")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ATTUNE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    arguments = parser.parse_args()
    asyncio.run(profile(arguments))


async def profile(arguments: argparse.Namespace) -> None:
    work_dir = REPOSITORY / "var" / "bench" / "profile" / arguments.database
    work_dir.mkdir(parents=True, exist_ok=True)
    target = (
        databases.sqlite_target(work_dir)
        if arguments.database == "sqlite"
        else databases.postgres_target(arguments.postgres_url)
    )
    secret = secrets.token_urlsafe(48)
    environment = {
        **processes.bytecode_cache(REPOSITORY / "var" / "bench" / "pycache"),
        "ATTUNE_ENV": "production",
        "ATTUNE_SECRET_KEY": secret,
        "ATTUNE_DATABASE_URL": target.url,
        "ATTUNE_VAR_DIR": str(work_dir),
        "ATTUNE_RATE_LIMITS": "false",
        "ATTUNE_RUN_WORKER": "false",
    }
    if arguments.cache_off:
        environment["ATTUNE_AVAILABILITY_CACHE_SECONDS"] = "0"
    settings = Settings(database_url=target.url, secret_key=secret, var_dir=work_dir)
    await databases.create(target)
    try:
        databases.migrate(environment, REPOSITORY)
        async with _seeded(target, settings) as (database, practice):
            await seed.grow_history(database, settings, practice, 1_000, datetime.now(UTC))
            await seed.settle(database)
            files = _request_files(work_dir, practice)
        load = _load(arguments, practice, files)
        statements = await _count_statements(environment, work_dir, load, arguments.seconds)
        samples = work_dir / f"{arguments.endpoint}.collapsed"
        measured = await _sample(environment, work_dir, load, arguments.seconds, samples)
    finally:
        await databases.drop(target)
    print(
        f"\n{arguments.endpoint} on {arguments.database}: {measured.per_second:,.1f}/s, "
        f"p50 {measured.p50_ms:.1f} ms, p99 {measured.p99_ms:.1f} ms, one app process"
    )
    print(statements)
    _report(samples, arguments.top)


Load_ = Callable[[str, float], Awaitable[Load]]


def _load(arguments: argparse.Namespace, practice: seed.Practice, files: dict[str, Path]) -> Load_:
    day = practice.day.isoformat()
    requests = {
        "availability": ("GET", f"/api/schedules?date={day}", "plain", None),
        "bookings": ("GET", "/api/bookings", "bearer", files["tokens"]),
        "book-page": ("GET", f"/book?date={day}", "plain", None),
        "today-page": ("GET", "/admin/", "cookie", files["therapist_cookie"]),
        "admin-bookings": ("GET", today_page_week(practice), "bearer", files["therapist_token"]),
        "available-dates": ("GET", "/api/meetings/appointments/available-dates/", "plain", None),
        "login": ("POST", "/api/auth/login", "body", files["logins"]),
    }
    if arguments.endpoint == "book-cancel":

        async def cycles(base_url: str, seconds: float) -> Load:
            return await clients.book_and_cancel(base_url, practice, seconds)

        return cycles
    method, path, kind, lines = requests[arguments.endpoint]
    wrk_path = wrk.ensure_installed()

    async def repeated(base_url: str, seconds: float) -> Load:
        return await wrk.run(
            wrk_path,
            base_url,
            method=method,
            path=path,
            kind=kind,
            lines=lines,
            seconds=seconds,
            connections=arguments.connections,
        )

    return repeated


async def _count_statements(
    environment: dict[str, str], work_dir: Path, load: Load_, seconds: float
) -> str:
    """Serve once with statement counting on, run the load briefly, and read the counts."""
    counts = work_dir / "statements"
    for old in _counted(work_dir):
        old.unlink()
    counting = {
        **environment,
        "ATTUNE_BENCH_COUNT_STATEMENTS": str(counts),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).with_name("statement_counter")), _pythonpath()])
        ),
    }
    server = await _serve_one("count", counting, work_dir)
    try:
        warm_up = await load(server.base_url, 1.0)
        before = processes.cpu_seconds(server)
        measured = await load(server.base_url, seconds)
        cpu_ms = (processes.cpu_seconds(server) - before) * 1000 / max(measured.requests, 1)
    finally:
        server.stop()  # the process writes the counts as it exits
    files = _counted(work_dir)
    if not files:
        return "(no statement counts written)"
    requests = max(warm_up.requests + measured.requests, 1)
    # The serving process's counts, and the migrations' process's, which ran before it.
    counted: collections.Counter[str] = collections.Counter()
    for file in files:
        counted.update(json.loads(file.read_text()))
    lines = [
        f"  {count / requests:6.2f}  {statement}"
        for statement, count in sorted(counted.items(), key=lambda item: -item[1])
    ]
    return (
        f"CPU per request: {cpu_ms:.2f} ms "
        f"({measured.per_second:,.1f}/s, one process, no profiler)\n"
        f"SQL per request (warm-up and run):\n" + "\n".join(lines)
    )


async def _sample(
    environment: dict[str, str], work_dir: Path, load: Load_, seconds: float, samples: Path
) -> Load:
    """Serve, warm up, then attach py-spy for the measured run only: the imports and the
    routes FastAPI builds on the first request are not what a request costs."""
    server = await _serve_one("profile", environment, work_dir)
    try:
        await load(server.base_url, 1.0)  # warm-up
        spy = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--gil",
            "--format",
            "raw",
            "--rate",
            "250",
            "--duration",
            str(math.ceil(seconds)),
            "--output",
            str(samples),
            "--pid",
            str(server.process.pid),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        measured = await load(server.base_url, seconds)
        await spy.wait()
    finally:
        server.stop()
    return measured


def _report(samples: Path, top: int) -> None:
    if not samples.exists():
        print("(py-spy wrote no samples: is ptrace allowed here?)")
        return
    own: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    total = 0
    for line in samples.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frame = stack.split(";")[-1]
        total += count
        own[_function(frame)] += count
        packages[_package(frame)] += count
    print(f"\n{total:,} samples holding the GIL; own time by package:")
    for name, count in packages.most_common():
        print(f"  {count / total:6.1%}  {name}")
    print(f"\ntop {top} functions by own time:")
    for frame, count in own.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")


def _package(frame: str) -> str:
    file = frame.rpartition("(")[2]
    return PACKAGES.get(file.split("/", 1)[0], "other (standard library)")


def _function(frame: str) -> str:
    """The frame without its line number: a function's samples counted together."""
    return frame.rpartition(":")[0] + ")" if frame.endswith(")") else frame


def _counted(work_dir: Path) -> list[Path]:
    """The statement counts of each process that counted (one file each)."""
    return list(work_dir.glob("statements.*"))


def _pythonpath() -> str:
    return os.environ.get("PYTHONPATH", "")


async def _serve_one(name: str, environment: dict[str, str], work_dir: Path) -> processes.Server:
    """`attune serve` with one app process, serving."""
    port = processes.free_port()
    argv = [_attune(), "serve", "--workers", "1", "--port", str(port)]
    server = processes.start(
        name, argv, env=environment, port=port, log_dir=work_dir, cwd=REPOSITORY
    )
    # One worker: uvicorn serves in the process it starts, with no supervisor.
    await processes.wait_until_serving(server, "/health", 0)
    return server


def _attune() -> str:
    return str(Path(sys.executable).with_name("attune"))


if __name__ == "__main__":
    main()
