"""The practice the benchmark runs against, written by bulk INSERTs (SQLAlchemy Core,
executemany), never through the API: a million bookings load in seconds, not hours.

What it holds:
- the practice's owner and only therapist, signed in to the back office and to the API,
  offering the one service the migrations make ("Session", at the practice's price); every
  slot is theirs and offers that service, and every booking is for it;
- clients with verified e-mail addresses and a live login each, all sharing one Argon2 hash
  computed once at the production cost (so logging in costs what it costs in production);
- `day`: eight slots of three seats each, some booked, read by the availability benchmark;
- for each benchmark client, slots of one seat weeks ahead (beyond the cancellation notice)
  that it books and cancels in turn;
- ten slots of one seat that five hundred other clients race for;
- a history of past group sessions, ten bookings each, grown to 1 k, 100 k and 1 M bookings;
- once the single therapist's figures are taken (`widen_practice`), nine more therapists and
  four more services, and a day on which each of the ten has eight slots.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from attune.accounts.page_sessions import cookie_hash
from attune.accounts.passwords import hash_password
from attune.accounts.tokens import issue_access_token
from attune.models import (
    AuthSession,
    Booking,
    BookingStatus,
    Delivery,
    PaymentStatus,
    Schedule,
    Service,
    Therapist,
    User,
    schedule_services,
    service_therapists,
)
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings

PASSWORD = "bench: a correct horse battery staple"
BENCH_CLIENTS = 50
CYCLE_SLOTS_PER_CLIENT = 4
CONTENDERS = 500
CONTENTION_SLOTS = 10
OWN_HISTORY = 1_000
CROWD = 5_000
DAY_SLOTS = 8
DAY_SLOT_SEATS = 3
SEATS_PER_PAST_SLOT = 10
SLOTS_PER_CHUNK = 2_000
SESSION = timedelta(minutes=50)
PRACTICE_THERAPISTS = 10
SERVICES_OFFERED_EACH = 3  # the first service, and two of the others in turn
# The services a practice of several therapists adds to its first one ("Session"):
# (name, minutes, price in minor units, delivery, seats).
MORE_SERVICES = (
    ("Initial consultation", 30, 4_000, Delivery.video, None),
    ("Couples therapy", 80, 14_000, Delivery.both, None),
    ("Group session", 90, 3_500, Delivery.video, 8),
    ("Supervision", 60, 9_000, Delivery.both, None),
)

USERS: Table = User.__table__  # type: ignore[assignment]
SESSIONS: Table = AuthSession.__table__  # type: ignore[assignment]
SCHEDULES: Table = Schedule.__table__  # type: ignore[assignment]
BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
THERAPISTS: Table = Therapist.__table__  # type: ignore[assignment]
SERVICES: Table = Service.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Client:
    id: int
    email: str
    token: str


@dataclass(frozen=True)
class Offer:
    """Whose slots they are and which services they offer."""

    therapist_id: int
    service_ids: tuple[int, ...]


@dataclass
class Practice:
    today: date  # in the practice's zone, when the practice was seeded
    day: date
    clients: list[Client]
    # The practice's one therapist (its owner, as `attune create-admin` makes it) and the one
    # service every slot offers and every booking is for.
    offer: Offer
    # The therapist's page session cookie, for the back office pages, and an access token of
    # another login of theirs, for the admin API.
    therapist_cookie: str
    therapist_token: str
    cycle_slots: dict[int, list[int]]  # client id -> the slots it books and cancels
    contenders: list[Client]
    contention_slots: list[int]
    history_clients: list[int]
    past_slots: int  # how many past group sessions the history holds so far


async def seed_practice(database: Database, settings: Settings, now: datetime) -> Practice:
    """Clients, the slots the benchmarks use and the day to read; no history yet."""
    password_hash = await hash_password(settings, PASSWORD)
    today = now.astimezone(settings.zone).date()
    day = today + timedelta(days=7)
    async with database.engine.begin() as connection:
        offer, therapist_cookie, therapist_token = await _add_therapist(
            connection, settings, password_hash, now
        )
        clients = await _add_clients(
            connection,
            settings,
            prefix="client",
            count=BENCH_CLIENTS,
            password_hash=password_hash,
            now=now,
        )
        contenders = await _add_clients(
            connection,
            settings,
            prefix="contender",
            count=CONTENDERS,
            password_hash=password_hash,
            now=now,
        )
        day_slots = await _add_slots(
            connection,
            offer,
            [_local(settings, day, time(9 + hour)) for hour in range(DAY_SLOTS)],
            seats=DAY_SLOT_SEATS,
            booked=[hour % DAY_SLOT_SEATS for hour in range(DAY_SLOTS)],
            now=now,
        )
        await _book_day(
            connection,
            settings,
            offer=offer,
            slots=day_slots,
            clients=clients,
            prices={offer.service_ids[0]: session_price(settings, _minutes(SESSION))},
            now=now,
        )
        first_cycle = _local(settings, today + timedelta(days=14), time(0))
        cycle_starts = [
            first_cycle + timedelta(hours=index)
            for index in range(BENCH_CLIENTS * CYCLE_SLOTS_PER_CLIENT)
        ]
        cycle_ids = [
            slot_id
            for slot_id, _start in await _add_slots(
                connection, offer, cycle_starts, seats=1, now=now
            )
        ]
        contention_ids = await _add_slots(
            connection,
            offer,
            [
                _local(settings, today + timedelta(days=30), time(8)) + timedelta(hours=index)
                for index in range(CONTENTION_SLOTS)
            ],
            seats=1,
            now=now,
        )
    cycle_slots = {
        client.id: cycle_ids[position::BENCH_CLIENTS] for position, client in enumerate(clients)
    }
    return Practice(
        today=today,
        day=day,
        clients=clients,
        offer=offer,
        therapist_cookie=therapist_cookie,
        therapist_token=therapist_token,
        cycle_slots=cycle_slots,
        contenders=contenders,
        contention_slots=[slot_id for slot_id, _start in contention_ids],
        history_clients=[client.id for client in clients],
        past_slots=0,
    )


@dataclass(frozen=True)
class WidePractice:
    """The practice once it has PRACTICE_THERAPISTS therapists and 1 + len(MORE_SERVICES)
    services: a day (the day after `Practice.day`) on which each therapist has DAY_SLOTS
    slots, booked as `Practice.day`'s are."""

    day: date
    therapists: int
    services: int
    slots: int
    # The therapist read alone: one of the nine added, whose slots offer three services.
    therapist_id: int


