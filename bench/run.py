"""One benchmark run: for each database in turn, the ceiling, then Attune (create, migrate,
seed, serve, measure, widen the practice to ten therapists and measure its reads, grow, stop,
drop). The ceiling is measured again before each database, so
that every ratio compares figures taken minutes apart. Everything started is stopped and every
database dropped, also when the run fails or is interrupted."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from attune.models import Booking, BookingStatus, Schedule
from attune.platform.database import Database
from attune.platform.settings import Settings
from bench import clients, databases, processes, seed, wrk
from bench.figures import Load
from bench.results import (
    PRACTICE_READ,
    SINGLE_READ,
    GrowthPoint,
    Measurement,
    PracticeRead,
    Results,
)

APP_PROCESSES = 2
LOGIN_MIN_SECONDS = 10.0
SERVED_MODULES = ("attune.cli", "attune.app", "bench.ceiling")
REPOSITORY = Path(__file__).resolve().parent.parent
# The Today page shows today and the six days after it (attune.web.pages.admin.today).
TODAY_PAGE_DAYS = timedelta(days=6)

# Runs the load for the given number of seconds and says what it measured.
Measure = Callable[[float], Awaitable[Load]]
Memory = dict[str, float]  # peak RSS in MB by process role (processes.Server.roles)


@dataclass(frozen=True)
class Options:
    seconds: float
    warmup_seconds: float
    connections: int
    databases: tuple[str, ...]
    growth: tuple[int, ...]
    postgres_url: str
    results_dir: Path
    work_dir: Path
    quick: bool


@dataclass(frozen=True)
class Endpoint:
    """A request that wrk repeats; `kind` and `lines` as load.lua takes them."""

    name: str
    label: str
    method: str
    path: str
    kind: str = "plain"
    lines: Path | None = None


@dataclass(frozen=True)
class Stage:
    """A server under test in this run, and where its figures go."""

    options: Options
    wrk_path: str
    server: processes.Server
    database: str  # "sqlite" or "postgresql": the ceiling is measured before each
    ceiling: float  # the ceiling's requests per second, 0 while measuring the ceiling
    results: Results

    def wrk(self, endpoint: Endpoint) -> Measure:
        async def measure(seconds: float) -> Load:
            return await wrk.run(
                self.wrk_path,
                self.server.base_url,
                method=endpoint.method,
                path=endpoint.path,
                kind=endpoint.kind,
                lines=endpoint.lines,
                seconds=seconds,
                connections=self.options.connections,
            )

        return measure

    async def under_load(
        self, measure: Measure, seconds: float, *, warm_up: bool = True
    ) -> tuple[Load, Memory, int]:
        """A warm-up run (discarded), then the measured run: what it measured, the peak memory
        of both, and how many app processes uvicorn replaced meanwhile. Each run starts on an
        idle server."""
        replaced = self.server.replaced()
        async with processes.sampling_memory(self.server) as peaks:
            if warm_up:
                await measure(self.options.warmup_seconds)
                await processes.wait_until_idle(self.server)
            load = await measure(seconds)
            await processes.wait_until_idle(self.server)
        memory = {role: round(mb, 1) for role, mb in peaks.by_role.items()}
        return load, memory, self.server.replaced() - replaced

    async def record(
        self,
        name: str,
        label: str,
        measure: Measure,
        *,
        requests_per_unit: int = 1,
        minimum_seconds: float = 0.0,
        warm_up: bool = True,
    ) -> Measurement:
        seconds = max(self.options.seconds, minimum_seconds)
        load, memory, replaced = await self.under_load(measure, seconds, warm_up=warm_up)
        ratio = load.per_second * requests_per_unit / self.ceiling if self.ceiling else 1.0
        measured = Measurement(
            self.database, name, label, load, ratio, memory, replaced, requests_per_unit
        )
        self.results.measurements.append(measured)
        _progress(
            f"{self.database}: {name}: {load.per_second:,.1f}/s ({ratio:.1%} of the ceiling), "
            f"p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, "
            f"{load.non_2xx} non-2xx, {load.errors} errors, peak RSS {measured.peak_mb:.0f} MB, "
            f"{replaced} app processes replaced"
        )
        return measured


async def run(options: Options) -> Results:
    wrk_path = wrk.ensure_installed()
    results = Results(settings=_settings_record(options), machine=_machine(wrk_path))
    options.work_dir.mkdir(parents=True, exist_ok=True)
    _progress("compiling the servers' imports into their bytecode cache")
    processes.compile_imports(_python_environment(options), SERVED_MODULES, REPOSITORY)
    for kind in options.databases:
        ceiling = await _measure_ceiling(options, wrk_path, kind, results)
        target = (
            databases.sqlite_target(options.work_dir)
            if kind == "sqlite"
            else databases.postgres_target(options.postgres_url)
        )
        await _measure_database(options, wrk_path, target, ceiling.load.per_second, results)
    results.machine["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    return results


async def _measure_ceiling(
    options: Options, wrk_path: str, database: str, results: Results
) -> Measurement:
    port = processes.free_port()
    argv = processes.python_module(
        "bench.ceiling", "--port", str(port), "--workers", str(APP_PROCESSES)
    )
    async with _serving(
        options,
        name="ceiling",
        argv=argv,
        environment=_python_environment(options),
        port=port,
        ready_path="/",
    ) as server:
        stage = Stage(options, wrk_path, server, database, 0.0, results)
        endpoint = Endpoint("ceiling", "GET / (bare ASGI app)", "GET", "/")
        return await stage.record(endpoint.name, endpoint.label, stage.wrk(endpoint))


def _python_environment(options: Options) -> dict[str, str]:
    return processes.bytecode_cache(options.work_dir / "pycache")


def _server_environment(
    options: Options, target: databases.Target, secret: str, var_dir: Path
) -> dict[str, str]:
    """`attune serve` as in production: its own secret, rate limits off for the benchmark.

    The job worker is off in the app processes: the mail each booking queues waits in the
    outbox instead of being written to var/mail/ by thousands during the run; what is measured
    is the requests, and the rows they write (the outbox included) are all written.
    """
    return {
        **_python_environment(options),
        "ATTUNE_ENV": "production",
        "ATTUNE_SECRET_KEY": secret,
        "ATTUNE_DATABASE_URL": target.url,
        "ATTUNE_VAR_DIR": str(var_dir),
        "ATTUNE_RATE_LIMITS": "false",
        "ATTUNE_RUN_WORKER": "false",
    }


async def _measure_database(
    options: Options, wrk_path: str, target: databases.Target, ceiling: float, results: Results
) -> None:
    secret = secrets.token_urlsafe(48)
    var_dir = options.work_dir / target.kind
    environment = _server_environment(options, target, secret, var_dir)
    settings = Settings(database_url=target.url, secret_key=secret, var_dir=var_dir)
    _progress(f"{target.kind}: creating, migrating and seeding the database")
    await databases.create(target)
    try:
        databases.migrate(environment, REPOSITORY)
        async with _seeded(target, settings) as (database, practice):
            await seed.grow_history(database, settings, practice, options.growth[0], _now())
            await seed.settle(database)
            files = _request_files(var_dir, practice)
            port = processes.free_port()
            attune = str(Path(sys.executable).with_name("attune"))
            argv = [attune, "serve", "--workers", str(APP_PROCESSES), "--port", str(port)]
            name = f"attune-{target.kind}"
            async with _serving(
                options,
                name=name,
                argv=argv,
                environment=environment,
                port=port,
                ready_path="/health",
            ) as server:
                stage = Stage(options, wrk_path, server, target.kind, ceiling, results)
                await _measure_requests(stage, practice, files)
                await _measure_race(stage, database, practice)
                # Every figure so far is of a practice of one therapist; from here on it has
                # ten, and five services.
                wide = await seed.widen_practice(database, settings, practice, _now())
                await _measure_practice(stage, wide, cached=True)
            # Growth is about the query as the table grows, so every read must reach the
            # database: the same server, with the day view's cache off.
            uncached = {**environment, "ATTUNE_AVAILABILITY_CACHE_SECONDS": "0"}
            port = processes.free_port()
            argv = [attune, "serve", "--workers", str(APP_PROCESSES), "--port", str(port)]
            async with _serving(
                options,
                name=f"{name}-uncached",
                argv=argv,
                environment=uncached,
                port=port,
                ready_path="/health",
            ) as server:
                stage = Stage(options, wrk_path, server, target.kind, ceiling, results)
                await _measure_growth(stage, database, settings, practice, wide)
    finally:
        await databases.drop(target)


async def _measure_requests(stage: Stage, practice: seed.Practice, files: dict[str, Path]) -> None:
    for endpoint in [
        _availability(practice),
        Endpoint(
            "bookings",
            "GET /api/bookings (a client's list)",
            "GET",
            "/api/bookings",
            "bearer",
            files["tokens"],
        ),
        Endpoint(
            "book-page",
            "GET /book?date= (the booking page of the same day)",
            "GET",
            f"/book?date={practice.day.isoformat()}",
        ),
        Endpoint(
            "today-page",
            "GET /admin/ (the back office's Today page, signed in)",
            "GET",
            "/admin/",
            "cookie",
            files["therapist_cookie"],
        ),
        # The JSON read of what the Today page shows: the week's sessions with their clients.
        Endpoint(
            "admin-bookings",
            "GET /api/admin/bookings?from=&to= (the Today page's week, the therapist's token)",
            "GET",
            today_page_week(practice),
            "bearer",
            files["therapist_token"],
        ),
        Endpoint(
            "available-dates",
            "GET /api/meetings/appointments/available-dates/",
            "GET",
            "/api/meetings/appointments/available-dates/",
        ),
    ]:
        await stage.record(endpoint.name, endpoint.label, stage.wrk(endpoint))

    async def cycles(seconds: float) -> Load:
        return await clients.book_and_cancel(stage.server.base_url, practice, seconds)

    await stage.record(
        "book-cancel",
        "POST /api/bookings, then PUT /api/bookings/{id}/cancel (cycles)",
        cycles,
        requests_per_unit=2,
    )
    login = Endpoint(
        "login",
        "POST /api/auth/login (Argon2id at production cost)",
        "POST",
        "/api/auth/login",
        "body",
        files["logins"],
    )
    # At its rate a short run would measure a handful of logins; a warm-up would leave fifty
    # hashes to finish, and hashing has nothing to warm up.
    await stage.record(
        login.name,
        login.label,
        stage.wrk(login),
        minimum_seconds=LOGIN_MIN_SECONDS,
        warm_up=False,
    )


async def _measure_race(stage: Stage, database: Database, practice: seed.Practice) -> None:
    race = await clients.race(stage.server.base_url, practice)
    stored = await _stored_in(database, practice.contention_slots)
    stage.results.races[stage.database] = dataclasses.replace(race, bookings_stored=stored)
    _progress(
        f"{stage.database}: {race.clients} clients racing for {race.seats} seats: "
        f"{race.statuses} in {race.seconds:.2f} s, {stored} stored"
    )


async def _measure_practice(
    stage: Stage, wide: seed.WidePractice, *, cached: bool
) -> list[PracticeRead]:
    """The availability read of the practice of ten therapists: the whole practice's day, and
    one therapist's (`therapist_id`; a server without that filter answers the whole day, which
    the number of slots answered shows)."""
    reads: list[PracticeRead] = []
    for endpoint in _practice_reads(wide, cached=cached):
        answered = await _slots_answered(stage.server.base_url, endpoint.path)
        measured = await stage.record(endpoint.name, endpoint.label, stage.wrk(endpoint))
        scope = "therapist" if "therapist_id=" in endpoint.path else "practice"
        reads.append(
            PracticeRead(
                stage.database,
                scope,
                cached,
                answered,
                wide.therapists,
                wide.services,
                wide.slots,
                measured,
            )
        )
    stage.results.practice_reads.extend(reads)
    return reads


def _practice_reads(wide: seed.WidePractice, *, cached: bool) -> list[Endpoint]:
    """The whole practice's read first, then one therapist's."""
    day = wide.day.isoformat()
    suffix = "" if cached else "-uncached"
    cache = "" if cached else ", cache off"
    practice = f"{wide.therapists} therapists, {wide.services} services"
    return [
        Endpoint(
            f"practice-availability{suffix}",
            f"GET /api/schedules?date= ({practice}: the whole practice{cache})",
            "GET",
            f"/api/schedules?date={day}",
        ),
        Endpoint(
            f"therapist-availability{suffix}",
            f"GET /api/schedules?date=&therapist_id= ({practice}: one therapist{cache})",
            "GET",
            f"/api/schedules?date={day}&therapist_id={wide.therapist_id}",
        ),
    ]


async def _slots_answered(base_url: str, path: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        answer = await http.get(path)
        answer.raise_for_status()
        return len(answer.json()["slots"])


async def _measure_growth(
    stage: Stage,
    database: Database,
    settings: Settings,
    practice: seed.Practice,
    wide: seed.WidePractice,
) -> None:
    """The availability read as the history grows. At the first size it is also a measurement
    of its own (`availability-uncached`: one therapist's day with every read reaching the
    database), beside the practice of ten therapists' reads; at the largest, the whole
    practice's read again, so that its growth is measured too."""
    sizes = stage.options.growth
    for position, size in enumerate(sizes):
        held = await seed.grow_history(database, settings, practice, size, _now())
        await seed.settle(database)
        single = stage.wrk(_availability(practice))
        whole = stage.wrk(_practice_reads(wide, cached=False)[0])
        if position == 0:
            measured = await stage.record(
                "availability-uncached", "GET /api/schedules?date= (public, cache off)", single
            )
            _grown(stage, held, SINGLE_READ, measured.load, measured.replaced)
            practice_read = (await _measure_practice(stage, wide, cached=False))[0].measurement
            _grown(stage, held, PRACTICE_READ, practice_read.load, practice_read.replaced)
            continue
        load, _memory, replaced = await stage.under_load(single, stage.options.seconds)
        _grown(stage, held, SINGLE_READ, load, replaced)
        if position == len(sizes) - 1:
            load, _memory, replaced = await stage.under_load(whole, stage.options.seconds)
            _grown(stage, held, PRACTICE_READ, load, replaced)


