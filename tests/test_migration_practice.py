"""Migration 0013 on a practice with data in it: the first admin becomes the owner and only
therapist, the one service is the session it offered, and every slot, booking, payment, refund,
request and audit entry is kept; the seeds' API reads the migrated practice as before; the
downgrade gives the data back and the upgrade can run again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from attune.accounts.passwords import hash_password
from attune.app import create_app
from attune.cli import _create_admin
from attune.models import Service
from attune.models.practice import Delivery
from attune.platform.crypto import Encryptor
from attune.platform.database import Database
from attune.platform.migrations import alembic_config
from attune.platform.settings import Settings
from attune.requests.addresses import email_hash
from tests.conftest import http_client, make_settings
from tests.support.scratch_database import scratch_database

BEFORE = "0012"  # one therapist's practice: users.is_admin, no therapists or services
PASSWORD = "correct horse battery"
# The tables of revision 0012 that hold the practice, parents first.
TABLES = [
    "users",
    "schedules",
    "bookings",
    "payments",
    "refunds",
    "appointment_requests",
    "audit_log",
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def older_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (the tests' shared one is built from the models)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'older.db'}"
        return
    with scratch_database(request.getfixturevalue("postgres_url"), "migration_0013") as url:
        yield url


def _settings(tmp_path: Path, url: str) -> Settings:
    return make_settings(tmp_path, url, session_price_cents=12000)


def _migrate(settings: Settings, url: str, revision: str, *, down: bool = False) -> None:
    config = alembic_config(url)
    config.attributes["settings"] = settings
    if down:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


async def _tables(connection: AsyncConnection, *names: str) -> dict[str, Table]:
    metadata = MetaData()
    await connection.run_sync(lambda sync: metadata.reflect(sync, only=list(names)))
    return {name: metadata.tables[name] for name in names}


async def _rows(url: str, names: list[str], drop: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """Every row of these tables as dicts, by key, without the columns named in `drop`."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            tables = await _tables(connection, *names)
            rows: dict[str, list[Any]] = {}
            for name, table in tables.items():
                query = select(table).order_by(*table.primary_key.columns)
                rows[name] = [
                    {column: value for column, value in row.items() if column not in drop}
                    for row in (await connection.execute(query)).mappings()
                ]
            return rows
    finally:
        await database.dispose()


