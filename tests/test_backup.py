"""`attune backup`: a consistent copy of a database that keeps being written to, opened (SQLite)
or restored (PostgreSQL) as the service's database and read back through the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from attune.app import create_app
from attune.cli import app as cli
from attune.models import User
from attune.platform.backup import Backup, back_up, postgres_connection
from attune.platform.clock import Clock, FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import http_client, make_settings, missing_service
from tests.support.mailbox import free_port
from tests.support.people import Person, add_admin
from tests.support.slots import assert_seats_match_bookings

# A Monday in the past: access tokens are issued at the real time and stay valid at this one.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 3, 9)
PASSWORD = "correct-horse-battery"
DATABASE_PASSWORD = "never-shown-7f3a9c"
BACKUP_NAME = re.compile(r"attune-\d{8}T\d{6}Z\.(db|dump)")


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Registration without a code, so the whole practice is filled through the API.
    # The writer books slot after slot as one client and never pays: no cap on unpaid
    # bookings, or it would be refused after the third.
    return make_settings(
        tmp_path, database_url, require_email_verification=False, max_unpaid_bookings=10_000
    )


@dataclass(frozen=True)
class Practice:
    """What was written through the API before the backup."""

    admin: Person
    client_token: str
    booking_ids: list[int]
    request_id: str


def slot_body(starts_at: datetime) -> dict[str, object]:
    return {
        "start_time": starts_at.isoformat(),
        "end_time": (starts_at + timedelta(hours=1)).isoformat(),
        "max_bookings": 1,
        "is_available": True,
    }


async def create_slot(client: httpx.AsyncClient, admin: Person, starts_at: datetime) -> int:
    response = await client.post(
        "/api/admin/schedules", json=slot_body(starts_at), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    slot_id: int = response.json()["schedule"]["id"]
    return slot_id


async def book(client: httpx.AsyncClient, token: str, slot_id: int, notes: str) -> int:
    response = await client.post(
        "/api/bookings",
        json={"schedule_id": slot_id, "notes": notes},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    booking_id: int = response.json()["booking"]["id"]
    return booking_id


async def fill_practice(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> Practice:
    admin = await add_admin(database, settings)
    registered = await client.post(
        "/api/auth/register",
        json={
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "password": PASSWORD,
        },
    )
    assert registered.status_code == 201, registered.text
    login = await client.post(
        "/api/auth/login", json={"email": "grace@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    token: str = login.json()["token"]

    first_day = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    slots = [
        await create_slot(client, admin, first_day + timedelta(hours=hour)) for hour in (9, 11)
    ]
    bookings = [
        await book(client, token, slot, f"Session {number}")
        for number, slot in enumerate(slots, start=1)
    ]
    asked = await client.post(
        "/api/meetings/appointments/create",
        json={
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "phone": "+1234567890",
            "reason": "Sleeping badly since the move",
            "preferred_dates": [(NOW + timedelta(days=1)).date().isoformat()],
            "preferred_time_slots": ["morning"],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert asked.status_code == 201, asked.text
    return Practice(admin, token, bookings, asked.json()["id"])


@dataclass
class Writer:
    """Keeps opening a slot and booking it, one committed booking after another."""

    client: httpx.AsyncClient
    practice: Practice
    booked: list[int] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def run(self) -> None:
        # A week after the practice's own slots, one hour apart: never overlapping.
        first = datetime.combine(FIRST_DAY + timedelta(days=7), datetime.min.time(), UTC)
        while not self.stop.is_set():
            starts_at = first + timedelta(hours=len(self.booked))
            slot = await create_slot(self.client, self.practice.admin, starts_at)
            booking = await book(self.client, self.practice.client_token, slot, "written")
            async with self.progress:
                self.booked.append(booking)
                self.progress.notify_all()

    async def wait_for(self, count: int) -> None:
        async with self.progress:
            await self.progress.wait_for(lambda: len(self.booked) >= count)


@dataclass(frozen=True)
class WhileWriting:
    backup: Backup
    booked_before: list[int]
    booked_after: list[int]


async def back_up_while_writing(
    client: httpx.AsyncClient, practice: Practice, take_backup: Callable[[], Backup]
) -> WhileWriting:
    """Run the backup in a thread while the writer keeps booking through the API."""
    writer = Writer(client, practice)
    task = asyncio.create_task(writer.run())

    async def until_written(count: int) -> None:
        # A writer that fails ends the wait with its error instead of leaving it waiting.
        waiting = asyncio.create_task(writer.wait_for(count))
        await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            waiting.cancel()
            task.result()
            raise AssertionError("the writer stopped before it had written enough")

    try:
        await until_written(3)
        before = list(writer.booked)
        backup = await asyncio.to_thread(take_backup)
        # The writer goes on after the backup too: it was writing all along.
        await until_written(len(writer.booked) + 3)
    finally:
        writer.stop.set()
        await task
    return WhileWriting(backup, before, list(writer.booked))


async def read_back(
    restored_url: str, tmp_path: Path, clock: Clock, practice: Practice, during: WhileWriting
) -> None:
    """Open the copy as the service's database and find everything through the API."""
    database = Database(restored_url)
    settings = make_settings(tmp_path / "restored", restored_url)
    app = create_app(settings, database=database, clock=clock)
    client_headers = {"Authorization": f"Bearer {practice.client_token}"}
    try:
        async with app.router.lifespan_context(app), http_client(app) as restored:
            profile = await restored.get("/api/auth/profile", headers=client_headers)
            assert profile.status_code == 200, profile.text
            assert profile.json()["user"]["email"] == "grace@example.com"

            listed = await restored.get("/api/bookings", headers=client_headers)
            assert listed.status_code == 200, listed.text
            bookings = {item["id"]: item for item in listed.json()["bookings"]}
            assert [bookings[number]["notes"] for number in practice.booking_ids] == [
                "Session 1",
                "Session 2",
            ]
            # The copy is the database at one instant: every booking committed before the
            # backup began, then some prefix of those the writer committed while it ran.
            written = sorted(number for number in bookings if number not in practice.booking_ids)
            assert written == during.booked_after[: len(written)]
            assert len(during.booked_before) <= len(written)

            day = await restored.get("/api/schedules", params={"date": FIRST_DAY.isoformat()})
            assert day.status_code == 200, day.text
            assert [slot["booked_count"] for slot in day.json()["slots"]] == [1, 1]

            request = await restored.get(
                f"/api/meetings/appointments/{practice.request_id}", headers=practice.admin.headers
            )
            assert request.status_code == 200, request.text
            # Encrypted at rest: read back with the same keys.
            assert request.json()["reason"] == "Sleeping badly since the move"
            assert request.json()["email"] == "grace@example.com"
        await assert_seats_match_bookings(database)
    finally:
        await database.dispose()