def _grown(stage: Stage, bookings: int, read: str, load: Load, replaced: int) -> None:
    stage.results.growth.append(
        GrowthPoint(stage.database, bookings, load, load.per_second / stage.ceiling, replaced, read)
    )
    _progress(
        f"{stage.database}: {read} with {bookings:,} bookings: "
        f"{load.per_second:,.1f}/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms"
    )


@contextlib.asynccontextmanager
async def _seeded(
    target: databases.Target, settings: Settings
) -> AsyncIterator[tuple[Database, seed.Practice]]:
    database = Database(target.url)
    try:
        yield database, await seed.seed_practice(database, settings, _now())
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def _serving(
    options: Options,
    *,
    name: str,
    argv: list[str],
    environment: dict[str, str],
    port: int,
    ready_path: str,
) -> AsyncIterator[processes.Server]:
    server = processes.start(
        name, argv, env=environment, port=port, log_dir=options.work_dir / "logs", cwd=REPOSITORY
    )
    try:
        await processes.wait_until_serving(server, ready_path, APP_PROCESSES)
        yield server
    finally:
        server.stop()


def today_page_week(practice: seed.Practice) -> str:
    """`GET /api/admin/bookings` of the days the Today page shows."""
    last = practice.today + TODAY_PAGE_DAYS
    return f"/api/admin/bookings?from={practice.today.isoformat()}&to={last.isoformat()}&limit=200"