def _snapshot(url: str, drop: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    return asyncio.run(_rows(url, TABLES, drop))


# The older practice's bookings (ids 1 to 5) in every status.
BOOKING_STATUSES = {
    1: "scheduled",  # paid, upcoming
    2: "scheduled",  # unpaid, upcoming, in the group slot
    3: "completed",
    4: "no_show",
    5: "cancelled",  # paid and refunded
}
REQUEST_STATUSES = ("pending_review", "scheduled", "rejected")


async def _fill_older_practice(settings: Settings, url: str, *, admins: bool = True) -> None:
    """A practice at revision 0012, written as the code of that time wrote it."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    soon, past = now + timedelta(days=3), now - timedelta(days=3)
    hour = timedelta(hours=1)
    sealed = Encryptor.from_settings(settings)
    password = await hash_password(settings, PASSWORD)
    stamps = {"created_at": past - timedelta(days=30), "updated_at": past - timedelta(days=30)}

    def person(number: int, email: str, first: str, admin: bool) -> dict[str, Any]:
        return {
            "id": number,
            "email": email,
            "password_hash": password,
            "first_name": first,
            "last_name": "Example",
            "is_admin": admin,
            "is_active": True,
            "email_verified_at": stamps["created_at"],
            "booking_notifications": True,
            **stamps,
        }

    def slot(number: int, start: datetime, seats: int, taken: int) -> dict[str, Any]:
        return {
            "id": number,
            "start_at": start,
            "end_at": start + hour,
            "max_bookings": seats,
            "booked_count": taken,
            "is_available": True,
            "room_id": f"room-slot-{number}",
            **stamps,
        }

    def booking(number: int, client: int, slot_id: int, start: datetime, **extra: Any) -> Any:
        return {
            "id": number,
            "user_id": client,
            "schedule_id": slot_id,
            "scheduled_at": start,
            "ends_at": start + hour,
            "status": BOOKING_STATUSES[number],
            "amount_cents": 12000,
            "currency": "usd",
            "payment_status": "pending",
            "room_id": f"room-slot-{slot_id}",
            "calendar_sequence": 0,
            "cancelled_by_practice": False,
            "late_cancellation": False,
            "calendar_uid": f"booking-{number}@attune.example",
            **stamps,
            **extra,
        }

    def payment(number: int, booking_id: int, client: int, refunded: int) -> dict[str, Any]:
        return {
            "id": number,
            "booking_id": booking_id,
            "user_id": client,
            "provider": "demo",
            "intent_id": f"pi_demo_{number}",
            "client_secret_encrypted": sealed.encrypt(f"pi_demo_{number}_secret"),
            "amount_cents": 12000,
            "currency": "usd",
            "status": "succeeded",
            "amount_refunded_cents": refunded,
            "succeeded_at": stamps["created_at"],
            **stamps,
        }

    def appointment(status: str, email: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "user_id": None,
            "first_name_encrypted": sealed.encrypt("Grace"),
            "last_name_encrypted": sealed.encrypt("Hopper"),
            "email_encrypted": sealed.encrypt(email),
            "email_hash": email_hash(settings, email),
            "reason_encrypted": sealed.encrypt("Stress at work"),
            "preferred_dates": [soon.date().isoformat()],
            "preferred_time_slots": ["morning"],
            "status": status,
            "calendar_sequence": 0,
            "calendar_uid": f"appointment-{uuid.uuid4()}@attune.example",
            **stamps,
            **extra,
        }

    people = [person(3, "client3@example.com", "Clio", False)]
    people.append(person(4, "client4@example.com", "Dora", False))
    if admins:
        people += [
            person(1, "ada@practice.example", "Ada", True),
            person(2, "grace@practice.example", "Grace", True),
        ]
    rows: dict[str, list[dict[str, Any]]] = {
        "users": people,
        "schedules": [
            slot(1, soon, 1, 1),
            slot(2, soon + 2 * hour, 3, 1),
            slot(3, past, 2, 2),
            slot(4, soon + 4 * hour, 1, 0),
        ],
        "bookings": [
            booking(1, 3, 1, soon, payment_status="succeeded", payment_id="pi_demo_1"),
            booking(2, 4, 2, soon + 2 * hour),
            booking(3, 3, 3, past, payment_status="succeeded", completed_at=past + hour),
            booking(4, 4, 3, past, payment_status="succeeded"),
            booking(
                5,
                3,
                4,
                soon + 4 * hour,
                payment_status="refunded",
                cancelled_at=now,
                cancellation_reason_encrypted=sealed.encrypt("Feeling better"),
            ),
        ],
        "payments": [payment(1, 1, 3, 0), payment(2, 5, 3, 12000)],
        "refunds": [
            {
                "id": 1,
                "payment_id": 2,
                "booking_id": 5,
                "amount_cents": 12000,
                "reason": "requested_by_customer",
                "status": "succeeded",
                "idempotency_key": "refund-booking-5",
                "provider_refund_id": "re_demo_1",
                "requested_by": 3,
                "succeeded_at": now,
                **stamps,
            }
        ],
        "appointment_requests": [
            appointment("pending_review", "pending@example.com"),
            appointment(
                "scheduled",
                "scheduled@example.com",
                scheduled_at=soon + 6 * hour,
                scheduled_duration=60,
                scheduled_end_at=soon + 7 * hour,
                room_id="room-request-1",
            ),
            appointment(
                "rejected",
                "rejected@example.com",
                rejection_reason_encrypted=sealed.encrypt("Not a fit"),
            ),
        ],
        "audit_log": [
            {
                "id": number,
                "at": now,
                "actor_id": 1 if admins else None,
                "action": action,
                "target_type": "booking",
                "target_id": "5",
                "address": "203.0.113.10",
                "details": {"amount_cents": 12000},
            }
            for number, action in ((1, "booking.cancelled"), (2, "payment.refunded"))
        ],
    }
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            tables = await _tables(connection, *TABLES)
            for name, values in rows.items():
                for row in values:  # one at a time: the rows name different columns
                    await connection.execute(tables[name].insert().values(row))
            if not database.is_sqlite:
                # Rows written with their ids leave the sequences behind; move them on, as a
                # restore does. The names are this test's own.
                for name in ("users", "schedules", "bookings", "payments", "refunds", "audit_log"):
                    last = f"SELECT max(id) FROM {name}"  # noqa: S608
                    await connection.execute(text(f"SELECT setval('{name}_id_seq', ({last}))"))
    finally:
        await database.dispose()


NEW_COLUMNS = {
    "users": ("role", "may_refund"),
    "schedules": ("therapist_id", "delivery", "location"),
    "bookings": ("therapist_id", "service_id", "delivery", "location"),
    "appointment_requests": ("therapist_id", "service_id"),
}
PRACTICE_TABLES = ["therapists", "services", "service_therapists", "schedule_services"]


def _older_practice(tmp_path: Path, url: str, *, admins: bool = True) -> Settings:
    settings = _settings(tmp_path, url)
    _migrate(settings, url, BEFORE)
    asyncio.run(_fill_older_practice(settings, url, admins=admins))
    return settings


def _kept(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The rows after the migration, cut to the columns the older practice had."""
    return {
        name: [{column: row[column] for column in old[0]} for row in after[name]]
        for name, old in before.items()
    }


def test_the_first_admin_becomes_owner_and_only_therapist_of_one_service(
    older_url: str, tmp_path: Path
) -> None:
    settings = _older_practice(tmp_path, older_url)
    before = _snapshot(older_url, drop=("is_admin",))

    _migrate(settings, older_url, "head")

    after = asyncio.run(_rows(older_url, [*TABLES, *PRACTICE_TABLES]))
    # Every row of every table is kept as it was: bookings, prices, payments, refunds, requests
    # and the audit trail.
    assert _kept(before, after) == before
    roles = {user["id"]: user["role"] for user in after["users"]}
    assert roles == {1: "owner", 2: "owner", 3: "client", 4: "client"}
    assert not any(user["may_refund"] for user in after["users"])
    [therapist] = after["therapists"]
    assert therapist["user_id"] == 1
    assert therapist["is_active"] is True
    assert therapist["languages"] == []
    [service] = after["services"]
    assert service["id"] == 1
    assert service["name"] == "Session"
    assert service["duration_minutes"] == 60
    # NULL: the price follows ATTUNE_SESSION_PRICE_CENTS, as the one session's price did.
    assert service["price_cents"] is None
    assert service["delivery"] == "video"
    assert service["is_active"] is True
    assert after["service_therapists"] == [{"service_id": 1, "therapist_id": 1}]
    assert after["schedule_services"] == [
        {"schedule_id": slot["id"], "service_id": 1} for slot in after["schedules"]
    ]
    assert {(slot["therapist_id"], slot["delivery"]) for slot in after["schedules"]} == {
        (1, "video")
    }
    assert {
        (booking["therapist_id"], booking["service_id"], booking["delivery"])
        for booking in after["bookings"]
    } == {(1, 1, "video")}
    assert {booking["status"] for booking in after["bookings"]} == {
        "scheduled",
        "completed",
        "no_show",
        "cancelled",
    }
    assert {
        (request["status"], request["therapist_id"], request["service_id"])
        for request in after["appointment_requests"]
    } == {(status, 1, 1) for status in REQUEST_STATUSES}


def test_a_service_added_after_the_migration_takes_the_next_id(
    older_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL the first service was written with its id: the sequence must follow."""
    settings = _older_practice(tmp_path, older_url)
    _migrate(settings, older_url, "head")

    async def add_service() -> int:
        database = Database(older_url)
        try:
            async with database.transaction() as session:
                now = datetime.now(UTC)
                service = Service(
                    name="Couples session",
                    duration_minutes=90,
                    price_cents=18000,
                    delivery=Delivery.in_person,
                    created_at=now,
                    updated_at=now,
                )
                session.add(service)
                await session.flush()
                return service.id
        finally:
            await database.dispose()

    assert asyncio.run(add_service()) == 2


async def _read_through_the_api(settings: Settings, url: str) -> dict[str, Any]:
    """What the seeds' endpoints answer the owner and a client of the migrated practice."""
    database = Database(url)
    app = create_app(settings, database=database)
    answers: dict[str, Any] = {}
    try:
        async with app.router.lifespan_context(app), http_client(app) as client:

            async def sign_in(email: str) -> dict[str, str]:
                login = await client.post(
                    "/api/auth/login", json={"email": email, "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                return {"Authorization": f"Bearer {login.json()['token']}"}

            async def read(path: str, headers: dict[str, str]) -> httpx.Response:
                response = await client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.text)
                return response

            owner = await sign_in("ada@practice.example")
            answers["profile"] = (await read("/api/auth/profile", owner)).json()
            answers["all"] = (await read("/api/admin/bookings", owner)).json()
            answers["requests"] = (await read("/api/meetings/appointments", owner)).json()
            answers["second admin"] = (
                await read("/api/admin/bookings", await sign_in("grace@practice.example"))
            ).json()
            clio = await sign_in("client3@example.com")
            answers["own"] = (await read("/api/bookings", clio)).json()
            answers["own paid"] = (await read("/api/bookings/1", clio)).json()
            answers["stranger's"] = (await client.get("/api/bookings/2", headers=clio)).status_code
            # The upcoming slots start three days from now: on one of these days in any zone.
            today = datetime.now(UTC).date()
            answers["therapists page"] = (await read("/therapists", {})).text
            answers["slots"] = [
                slot
                for days in (2, 3, 4)
                for slot in (
                    await read(f"/api/schedules?date={today + timedelta(days=days)}", {})
                ).json()["slots"]
            ]
    finally:
        await database.dispose()
    return answers


def test_the_seeds_api_reads_the_migrated_practice_as_before(
    older_url: str, tmp_path: Path
) -> None:
    settings = _older_practice(tmp_path, older_url)
    _migrate(settings, older_url, "head")

    answers = asyncio.run(_read_through_the_api(settings, older_url))

    assert answers["profile"]["user"]["is_admin"] is True
    everything = answers["all"]
    assert everything["total"] == 5
    assert {
        booking["id"]: (booking["status"], booking["payment_status"], booking["amount"])
        for booking in everything["bookings"]
    } == {
        1: ("scheduled", "succeeded", 120.0),
        2: ("scheduled", "pending", 120.0),
        3: ("completed", "succeeded", 120.0),
        4: ("no_show", "succeeded", 120.0),
        5: ("cancelled", "refunded", 120.0),
    }
    assert answers["second admin"]["total"] == 5
    assert sorted(booking["id"] for booking in answers["own"]["bookings"]) == [1, 3, 5]
    paid = answers["own paid"]["booking"]
    assert (paid["status"], paid["payment_status"], paid["amount"]) == (
        "scheduled",
        "succeeded",
        120.0,
    )
    assert answers["stranger's"] == 404
    requests = answers["requests"]
    assert sorted(request["status"] for request in requests) == sorted(REQUEST_STATUSES)
    assert {request["first_name"] for request in requests} == {"Grace"}
    # The first admin is the practice's one therapist, on the clients' page of therapists.
    assert "Book with Ada Example" in answers["therapists page"]
    assert "Grace Example" not in answers["therapists page"]
    # The full slot stays full; the group slot's two free seats and the freed slot are offered.
    offered = {
        slot["id"]: (slot["is_available"], slot["remaining_slots"]) for slot in answers["slots"]
    }
    assert offered == {1: (False, 0), 2: (True, 2), 4: (True, 1)}


def test_the_downgrade_gives_the_older_practice_back_and_the_upgrade_runs_again(
    older_url: str, tmp_path: Path
) -> None:
    settings = _older_practice(tmp_path, older_url)
    before = _snapshot(older_url)
    _migrate(settings, older_url, "head")

    _migrate(settings, older_url, BEFORE, down=True)

    # is_admin is back for both admins, and every row is as it was.
    assert _snapshot(older_url) == before
    _migrate(settings, older_url, "head")
    after = asyncio.run(_rows(older_url, ["users", "therapists", "bookings"]))
    assert [user["role"] for user in after["users"]] == ["owner", "owner", "client", "client"]
    assert [therapist["user_id"] for therapist in after["therapists"]] == [1]
    assert {booking["therapist_id"] for booking in after["bookings"]} == {1}


def test_a_practice_with_slots_but_no_admin_gets_an_owner_who_sets_a_password(
    older_url: str, tmp_path: Path
) -> None:
    settings = _older_practice(tmp_path, older_url, admins=False)
    before = _snapshot(older_url, drop=("is_admin",))

    _migrate(settings, older_url, "head")

    after = asyncio.run(_rows(older_url, [*TABLES, "therapists"]))
    assert _kept(before, after)["bookings"] == before["bookings"]
    [owner] = [user for user in after["users"] if user["role"] == "owner"]
    assert owner["email"] == "owner@practice.example"
    assert [therapist["user_id"] for therapist in after["therapists"]] == [owner["id"]]
    assert {slot["therapist_id"] for slot in after["schedules"]} == {owner["id"]}
    assert {booking["therapist_id"] for booking in after["bookings"]} == {owner["id"]}

    async def sign_in() -> int:
        database = Database(older_url)
        app = create_app(settings, database=database)
        try:
            async with app.router.lifespan_context(app), http_client(app) as client:
                login = await client.post(
                    "/api/auth/login",
                    json={"email": "owner@practice.example", "password": PASSWORD},
                )
                return login.status_code
        finally:
            await database.dispose()

    # No password until one is set; `attune create-admin` with that address sets it.
    assert asyncio.run(sign_in()) == 401
    user_id = asyncio.run(
        _create_admin(
            settings, "owner@practice.example", PASSWORD, "Ada", "Lovelace", therapist=True
        )
    )
    assert user_id == owner["id"]
    assert asyncio.run(sign_in()) == 200


@pytest.mark.postgres
def test_a_practice_whose_therapists_slots_overlap_cannot_go_back(
    postgres_url: str, tmp_path: Path
) -> None:
    """Before 0013 no two slots overlapped at all (an exclusion constraint on PostgreSQL); two
    therapists' slots at the same time cannot be one therapist's again: the downgrade stops,
    and as migrations run in one transaction there, it changes nothing."""
    with scratch_database(postgres_url, "migration_0013_overlap") as url:
        settings = _older_practice(tmp_path, url)
        _migrate(settings, url, "head")

        async def second_therapist_at_the_same_time() -> None:
            database = Database(url)
            try:
                async with database.engine.begin() as connection:
                    await connection.execute(
                        text(
                            "INSERT INTO therapists (user_id, languages, is_active, created_at,"
                            " updated_at) VALUES (2, '[]', true, now(), now())"
                        )
                    )
                    await connection.execute(
                        text(
                            "INSERT INTO schedules (start_at, end_at, max_bookings, booked_count,"
                            " is_available, therapist_id, delivery, created_at, updated_at)"
                            " SELECT start_at, end_at, 1, 0, true, 2, 'video', now(), now()"
                            " FROM schedules WHERE id = 1"
                        )
                    )
            finally:
                await database.dispose()

        asyncio.run(second_therapist_at_the_same_time())
        before = asyncio.run(_rows(url, ["users", "schedules", "therapists", "alembic_version"]))

        with pytest.raises(IntegrityError, match="ex_schedules_no_overlap"):
            _migrate(settings, url, BEFORE, down=True)

        assert (
            asyncio.run(_rows(url, ["users", "schedules", "therapists", "alembic_version"]))
            == before
        )
        assert before["alembic_version"] == [{"version_num": "0013"}]
