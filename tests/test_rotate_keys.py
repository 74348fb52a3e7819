"""`attune rotate-keys`: every personal value moves to the newest key, in resumable batches.

A practice is filled through the API under one key (OLD); NEW is then put first and the values
are rotated; afterwards NEW alone reads everything, through the API and the mail still queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken
from fastapi import FastAPI
from sqlalchemy import Connection, event, select, text, update

from attune.app import create_app
from attune.models import Booking
from attune.platform.clock import FrozenClock
from attune.platform.crypto import Encryptor
from attune.platform.database import Base, Database
from attune.platform.job_model import Job, JobStatus
from attune.platform.key_rotation import (
    SEALED,
    TableRotation,
    UnreadableValue,
    encrypted_columns,
    rotate_keys,
)
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, later
from tests.conftest import TEST_SECRET, http_client, make_settings, run_jobs
from tests.payments.builders import create_intent
from tests.requests.builders import ask
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot
from tests.test_cli import attune, attune_env

OLD = Fernet.generate_key()
NEW = Fernet.generate_key()
STRANGER = Fernet.generate_key()  # a key the practice never configured

NOTES = ("Grief after my father's death", "Sleeping badly since the move", None)
CANCELLATION = "Admitted to hospital unexpectedly"
ASKED: tuple[dict[str, str], ...] = (
    {
        "first_name": "Johannes",
        "last_name": "Doeberg",
        "email": "johannes.doeberg@example.org",
        "phone": "+44 20 7946 0958",
        "reason": "Panic attacks on the underground",
    },
    {
        "first_name": "Marisol",
        "last_name": "Quintero",
        "email": "marisol.quintero@example.org",
        "phone": "+1 415 555 0132",
        "reason": "Couples counselling",
    },
)
REJECTION = "Outside the practice's specialism"
TABLES = ("appointment_requests", "bookings", "payments", "jobs")

# (table, column, row id) -> the ciphertext stored there
Stored = dict[tuple[str, str, str], str]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def keyed(*keys: bytes) -> str:
    return ",".join(key.decode() for key in keys)


@pytest.fixture
def settings_with(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Any:
    def settings_with(*keys: bytes) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, encryption_keys=keyed(*keys)
        )

    return settings_with


@asynccontextmanager
async def serving(
    settings: Settings, database: Database, clock: FrozenClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, database=database, clock=clock)
    async with app.router.lifespan_context(app), http_client(app) as client:
        yield app, client


@dataclass(frozen=True)
class Practice:
    admin: Person
    client: Person
    booking_ids: list[int]
    request_ids: list[str]
    client_secret: str

    @property
    def personal_values(self) -> list[str]:
        """Everything that must never be stored in clear."""
        asked = [value for fields in ASKED for value in fields.values()]
        notes = [note for note in NOTES if note is not None]
        return [*notes, CANCELLATION, *asked, REJECTION, self.client_secret]


async def fill_practice(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> Practice:
    """Bookings with and without notes, one cancelled with a reason, an open payment, two
    appointment requests with every field (one rejected with a reason), and the mail they
    queued, left unsent."""
    admin = await add_admin(database, settings)
    ada = await add_client(database, settings)
    booking_ids = []
    for day, notes in enumerate(NOTES, start=3):
        slot = await add_slot(database, later(days=day))
        booking_ids.append((await book(client, ada, slot, notes=notes))["id"])
    cancelled = await cancel(client, ada, booking_ids[0], reason=CANCELLATION)
    assert cancelled.status_code == 200, cancelled.text
    intent = await create_intent(client, ada, booking_ids[1])
    assert intent.status_code == 201, intent.text
    preferred = [(NOW + timedelta(days=days)).date().isoformat() for days in (1, 2)]
    request_ids = [
        (await ask(client, None, preferred_dates=preferred, **fields))["id"] for fields in ASKED
    ]
    rejected = await client.post(
        f"/api/meetings/appointments/{request_ids[1]}/reject",
        json={"rejection_reason": REJECTION},
        headers=admin.headers,
    )
    assert rejected.status_code == 200, rejected.text
    return Practice(admin, ada, booking_ids, request_ids, intent.json()["client_secret"])


async def stored_ciphertexts(database: Database) -> Stored:
    """Every encrypted value, read with plain SQL."""
    stored: Stored = {}
    async with database.transaction(write=False) as session:
        for spec in encrypted_columns():
            table = spec.table
            [key] = table.primary_key.columns
            for row in (await session.execute(select(key, *table.c[spec.columns]))).all():
                for column, value in zip(spec.columns, row[1:], strict=True):
                    if value is not None:
                        stored[(table.name, column, str(row[0]))] = value
        for job_id, payload in (await session.execute(select(Job.id, Job.payload))).all():
            if SEALED in payload:
                stored[("jobs", SEALED, str(job_id))] = payload[SEALED]
    return stored


def opened_by(key: bytes, stored: Stored) -> dict[tuple[str, str, str], str]:
    encryptor = Encryptor([key])
    return {place: encryptor.decrypt(value) for place, value in stored.items()}


def newest_key_opens(key: bytes, ciphertext: str) -> bool:
    try:
        Fernet(key).decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


async def raw_dump(database: Database) -> str:
    """Every row of every table, as plain SQL returns it."""
    async with database.transaction(write=False) as session:
        rows = [
            str(dict(row))
            for table in Base.metadata.sorted_tables
            for row in (await session.execute(text(f"SELECT * FROM {table.name}"))).mappings()  # noqa: S608
        ]
    return "\n".join(rows)


def rotated_counts(results: list[TableRotation]) -> dict[str, int]:
    return {result.table: result.rotated for result in results}


class StopAfter:
    """Stands for Ctrl-C: raises once the given number of batches is committed."""

    class Interrupted(Exception):
        pass

    def __init__(self, batches: int) -> None:
        self.batches = batches

    def table_started(self, table: str, rows: int) -> None:
        pass

    def batch_done(self, table: str, rows: int) -> None:
        self.batches -= 1
        if self.batches == 0:
            raise StopAfter.Interrupted


class TestRotation:
    def test_covers_every_encrypted_column(self) -> None:
        """A new `*_encrypted` column must be an `encrypted_column()`, or it keeps the old key."""
        declared = {
            (table.name, column.name)
            for table in Base.metadata.sorted_tables
            for column in table.columns
            if column.name.endswith("_encrypted")
        }
        rotated = {(spec.table.name, name) for spec in encrypted_columns() for name in spec.columns}
        assert rotated == declared

    async def test_newest_key_alone_reads_everything_afterwards(
        self,
        database: Database,
        settings_with: Any,
        clock: FrozenClock,
        mailbox: Mailbox,
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            practice = await fill_practice(client, database, settings_with(OLD))
        before = await stored_ciphertexts(database)
        clear = opened_by(OLD, before)
        assert {table for table, _, _ in before} == set(TABLES)

        results = await rotate_keys(database, [NEW, OLD])

        after = await stored_ciphertexts(database)
        assert after.keys() == before.keys()
        assert opened_by(NEW, after) == clear
        assert all(after[place] != before[place] for place in before)
        rows_with_values = {
            table: len({row for t, _, row in before if t == table}) for table in TABLES
        }
        assert rotated_counts(results) == rows_with_values
        dump = await raw_dump(database)
        for value in practice.personal_values:
            assert value not in dump

        async with serving(settings_with(NEW), database, clock) as (app, client):
            await self.assert_api_reads_back(client, practice)
            await run_jobs(app)
            [received] = await mailbox.wait_for(ASKED[0]["email"])
        assert ASKED[0]["first_name"] in str(received.get_body(("plain",)))
        mail_jobs = {int(row) for table, _, row in after if table == "jobs"}
        async with database.transaction(write=False) as session:
            jobs = await session.scalars(select(Job).where(Job.id.in_(mail_jobs)))
            assert {job.status for job in jobs} == {JobStatus.succeeded}

    async def assert_api_reads_back(self, client: httpx.AsyncClient, practice: Practice) -> None:
        for request_id, fields in zip(practice.request_ids, ASKED, strict=True):
            response = await client.get(
                f"/api/meetings/appointments/{request_id}", headers=practice.admin.headers
            )
            assert response.status_code == 200, response.text
            body = response.json()
            for name in ("first_name", "last_name", "email", "reason"):
                assert body[name] == fields[name]
            assert body["phone"] is not None
        rejected = await client.get(
            f"/api/meetings/appointments/{practice.request_ids[1]}",
            headers=practice.admin.headers,
        )
        assert rejected.json()["rejection_reason"] == REJECTION
        for booking_id, notes in zip(practice.booking_ids, NOTES, strict=True):
            response = await client.get(
                f"/api/bookings/{booking_id}", headers=practice.client.headers
            )
            assert response.status_code == 200, response.text
            assert response.json()["booking"]["notes"] == notes
        cancelled = await client.get(
            f"/api/bookings/{practice.booking_ids[0]}", headers=practice.client.headers
        )
        assert cancelled.json()["booking"]["cancellation_reason"] == CANCELLATION
        intent = await create_intent(client, practice.client, practice.booking_ids[1])
        assert intent.json()["client_secret"] == practice.client_secret

    async def test_a_second_run_rotates_nothing(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            await fill_practice(client, database, settings_with(OLD))
        await rotate_keys(database, [NEW, OLD])
        rotated = await stored_ciphertexts(database)

        again = await rotate_keys(database, [NEW, OLD])

        assert rotated_counts(again) == dict.fromkeys(TABLES, 0)
        assert await stored_ciphertexts(database) == rotated

    async def test_a_dry_run_counts_and_changes_nothing(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            await fill_practice(client, database, settings_with(OLD))
        before = await stored_ciphertexts(database)

        counted = await rotate_keys(database, [NEW, OLD], dry_run=True)

        assert await stored_ciphertexts(database) == before
        assert rotated_counts(counted) == rotated_counts(await rotate_keys(database, [NEW, OLD]))
        assert rotated_counts(counted)["bookings"] == 2  # the third has neither notes nor reason

    async def test_the_email_index_is_left_alone(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            await fill_practice(client, database, settings_with(OLD))
        query = text("SELECT id, email_hash FROM appointment_requests ORDER BY id")
        async with database.transaction(write=False) as session:
            before = (await session.execute(query)).all()

        await rotate_keys(database, [NEW, OLD])

        async with database.transaction(write=False) as session:
            assert (await session.execute(query)).all() == before

    async def test_a_row_no_key_opens_stops_the_run(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            practice = await fill_practice(client, database, settings_with(OLD))
        lost = practice.booking_ids[1]
        await seal_notes_with(database, lost, STRANGER)

        with pytest.raises(UnreadableValue) as raised:
            await rotate_keys(database, [NEW, OLD])

        assert (raised.value.table, raised.value.column) == ("bookings", "notes_encrypted")
        assert raised.value.row_id == lost
        assert f"bookings.notes_encrypted of row {lost}" in str(raised.value)


class TestConcurrentWrites:
    async def test_a_value_written_meanwhile_is_not_overwritten(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            practice = await fill_practice(client, database, settings_with(OLD))
        first, edited = practice.booking_ids[:2]
        meanwhile = Encryptor([NEW]).encrypt("Changed by the client meanwhile")
        fired = False

        def client_edits_first(
            connection: Connection, _cursor: Any, statement: str, *_: Any
        ) -> None:
            # The batch has been read; the service's write lands before the rotation writes
            # this row (on PostgreSQL another transaction can do so; here it shares the
            # connection, which tests the same conditional write).
            nonlocal fired
            if not fired and statement.startswith("UPDATE bookings"):
                fired = True
                connection.execute(
                    update(Booking).where(Booking.id == edited).values(notes_encrypted=meanwhile)
                )

        event.listen(database.engine.sync_engine, "before_cursor_execute", client_edits_first)
        try:
            results = await rotate_keys(database, [NEW, OLD])
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", client_edits_first)

        assert fired
        stored = await stored_ciphertexts(database)
        assert stored[("bookings", "notes_encrypted", str(edited))] == meanwhile
        assert newest_key_opens(NEW, stored[("bookings", "notes_encrypted", str(first))])
        assert rotated_counts(results)["bookings"] == 1


class TestInterruption:
    async def test_stopped_after_one_batch_then_finished_by_reruns(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            practice = await fill_practice(client, database, settings_with(OLD))
        clear = opened_by(OLD, await stored_ciphertexts(database))

        with pytest.raises(StopAfter.Interrupted):
            await rotate_keys(database, [NEW, OLD], batch_size=1, progress=StopAfter(1))

        halfway = await stored_ciphertexts(database)
        first_batch = min(practice.request_ids)  # the first table's first row by key
        for (table, _, row), ciphertext in halfway.items():
            done = table == "appointment_requests" and row == first_batch
            assert newest_key_opens(NEW, ciphertext) is done, (table, row)
            assert newest_key_opens(OLD, ciphertext) is not done, (table, row)
        assert opened_by_both(halfway) == clear

        second = await rotate_keys(database, [NEW, OLD], batch_size=2)
        third = await rotate_keys(database, [NEW, OLD], batch_size=2)

        assert rotated_counts(second)["appointment_requests"] == 1
        assert rotated_counts(second)["bookings"] == 2  # the third booking has nothing sealed
        assert rotated_counts(second)["payments"] == 1
        assert rotated_counts(third) == dict.fromkeys(TABLES, 0)
        assert opened_by(NEW, await stored_ciphertexts(database)) == clear

    async def test_progress_is_reported_per_table_and_batch(
        self, database: Database, settings_with: Any, clock: FrozenClock
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            await fill_practice(client, database, settings_with(OLD))
        seen = Recorder()

        results = await rotate_keys(database, [NEW, OLD], batch_size=2, progress=seen)

        assert [table for table, _ in seen.started] == list(TABLES)
        assert dict(seen.started)["bookings"] == 3
        assert seen.batches["bookings"] == [2, 1]
        for result in results:
            assert sum(seen.batches[result.table]) == dict(seen.started)[result.table]
            assert result.rows == dict(seen.started)[result.table]


class Recorder:
    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.batches: dict[str, list[int]] = {}

    def table_started(self, table: str, rows: int) -> None:
        self.started.append((table, rows))
        self.batches[table] = []

    def batch_done(self, table: str, rows: int) -> None:
        self.batches[table].append(rows)


def opened_by_both(stored: Stored) -> dict[tuple[str, str, str], str]:
    encryptor = Encryptor([NEW, OLD])
    return {place: encryptor.decrypt(value) for place, value in stored.items()}


async def seal_notes_with(database: Database, booking_id: int, key: bytes) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == booking_id)
            .values(notes_encrypted=Encryptor([key]).encrypt("sealed with a lost key"))
        )


class TestCommand:
    """`attune rotate-keys` as an operator runs it, in its own process."""

    @staticmethod
    async def run(tmp_path: Path, database_url: str, *args: str, keys: str) -> Any:
        env = attune_env(
            tmp_path / "var",
            ATTUNE_DATABASE_URL=database_url,
            ATTUNE_SECRET_KEY=TEST_SECRET,
            ATTUNE_ENCRYPTION_KEYS=keys,
        )
        return await asyncio.to_thread(attune, "rotate-keys", *args, env=env)

    async def test_rotates_and_prints_a_summary(
        self,
        tmp_path: Path,
        database_url: str,
        database: Database,
        settings_with: Any,
        clock: FrozenClock,
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            await fill_practice(client, database, settings_with(OLD))
        before = await stored_ciphertexts(database)

        dry = await self.run(tmp_path, database_url, "--dry-run", keys=keyed(NEW, OLD))
        assert dry.returncode == 0, dry.stderr
        assert "bookings: 2 of 3 rows to re-encrypt" in dry.stdout
        assert await stored_ciphertexts(database) == before

        result = await self.run(tmp_path, database_url, "--batch-size", "2", keys=keyed(NEW, OLD))

        assert result.returncode == 0, result.stderr
        assert "bookings: 2 of 3 rows re-encrypted" in result.stdout
        assert "payments: 1 of 1 rows re-encrypted" in result.stdout
        assert "appointment_requests: 2 of 2 rows re-encrypted" in result.stdout
        assert "bookings" in result.stderr  # the progress bars
        clear = opened_by(OLD, before)
        assert opened_by(NEW, await stored_ciphertexts(database)) == clear

        again = await self.run(tmp_path, database_url, keys=keyed(NEW))
        assert again.returncode == 0, again.stderr
        assert "no older key to rotate from" in again.stdout
        assert "total: 0 rows re-encrypted" in again.stdout

    async def test_a_row_no_key_opens_is_named_and_fails(
        self,
        tmp_path: Path,
        database_url: str,
        database: Database,
        settings_with: Any,
        clock: FrozenClock,
    ) -> None:
        async with serving(settings_with(OLD), database, clock) as (_, client):
            practice = await fill_practice(client, database, settings_with(OLD))
        lost = practice.booking_ids[2]
        await seal_notes_with(database, lost, STRANGER)

        result = await self.run(tmp_path, database_url, keys=keyed(NEW, OLD))

        assert result.returncode == 1
        assert f"bookings.notes_encrypted of row {lost}" in result.stderr
        assert "Traceback" not in result.stderr
        assert "total:" not in result.stdout