def _availability(practice: seed.Practice) -> Endpoint:
    return Endpoint(
        "availability",
        "GET /api/schedules?date= (public)",
        "GET",
        f"/api/schedules?date={practice.day.isoformat()}",
    )


def _request_files(directory: Path, practice: seed.Practice) -> dict[str, Path]:
    """The tokens and login bodies load.lua sends in turn, one a line."""
    directory.mkdir(parents=True, exist_ok=True)
    tokens = directory / "tokens.txt"
    tokens.write_text("".join(f"{client.token}\n" for client in practice.clients))
    logins = directory / "logins.txt"
    logins.write_text(
        "".join(
            json.dumps({"email": client.email, "password": seed.PASSWORD}) + "\n"
            for client in practice.clients
        )
    )
    therapist_cookie = directory / "therapist-cookie.txt"
    therapist_cookie.write_text(f"attune_session={practice.therapist_cookie}\n")
    therapist_token = directory / "therapist-token.txt"
    therapist_token.write_text(f"{practice.therapist_token}\n")
    return {
        "tokens": tokens,
        "logins": logins,
        "therapist_cookie": therapist_cookie,
        "therapist_token": therapist_token,
    }


async def _stored_in(database: Database, slot_ids: list[int]) -> int:
    """The bookings stored in these slots, or -1 when the slots' seat counts disagree."""
    async with database.engine.connect() as connection:
        bookings = (
            await connection.execute(
                select(func.count())
                .select_from(Booking)
                .where(Booking.schedule_id.in_(slot_ids), Booking.status == BookingStatus.scheduled)
            )
        ).scalar_one()
        seats = (
            await connection.execute(
                select(func.coalesce(func.sum(Schedule.booked_count), 0)).where(
                    Schedule.id.in_(slot_ids)
                )
            )
        ).scalar_one()
    stored: int = bookings if bookings == seats else -1
    return stored


def _now() -> datetime:
    return datetime.now(UTC)


def _progress(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _settings_record(options: Options) -> dict[str, object]:
    return {
        "quick": options.quick,
        "seconds": options.seconds,
        "warmup_seconds": options.warmup_seconds,
        "connections": options.connections,
        "app_processes": APP_PROCESSES,
        "databases": list(options.databases),
        "growth": list(options.growth),
        "started_at": _now().isoformat(timespec="seconds"),
    }


def _machine(wrk_path: str) -> dict[str, object]:
    version = subprocess.run(  # noqa: S603 (wrk's path, no shell)
        [wrk_path, "--version"], capture_output=True, text=True, check=False
    )
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": (version.stdout or version.stderr).splitlines()[0],
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
    }