async def widen_practice(
    database: Database, settings: Settings, practice: Practice, now: datetime
) -> WidePractice:
    """Make the practice one of PRACTICE_THERAPISTS therapists (the owner and nine more) and
    five services, each therapist offering three; then give every therapist a day of slots."""
    password_hash = await hash_password(settings, PASSWORD)
    day = practice.day + timedelta(days=1)
    async with database.engine.begin() as connection:
        first = practice.offer.service_ids[0]
        prices = {first: session_price(settings, _minutes(SESSION))}
        more: list[int] = []
        for name, minutes, price, delivery, seats in MORE_SERVICES:
            service_id = (
                await connection.execute(
                    insert(SERVICES)
                    .values(
                        name=name,
                        description=f"{name}, for the benchmark.",
                        duration_minutes=minutes,
                        price_cents=price,
                        delivery=delivery.value,
                        seats=seats,
                        is_active=True,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(SERVICES.c.id)
                )
            ).scalar_one()
            more.append(service_id)
            prices[service_id] = _pro_rata(price, minutes, _minutes(SESSION))
        offers = [practice.offer]
        for number in range(1, PRACTICE_THERAPISTS):
            others = [
                more[(number + turn) % len(more)] for turn in range(SERVICES_OFFERED_EACH - 1)
            ]
            offers.append(
                await _add_staff(
                    connection,
                    email=f"therapist{number}@bench.example.com",
                    first_name=f"Therapist{number}",
                    role=Role.therapist,
                    password_hash=password_hash,
                    service_ids=[first, *sorted(others)],
                    now=now,
                )
            )
        for offer in offers:
            slots = await _add_slots(
                connection,
                offer,
                [_local(settings, day, time(9 + hour)) for hour in range(DAY_SLOTS)],
                seats=DAY_SLOT_SEATS,
                booked=[hour % DAY_SLOT_SEATS for hour in range(DAY_SLOTS)],
                now=now,
            )
            await _book_day(
                connection,
                settings,
                offer=offer,
                slots=slots,
                clients=practice.clients,
                prices=prices,
                now=now,
            )
    return WidePractice(
        day=day,
        therapists=len(offers),
        services=1 + len(more),
        slots=len(offers) * DAY_SLOTS,
        therapist_id=offers[1].therapist_id,
    )


async def grow_history(
    database: Database, settings: Settings, practice: Practice, bookings: int, now: datetime
) -> int:
    """Add past group sessions until the database holds `bookings` bookings; how many it holds.

    Up to OWN_HISTORY, the history belongs to the benchmark's own clients; beyond, to a crowd
    of other clients, so the list each benchmark client reads keeps its size as the history
    grows.
    """
    missing = bookings - await count_bookings(database)
    if bookings > OWN_HISTORY and practice.history_clients == [c.id for c in practice.clients]:
        password_hash = await hash_password(settings, PASSWORD)
        async with database.engine.begin() as connection:
            crowd = await _add_users(connection, "crowd", CROWD, password_hash, now)
        practice.history_clients = [user_id for user_id, _email in crowd]
    anchor = datetime.combine(now.date() - timedelta(days=1), time(0), tzinfo=UTC)
    price = session_price(settings, _minutes(SESSION))
    while missing > 0:
        slots = min(SLOTS_PER_CHUNK, -(-missing // SEATS_PER_PAST_SLOT))
        starts = [anchor - timedelta(hours=practice.past_slots + n + 1) for n in range(slots)]
        taken = [min(SEATS_PER_PAST_SLOT, missing - n * SEATS_PER_PAST_SLOT) for n in range(slots)]
        async with database.engine.begin() as connection:
            added = await _add_slots(
                connection,
                practice.offer,
                starts,
                seats=SEATS_PER_PAST_SLOT,
                booked=taken,
                now=now,
            )
            await connection.execute(
                insert(BOOKINGS), list(_past_bookings(settings, practice, added, taken, price))
            )
        practice.past_slots += slots
        missing -= sum(taken)
    return await count_bookings(database)


async def count_bookings(database: Database) -> int:
    async with database.engine.connect() as connection:
        held: int = (
            await connection.execute(select(func.count()).select_from(BOOKINGS))
        ).scalar_one()
        return held


def _local(settings: Settings, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=settings.zone).astimezone(UTC)


async def _add_users(
    connection: AsyncConnection, prefix: str, count: int, password_hash: str, now: datetime
) -> list[tuple[int, str]]:
    rows = [
        {
            "email": f"{prefix}{number}@bench.example.com",
            "password_hash": password_hash,
            "first_name": f"{prefix.title()}{number}",
            "last_name": "Bench",
            "role": Role.client.value,
            "is_active": True,
            "email_verified_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for number in range(1, count + 1)
    ]
    statement = insert(USERS).returning(USERS.c.id, USERS.c.email, sort_by_parameter_order=True)
    return [(row.id, row.email) for row in await connection.execute(statement, rows)]


async def _add_clients(
    connection: AsyncConnection,
    settings: Settings,
    *,
    prefix: str,
    count: int,
    password_hash: str,
    now: datetime,
) -> list[Client]:
    """Verified clients, each with a live login and an access token for it."""
    users = await _add_users(connection, prefix, count, password_hash, now)
    logins = [(user_id, email, str(uuid.uuid4())) for user_id, email in users]
    await connection.execute(
        insert(SESSIONS),
        [{"id": login, "user_id": user_id, "created_at": now} for user_id, _email, login in logins],
    )
    return [
        Client(
            user_id,
            email,
            issue_access_token(settings, user_id=user_id, session_id=login, now=now),
        )
        for user_id, email, login in logins
    ]


async def _first_service(connection: AsyncConnection, now: datetime) -> int:
    """The practice's first service, which the migrations make ("Session", following the
    practice's price); made here too should a database come without it."""
    first = (
        await connection.execute(
            select(SERVICES.c.id)
            .where(SERVICES.c.is_active.is_(True))
            .order_by(SERVICES.c.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if first is not None:
        return int(first)
    made = await connection.execute(
        insert(SERVICES)
        .values(
            name="Session",
            description="A one-to-one session by video.",
            duration_minutes=60,
            price_cents=None,
            delivery=Delivery.video.value,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        .returning(SERVICES.c.id)
    )
    return int(made.scalar_one())


async def _add_staff(
    connection: AsyncConnection,
    *,
    email: str,
    first_name: str,
    role: Role,
    password_hash: str,
    service_ids: Sequence[int],
    now: datetime,
) -> Offer:
    """A member of staff with a therapist's profile, offering `service_ids`."""
    user_id = (
        await connection.execute(
            insert(USERS)
            .values(
                email=email,
                password_hash=password_hash,
                first_name=first_name,
                last_name="Bench",
                role=role.value,
                is_active=True,
                email_verified_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(USERS.c.id)
        )
    ).scalar_one()
    await connection.execute(
        insert(THERAPISTS).values(
            user_id=user_id,
            title="Psychotherapist",
            bio="Sees clients for the benchmark.",
            languages=["English"],
            is_active=True,
            created_at=now,
            updated_at=now,
        )
    )
    await connection.execute(
        insert(service_therapists),
        [{"service_id": service_id, "therapist_id": user_id} for service_id in service_ids],
    )
    return Offer(user_id, tuple(service_ids))


async def _add_therapist(
    connection: AsyncConnection, settings: Settings, password_hash: str, now: datetime
) -> tuple[Offer, str, str]:
    """The practice's owner and only therapist, offering its one service, signed in to the
    back office and to the API: what it offers, the page session cookie and an access token."""
    offer = await _add_staff(
        connection,
        email="therapist@bench.example.com",
        first_name="Theo",
        role=Role.owner,
        password_hash=password_hash,
        service_ids=[await _first_service(connection, now)],
        now=now,
    )
    cookie = secrets.token_urlsafe(32)
    await connection.execute(
        insert(SESSIONS).values(
            id=str(uuid.uuid4()),
            user_id=offer.therapist_id,
            created_at=now,
            cookie_hash=cookie_hash(settings, cookie),
            last_seen_at=now,
        )
    )
    login = str(uuid.uuid4())
    await connection.execute(
        insert(SESSIONS).values(id=login, user_id=offer.therapist_id, created_at=now)
    )
    token = issue_access_token(settings, user_id=offer.therapist_id, session_id=login, now=now)
    return offer, cookie, token


async def _add_slots(
    connection: AsyncConnection,
    offer: Offer,
    starts: Sequence[datetime],
    *,
    seats: int,
    now: datetime,
    booked: Sequence[int] | None = None,
) -> list[tuple[int, datetime]]:
    """Slots of the offer's therapist, each offering every service of the offer."""
    rows = [
        {
            "therapist_id": offer.therapist_id,
            "start_at": start,
            "end_at": start + SESSION,
            "max_bookings": seats,
            "booked_count": booked[index] if booked is not None else 0,
            "is_available": True,
            "delivery": Delivery.video.value,
            "location": None,
            "created_at": now,
            "updated_at": now,
        }
        for index, start in enumerate(starts)
    ]
    statement = insert(SCHEDULES).returning(
        SCHEDULES.c.id, SCHEDULES.c.start_at, sort_by_parameter_order=True
    )
    added = [(row.id, row.start_at) for row in await connection.execute(statement, rows)]
    offered = [
        {"schedule_id": slot_id, "service_id": service_id}
        for slot_id, _start in added
        for service_id in offer.service_ids
    ]
    if offered:
        await connection.execute(insert(schedule_services), offered)
    return added


def _minutes(length: timedelta) -> int:
    return int(length.total_seconds() // 60)


def _pro_rata(price: int, per_minutes: int, minutes: int) -> int:
    """A service's price for a slot of another length, rounded half up, as a booking
    freezes it (practice.terms.ServiceTerms.price_for)."""
    return (price * minutes * 2 + per_minutes) // (2 * per_minutes)


def session_price(settings: Settings, minutes: int) -> int:
    """The first service's price (the practice's, per hour) for a session of `minutes`."""
    return _pro_rata(settings.session_price_cents, 60, minutes)


def _booking(
    settings: Settings,
    *,
    user_id: int,
    therapist_id: int,
    service_id: int,
    slot_id: int,
    start: datetime,
    seat: int,
    status: BookingStatus,
    price: int,
) -> dict[str, Any]:
    end = start + SESSION
    past = status is BookingStatus.completed
    return {
        "user_id": user_id,
        "schedule_id": slot_id,
        "therapist_id": therapist_id,
        "service_id": service_id,
        "delivery": Delivery.video.value,
        "location": None,
        "scheduled_at": start,
        "ends_at": end,
        "status": status.value,
        "amount_cents": price,
        "currency": settings.currency,
        "payment_status": PaymentStatus.succeeded.value,
        "payment_id": None,
        "notes_encrypted": None,
        "room_id": f"bench-{slot_id}-{seat}",
        "calendar_sequence": 0,
        "cancelled_at": None,
        "cancelled_by_practice": False,
        "cancellation_reason_encrypted": None,
        "completed_at": end if past else None,
        "reminder_24h_at": start - timedelta(hours=24) if past else None,
        "reminder_1h_at": start - timedelta(hours=1) if past else None,
        "created_at": start - timedelta(days=7),
        "updated_at": end if past else start - timedelta(days=7),
    }


async def _book_day(
    connection: AsyncConnection,
    settings: Settings,
    *,
    offer: Offer,
    slots: Sequence[tuple[int, datetime]],
    clients: Sequence[Client],
    prices: Mapping[int, int],
    now: datetime,
) -> None:
    """Book some seats of the day's slots: slot n holds n % DAY_SLOT_SEATS bookings, for the
    services the slot offers in turn, each at its price (`prices`, by service) for the slot."""
    services = offer.service_ids
    rows = [
        _booking(
            settings,
            user_id=clients[(index * DAY_SLOT_SEATS + seat) % len(clients)].id,
            therapist_id=offer.therapist_id,
            service_id=services[(index + seat) % len(services)],
            slot_id=slot_id,
            start=start,
            seat=seat,
            status=BookingStatus.scheduled,
            price=prices[services[(index + seat) % len(services)]],
        )
        for index, (slot_id, start) in enumerate(slots)
        for seat in range(index % DAY_SLOT_SEATS)
    ]
    for row in rows:
        row["created_at"] = row["updated_at"] = now
    if rows:
        await connection.execute(insert(BOOKINGS), rows)


def _past_bookings(
    settings: Settings,
    practice: Practice,
    slots: Sequence[tuple[int, datetime]],
    seats: Sequence[int],
    price: int,
) -> Iterator[dict[str, Any]]:
    clients = practice.history_clients
    offer = practice.offer
    for index, ((slot_id, start), taken) in enumerate(zip(slots, seats, strict=True)):
        first = (practice.past_slots + index) * SEATS_PER_PAST_SLOT
        for seat in range(taken):
            yield _booking(
                settings,
                user_id=clients[(first + seat) % len(clients)],
                therapist_id=offer.therapist_id,
                service_id=offer.service_ids[0],
                slot_id=slot_id,
                start=start,
                seat=seat,
                status=BookingStatus.completed,
                price=price,
            )


async def settle(database: Database) -> None:
    """After a bulk load, what a database left alone would soon do by itself: PostgreSQL's
    autovacuum gathers planner statistics, and SQLite folds the WAL back into the file."""
    if database.is_sqlite:
        path = make_url(database.url).database
        # Outside any transaction, which the engine's connections always open first.
        with contextlib.closing(sqlite3.connect(str(path))) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")