def integrity(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


class TestSqlite:
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        # SQLite in every run, also when the suite runs against PostgreSQL.
        return f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"

    async def test_a_copy_taken_while_writing_opens_as_the_database(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: Clock,
        tmp_path: Path,
    ) -> None:
        practice = await fill_practice(client, database, settings)
        output = tmp_path / "backups" / "copy.db"

        during = await back_up_while_writing(
            client, practice, lambda: back_up(database.url, output)
        )

        assert during.backup == Backup(output, output.stat().st_size)
        assert integrity(output) == ["ok"]
        # One self-contained file: nothing left beside it, no half-written draft.
        assert sorted(path.name for path in output.parent.iterdir()) == ["copy.db"]
        await read_back(f"sqlite+aiosqlite:///{output}", tmp_path, clock, practice, during)

    async def test_the_copy_is_readable_by_its_owner_only(
        self, database: Database, database_url: str, tmp_path: Path
    ) -> None:
        output = tmp_path / "copy.db"

        back_up(database_url, output)

        assert output.stat().st_mode & 0o777 == 0o600


@pytest.mark.postgres
class TestPostgres:
    async def test_a_dump_taken_while_writing_restores_into_a_new_database(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: Clock,
        tmp_path: Path,
    ) -> None:
        practice = await fill_practice(client, database, settings)
        output = tmp_path / "backups" / "attune.dump"

        during = await back_up_while_writing(
            client, practice, lambda: back_up(database.url, output)
        )

        assert during.backup == Backup(output, output.stat().st_size)
        assert sorted(path.name for path in output.parent.iterdir()) == ["attune.dump"]
        async with fresh_postgres_database(database.url) as restored_url:
            restore = pg_restore(output, restored_url)
            assert restore.returncode == 0, restore.stderr
            await read_back(restored_url, tmp_path, clock, practice, during)


@contextlib.asynccontextmanager
async def fresh_postgres_database(database_url: str) -> AsyncIterator[str]:
    url = make_url(database_url)
    name = f"{url.database}_restored_{secrets.token_hex(4)}"
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            async with engine.connect() as connection:
                await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


def pg_restore(dump: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    connection = postgres_connection(database_url)
    return subprocess.run(
        ["pg_restore", "--exit-on-error", "--no-password", *connection.arguments, str(dump)],
        env=connection.environment(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )


class TestPostgresConnection:
    def test_the_password_goes_to_the_environment_not_the_arguments(self) -> None:
        connection = postgres_connection(
            "postgresql+asyncpg://attune:p%40ss%3Aw%2Frd@db.internal:6432/practice"
        )

        assert connection.arguments == [
            "--host=db.internal",
            "--port=6432",
            "--username=attune",
            "--dbname=practice",
        ]
        assert connection.environment({"PATH": "/bin"}) == {
            "PATH": "/bin",
            "PGPASSWORD": "p@ss:w/rd",
        }

    def test_a_unix_socket_folder_is_the_host(self) -> None:
        connection = postgres_connection(
            "postgresql+asyncpg://attune@/practice?host=/var/run/postgresql"
        )

        assert connection.arguments == [
            "--host=/var/run/postgresql",
            "--username=attune",
            "--dbname=practice",
        ]
        assert "PGPASSWORD" not in connection.environment({})


runner = CliRunner()


def attune(*args: str, var_dir: Path, **environment: str) -> tuple[int, str]:
    """Run the command in this process, as an operator would; returns its exit code and output."""
    env = {
        "ATTUNE_VAR_DIR": str(var_dir),
        "ATTUNE_DATABASE_URL": f"sqlite+aiosqlite:///{var_dir / 'attune.db'}",
        "ATTUNE_ENV": "development",
        "ATTUNE_PASSWORD_TIME_COST": "1",
        "ATTUNE_PASSWORD_MEMORY_KIB": "1024",
        "ATTUNE_LOG_LEVEL": "WARNING",
        **environment,
    }
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        result = runner.invoke(cli, list(args), env=env)
    finally:
        # The command sets up logging for its process, onto an output that ends with the call.
        root.handlers[:] = handlers
        root.setLevel(level)
    return result.exit_code, result.output


@pytest.fixture
def practice_dir(tmp_path: Path) -> Path:
    """A var folder with a migrated SQLite database and an admin, made with the command."""
    var_dir = tmp_path / "var"
    code, output = attune(
        "create-admin",
        "--email",
        "therapist@example.com",
        "--password",
        "quiet-harbour-lantern",
        var_dir=var_dir,
    )
    assert code == 0, output
    return var_dir


def admin_emails(database_path: Path) -> list[str]:
    async def read() -> list[str]:
        database = Database(f"sqlite+aiosqlite:///{database_path}")
        try:
            async with database.transaction(write=False) as session:
                return list(await session.scalars(select(User.email).where(User.is_admin)))
        finally:
            await database.dispose()

    return asyncio.run(read())


class TestCommand:
    def test_writes_the_copy_where_asked_and_says_where(
        self, practice_dir: Path, tmp_path: Path
    ) -> None:
        output = tmp_path / "elsewhere" / "practice.db"

        code, printed = attune("backup", "--output", str(output), var_dir=practice_dir)

        assert code == 0, printed
        assert printed.strip() == f"backup written to {output} ({output.stat().st_size} bytes)"
        assert integrity(output) == ["ok"]
        assert admin_emails(output) == ["therapist@example.com"]

    def test_by_default_writes_a_dated_file_under_var_backups(self, practice_dir: Path) -> None:
        code, printed = attune("backup", var_dir=practice_dir)

        assert code == 0, printed
        [written] = (practice_dir / "backups").iterdir()
        assert BACKUP_NAME.fullmatch(written.name)
        assert written.suffix == ".db"
        assert str(written) in printed
        assert admin_emails(written) == ["therapist@example.com"]

    def test_never_replaces_a_file(self, practice_dir: Path, tmp_path: Path) -> None:
        output = tmp_path / "taken.db"
        output.write_text("an earlier backup")

        code, printed = attune("backup", "--output", str(output), var_dir=practice_dir)

        assert code == 1
        assert "already exists" in printed
        assert output.read_text() == "an earlier backup"

    def test_a_missing_database_is_a_clear_error(self, tmp_path: Path) -> None:
        code, printed = attune("backup", var_dir=tmp_path / "var")

        assert code == 1
        assert "no SQLite database at" in printed
        assert "Traceback" not in printed
        assert not (tmp_path / "var" / "attune.db").exists()
        assert not (tmp_path / "var" / "backups").exists()

    def test_without_pg_dump_says_so_and_keeps_the_password_hidden(self, tmp_path: Path) -> None:
        empty_path = tmp_path / "bin"
        empty_path.mkdir()
        output = tmp_path / "backups" / "attune.dump"

        code, printed = attune(
            "backup",
            "--output",
            str(output),
            var_dir=tmp_path / "var",
            ATTUNE_DATABASE_URL=f"postgresql+asyncpg://attune:{DATABASE_PASSWORD}@db/practice",
            PATH=str(empty_path),
        )

        assert code == 1
        assert "pg_dump was not found on PATH" in printed
        assert DATABASE_PASSWORD not in printed
        assert list(output.parent.iterdir()) == []

    @pytest.mark.postgres
    def test_dumps_postgresql_and_prints_only_where(
        self, database: Database, tmp_path: Path
    ) -> None:
        code, printed = attune("backup", var_dir=tmp_path / "var", ATTUNE_DATABASE_URL=database.url)

        assert code == 0, printed
        [written] = (tmp_path / "var" / "backups").iterdir()
        assert BACKUP_NAME.fullmatch(written.name)
        assert written.suffix == ".dump"
        # Nothing else: the URL, its password included, stays out of the output.
        assert printed == f"backup written to {written} ({written.stat().st_size} bytes)\n"
        listed = subprocess.run(
            ["pg_restore", "--list", str(written)], capture_output=True, text=True, check=False
        )
        assert listed.returncode == 0, listed.stderr
        assert "TABLE public bookings" in listed.stdout

    def test_a_failing_pg_dump_shows_its_error_without_the_password(self, tmp_path: Path) -> None:
        if shutil.which("pg_dump") is None:
            missing_service("pg_dump")
        output = tmp_path / "backups" / "attune.dump"
        nobody_listens = free_port()

        code, printed = attune(
            "backup",
            "--output",
            str(output),
            var_dir=tmp_path / "var",
            ATTUNE_DATABASE_URL=(
                f"postgresql+asyncpg://attune:{DATABASE_PASSWORD}@127.0.0.1:{nobody_listens}/x"
            ),
        )

        assert code == 1
        # pg_dump's own words: it could not connect.
        assert "pg_dump failed: pg_dump: error: connection to server at" in printed
        assert f"port {nobody_listens} failed" in printed
        assert DATABASE_PASSWORD not in printed
        assert list(output.parent.iterdir()) == []
