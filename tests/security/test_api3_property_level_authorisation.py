"""OWASP API3:2023 Broken Object Property Level Authorisation.

Mass assignment: no request body sets a property that is the practice's or the service's to
decide (admin right, activity, verification, owner, seats, price, status, payment, room). Each
such field is refused (400) or ignored, and the stored row shows it: the value is read back from
the database, not from the answer.

Excessive exposure: no answer carries a password hash, a token or code hash, a blind index, a
ciphertext, or a payment's client secret to anyone but the payer.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from attune.models import AppointmentRequest, Booking, Payment, Schedule, User
from attune.platform.database import Base, Database
from attune.platform.settings import Settings
from tests.security.practice import (
    NOW,
    Practice,
    appointment_body,
    expect,
    open_practice,
)
from tests.support.people import PASSWORD, add_client
from tests.support.slots import add_slot

REGISTRATION = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@example.com",
    "password": "a long and uncommon passphrase",
}


async def user_row(database: Database, user_id: int) -> dict[str, Any]:
    async with database.transaction(write=False) as session:
        user = await session.get(User, user_id)
    assert user is not None
    return {
        "email": user.email,
        "password_hash": user.password_hash,
        "is_admin": user.is_admin,
        "is_active": user.is_active,
        "email_verified_at": user.email_verified_at,
        "created_at": user.created_at,
    }


async def users(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count: int = await session.scalar(select(func.count()).select_from(User)) or 0
    return count


class TestRegister:
    @pytest.mark.parametrize(
        "field",
        [
            {"is_admin": True},
            {"is_active": False},
            {"email_verified_at": "2026-01-01T00:00:00Z"},
            {"id": 1},
            {"password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"},
        ],
        ids=lambda field: next(iter(field)),
    )
    async def test_a_privileged_field_is_refused_and_nobody_is_registered(
        self, client: httpx.AsyncClient, database: Database, field: dict[str, Any]
    ) -> None:
        response = await client.post("/api/auth/register", json={**REGISTRATION, **field})

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert await users(database) == 0


class TestProfileUpdate:
    @pytest.mark.parametrize(
        "field",
        [
            {"is_admin": True},
            {"is_active": False},
            {"email": "someone.else@example.com"},
            {"email_verified_at": None},
            {"password_hash": "x"},
            {"password": "a brand new passphrase"},
            {"created_at": "2020-01-01T00:00:00Z"},
            {"id": 999},
        ],
        ids=lambda field: next(iter(field)),
    )
    async def test_a_privileged_field_is_ignored(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        field: dict[str, Any],
    ) -> None:
        ada = await add_client(database, settings)
        before = await user_row(database, ada.id)

        response = await client.put(
            "/api/auth/profile", json={"first_name": "Augusta", **field}, headers=ada.headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["user"]["first_name"] == "Augusta"
        assert await user_row(database, ada.id) == before
        login = await client.post(
            "/api/auth/login", json={"email": ada.email, "password": PASSWORD}
        )
        assert login.status_code == 200


BOOKING_FIELDS = {
    "user_id": 2,
    "status": "completed",
    "payment_status": "succeeded",
    "payment_id": "pi_forged",
    "amount": 1,
    "amount_cents": 1,
    "currency": "jpy",
    "room_id": "attune-chosen-by-the-client",
    "jitsi_room_id": "attune-chosen-by-the-client",
    "booked_count": 0,
    "scheduled_at": "2026-03-05T03:00:00Z",
}


class TestBookingCreate:
    async def test_owner_status_price_payment_and_room_are_the_practices(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        await add_client(database, settings, 2)
        slot = await add_slot(database, NOW.replace(day=5))

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot, **BOOKING_FIELDS}, headers=ada.headers
        )

        booking_id = (await expect(response, 201))["booking"]["id"]
        async with database.transaction(write=False) as session:
            booking = await session.get(Booking, booking_id)
            seat = await session.get(Schedule, slot)
        assert booking is not None
        assert seat is not None
        assert booking.user_id == ada.id
        assert (booking.status, booking.payment_status, booking.payment_id) == (
            "scheduled",
            "pending",
            None,
        )
        assert (booking.amount_cents, booking.currency) == (settings.session_price_cents, "usd")
        assert booking.room_id != BOOKING_FIELDS["room_id"]
        assert booking.scheduled_at == seat.start_at
        assert seat.booked_count == 1


class TestBookingReschedule:
    async def test_only_the_slot_changes(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)

        response = await client.put(
            f"/api/bookings/{practice.booking}/reschedule",
            json={"new_schedule_id": practice.free_slot, **BOOKING_FIELDS},
            headers=practice.owner.headers,
        )

        await expect(response, 200)
        async with database.transaction(write=False) as session:
            booking = await session.get(Booking, practice.booking)
        assert booking is not None
        assert (booking.user_id, booking.schedule_id) == (practice.owner.id, practice.free_slot)
        assert (booking.status, booking.payment_status) == ("scheduled", "pending")
        assert booking.amount_cents == settings.session_price_cents


class TestAppointmentCreate:
    async def test_status_owner_schedule_and_room_are_the_practices(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await add_client(database, settings, 7)
        body = appointment_body(
            email="stranger@example.com",
            status="scheduled",
            user_id=1,
            scheduled_datetime="2026-03-03T14:00:00Z",
            scheduled_duration=240,
            jitsi_room_id="attune-chosen-by-the-client",
            room_id="attune-chosen-by-the-client",
            email_hash="0" * 64,
        )

        response = await client.post("/api/meetings/appointments/create", json=body)

        request_id = (await expect(response, 201))["id"]
        async with database.transaction(write=False) as session:
            stored = await session.get(AppointmentRequest, request_id)
        assert stored is not None
        assert stored.status == "pending_review"
        assert stored.user_id is None
        assert stored.scheduled_at is None
        assert stored.room_id is None
        assert stored.email_hash != "0" * 64


class TestPayment:
    @pytest.mark.parametrize(
        ("field", "status"),
        [
            ({"status": "succeeded"}, 201),
            ({"payment_status": "succeeded"}, 201),
            ({"amount_cents": 1}, 201),
            ({"user_id": 2}, 201),
            ({"amount": 1}, 400),
            ({"currency": "jpy"}, 400),
        ],
        ids=lambda value: next(iter(value)) if isinstance(value, dict) else str(value),
    )
    async def test_the_price_and_the_outcome_are_not_the_clients(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        field: dict[str, Any],
        status: int,
    ) -> None:
        ada = await add_client(database, settings, 1)
        await add_client(database, settings, 2)
        slot = await add_slot(database, NOW.replace(day=5))
        booking_id = (
            await expect(
                await client.post("/api/bookings", json={"schedule_id": slot}, headers=ada.headers),
                201,
            )
        )["booking"]["id"]

        response = await client.post(
            "/api/payments/intent", json={"booking_id": booking_id, **field}, headers=ada.headers
        )

        assert response.status_code == status, response.text
        async with database.transaction(write=False) as session:
            booking = await session.get(Booking, booking_id)
            payments = list(await session.scalars(select(Payment)))
        assert booking is not None
        assert booking.payment_status == "pending"
        assert all(
            (payment.amount_cents, payment.user_id, payment.status)
            == (settings.session_price_cents, ada.id, "requires_payment_method")
            for payment in payments
        )
        assert len(payments) == (1 if status == 201 else 0)


class TestSlotCreate:
    async def test_seats_taken_cannot_be_set(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)

        response = await client.post(
            "/api/admin/schedules",
            json={
                "start_time": "2026-03-10T09:00:00Z",
                "end_time": "2026-03-10T10:00:00Z",
                "max_bookings": 2,
                "booked_count": 2,
            },
            headers=practice.admin.headers,
        )

        await expect(response, 201)
        async with database.transaction(write=False) as session:
            seats = await session.scalar(
                select(Schedule.booked_count).where(Schedule.max_bookings == 2)
            )
        assert seats == 0


class TestAccountUpdateByTheTherapist:
    @pytest.mark.parametrize(
        "field",
        [{"email": "other@example.com"}, {"password_hash": "x"}, {"email_verified_at": None}],
        ids=lambda field: next(iter(field)),
    )
    async def test_only_the_admin_right_and_activity_can_be_set(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        field: dict[str, Any],
    ) -> None:
        practice = await open_practice(client, database, settings)
        before = await user_row(database, practice.other.id)

        response = await client.put(
            f"/api/admin/users/{practice.other.id}",
            json={"is_active": True, **field},
            headers=practice.admin.headers,
        )

        assert response.status_code == 400
        assert await user_row(database, practice.other.id) == before


SECRET_COLUMN_SUFFIXES = ("_hash", "_encrypted")


async def stored_secrets(database: Database) -> set[str]:
    """Every hash, blind index and ciphertext the database holds."""
    found: set[str] = set()
    async with database.transaction(write=False) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name.endswith(SECRET_COLUMN_SUFFIXES)]
            for column in columns:
                found |= {value for value in await session.scalars(select(column)) if value}
    return found


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


async def everything_shown(client: httpx.AsyncClient, practice: Practice) -> list[httpx.Response]:
    owner, admin = practice.owner.headers, practice.admin.headers
    reads = [
        ("/api/auth/profile", owner),
        ("/api/bookings", owner),
        (f"/api/bookings/{practice.booking}", owner),
        (f"/api/bookings/{practice.booking}/meeting", owner),
        ("/api/meetings/user/appointments", owner),
        (f"/api/meetings/appointments/{practice.request}", owner),
        (f"/api/meetings/appointments/{practice.request}/jitsi-meeting", owner),
        ("/api/admin/dashboard", admin),
        ("/api/admin/users", admin),
        (f"/api/admin/users/{practice.owner.id}", admin),
        ("/api/admin/bookings", admin),
        (f"/api/admin/bookings/{practice.booking}", admin),
        ("/api/meetings/appointments", admin),
        ("/api/meetings/appointments/stats", admin),
        ("/api/admin/schedules", admin),
    ]
    responses = [await client.get(path, headers=headers) for path, headers in reads]
    responses.append(
        await client.post(
            "/api/auth/login", json={"email": practice.owner.email, "password": PASSWORD}
        )
    )
    responses.append(
        await client.post(
            "/api/auth/register", json={**REGISTRATION, "password2": REGISTRATION["password"]}
        )
    )
    responses.append(
        await client.post(
            "/api/payments/confirm",
            json={"payment_intent_id": practice.intent},
            headers=owner,
        )
    )
    return responses


class TestExposure:
    async def test_no_answer_carries_a_hash_a_ciphertext_or_a_password(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)

        responses = await everything_shown(client, practice)

        secrets = await stored_secrets(database)
        assert secrets, "the practice should hold hashes and ciphertexts to look for"
        for response in responses:
            assert response.status_code < 300, f"{response.request.url}: {response.text}"
            for secret in secrets:
                assert secret not in response.text, f"{response.request.url} shows a secret"
            assert PASSWORD not in response.text
            assert REGISTRATION["password"] not in response.text
            leaked = {
                key
                for key in keys_of(response.json())
                if key.endswith(SECRET_COLUMN_SUFFIXES) or "password" in key or "secret" in key
            }
            assert leaked == set(), f"{response.request.url} has {leaked}"

    async def test_a_client_secret_goes_to_the_payer_only(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)
        paid = await client.post(
            "/api/payments/intent",
            json={"booking_id": practice.booking},
            headers=practice.owner.headers,
        )
        client_secret = (await expect(paid, 201))["client_secret"]

        responses = await everything_shown(client, practice)
        others = await client.post(
            "/api/payments/intent",
            json={"booking_id": practice.booking},
            headers=practice.other.headers,
        )

        assert client_secret
        assert others.status_code == 404
        assert all(client_secret not in response.text for response in [*responses, others])
