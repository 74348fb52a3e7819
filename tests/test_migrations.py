"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from attune.platform.database import Base, Database
from attune.platform.migrations import alembic_config, upgrade
from tests.conftest import PostgresSchema, make_settings
from tests.support.scratch_database import scratch_database

CALENDAR_UIDS = "0009"  # the migration that gives bookings their calendar UIDs
REQUEST_CALENDAR_UIDS = "0010"  # the same for appointment requests
SHARED_ROOMS = "0011"  # the migration that gives slots the room their bookings share


async def _drop_everything(url: str) -> None:
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await database.dispose()


async def _table_names(url: str) -> set[str]:
    database = Database(url)
    async with database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await database.dispose()
    return names


def test_upgrade_check_downgrade_upgrade(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url)
    if not database_url.startswith("sqlite"):
        asyncio.run(_drop_everything(database_url))
        # The next test's fixture builds its schema afresh.
        PostgresSchema.ready = False
    config = alembic_config(database_url)

    upgrade(settings)
    command.check(config)  # raises when the models and the migrations disagree
    assert set(Base.metadata.tables) <= asyncio.run(_table_names(database_url))

    command.downgrade(config, "base")
    assert asyncio.run(_table_names(database_url)) <= {"alembic_version"}

    upgrade(settings)
    command.check(config)


@pytest.mark.postgres
@pytest.mark.processes
def test_processes_migrating_a_new_database_at_once_all_succeed(postgres_url: str) -> None:
    """Several `attune serve` processes starting together each run the migrations first."""
    with scratch_database(postgres_url, "migrate_race") as url:
        environment = {**os.environ, "ATTUNE_DATABASE_URL": url, "ATTUNE_LOG_LEVEL": "WARNING"}
        migrating = [
            subprocess.Popen(
                [sys.executable, "-m", "attune", "migrate"],
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(6)
        ]
        outputs = [process.communicate(timeout=120)[0] for process in migrating]

        assert [process.returncode for process in migrating] == [0] * 6, outputs
        assert set(Base.metadata.tables) <= asyncio.run(_table_names(url))


def test_bookings_made_before_calendar_uids_keep_the_uid_calendars_hold(tmp_path: Path) -> None:
    """An older booking keeps `booking-<id>@<domain>`, the UID its invitations carried, so the
    calendars holding it still move and remove that event; new bookings get a random UUID."""
    path = tmp_path / "older.db"
    url = f"sqlite+aiosqlite:///{path}"
    config = alembic_config(url)
    config.attributes["settings"] = make_settings(
        tmp_path, url, email_from="Harbour & Vale <care@harbour.example>"
    )
    before = ScriptDirectory.from_config(config).get_revision(CALENDAR_UIDS).down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    stamp = "2026-03-02 09:00:00.000000"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, is_admin,"
            " is_active, created_at, updated_at)"
            " VALUES (1, 'ada@example.com', 'x', 'Ada', 'Lovelace', 0, 1, ?, ?)",
            (stamp, stamp),
        )
        for number in (1, 2):
            connection.execute(
                "INSERT INTO bookings (id, user_id, scheduled_at, ends_at, status, amount_cents,"
                " currency, payment_status, room_id, calendar_sequence, cancelled_by_practice,"
                " created_at, updated_at)"
                " VALUES (?, 1, ?, ?, 'scheduled', 10000, 'usd', 'pending', ?, 0, 0, ?, ?)",
                (number, stamp, "2026-03-02 10:00:00.000000", f"room-{number}", stamp, stamp),
            )

    command.upgrade(config, "head")

    with closing(sqlite3.connect(path)) as connection:
        uids = list(connection.execute("SELECT id, calendar_uid FROM bookings ORDER BY id"))
    assert uids == [(1, "booking-1@harbour.example"), (2, "booking-2@harbour.example")]


def test_requests_scheduled_before_calendar_uids_keep_the_uid_calendars_hold(
    tmp_path: Path,
) -> None:
    path = tmp_path / "older.db"
    url = f"sqlite+aiosqlite:///{path}"
    config = alembic_config(url)
    config.attributes["settings"] = make_settings(
        tmp_path, url, email_from="Harbour & Vale <care@harbour.example>"
    )
    before = ScriptDirectory.from_config(config).get_revision(REQUEST_CALENDAR_UIDS).down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    stamp = "2026-03-02 09:00:00.000000"
    ids = ["5f0c6c43-2a4e-4a8e-9d1c-0d6f3b1f8a01", "0b8d4c1e-7f3a-4e22-8c55-3a9e6d2b7c02"]
    with closing(sqlite3.connect(path)) as connection, connection:
        for request_id in ids:
            connection.execute(
                "INSERT INTO appointment_requests (id, first_name_encrypted, last_name_encrypted,"
                " email_encrypted, email_hash, preferred_dates, preferred_time_slots, status,"
                " calendar_sequence, created_at, updated_at)"
                " VALUES (?, 'x', 'x', 'x', ?, '[]', '[]', 'pending_review', 0, ?, ?)",
                (request_id, request_id[:8], stamp, stamp),
            )

    command.upgrade(config, "head")

    with closing(sqlite3.connect(path)) as connection:
        uids = dict(connection.execute("SELECT id, calendar_uid FROM appointment_requests"))
    assert uids == {request_id: f"appointment-{request_id}@harbour.example" for request_id in ids}


def test_a_slot_booked_before_shared_rooms_takes_its_first_bookings_room(tmp_path: Path) -> None:
    """Bookings made before keep the rooms their mails named; the slot takes the room of its
    first booking that holds a seat, so the next client booked into it joins that one."""
    path = tmp_path / "older.db"
    url = f"sqlite+aiosqlite:///{path}"
    config = alembic_config(url)
    config.attributes["settings"] = make_settings(tmp_path, url)
    before = ScriptDirectory.from_config(config).get_revision(SHARED_ROOMS).down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    stamp = "2026-03-02 09:00:00.000000"
    starts, ends = "2026-03-03 10:00:00.000000", "2026-03-03 11:00:00.000000"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, is_admin,"
            " is_active, created_at, updated_at)"
            " VALUES (1, 'ada@example.com', 'x', 'Ada', 'Lovelace', 0, 1, ?, ?)",
            (stamp, stamp),
        )
        connection.execute(
            "INSERT INTO schedules (id, start_at, end_at, max_bookings, booked_count,"
            " is_available, created_at, updated_at) VALUES (1, ?, ?, 3, 2, 1, ?, ?)",
            (starts, ends, stamp, stamp),
        )
        for number, status in ((1, "cancelled"), (2, "scheduled"), (3, "scheduled")):
            connection.execute(
                "INSERT INTO bookings (id, user_id, schedule_id, scheduled_at, ends_at, status,"
                " amount_cents, currency, payment_status, room_id, calendar_uid,"
                " calendar_sequence, cancelled_by_practice, late_cancellation, created_at,"
                " updated_at) VALUES (?, 1, 1, ?, ?, ?, 10000, 'usd', 'pending', ?, ?, 0, 0, 0,"
                " ?, ?)",
                (number, starts, ends, status, f"room-{number}", f"uid-{number}", stamp, stamp),
            )

    command.upgrade(config, "head")

    with closing(sqlite3.connect(path)) as connection:
        rooms = list(connection.execute("SELECT room_id FROM bookings ORDER BY id"))
        [(slot_room,)] = list(connection.execute("SELECT room_id FROM schedules"))
    assert rooms == [("room-1",), ("room-2",), ("room-3",)]
    assert slot_room == "room-2"
