"""Every route on which an admin can see someone else's booking, appointment request or account
leaves an audit entry, whichever front door it is: the admin's own routes or the client's,
which answer an admin for any booking and request.

`AUDITED` names each such route with how to call it; `NOT_READS` names every other read (GET)
and every other route that takes a booking, request or user id, with the reason it shows an
admin nothing of another's. A route added later that is in neither fails
`test_every_read_and_every_route_with_someone_s_id_is_covered`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.requests.builders import NOW, STARTS_AT, ask, schedule
from tests.security.routes import endpoints
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

REQUEST = "/api/meetings/appointments/{request_id:uuid}"
ID_PARAMETERS = ("{booking_id}", "{user_id}", "{request_id")
OWN = "the caller's own records only, an admin's too"
NOTHING_PERSONAL = "nothing of any client"
COUNTS = "counts and sums, no client's record"
MAILED_LINK = "no actor, only the mailed key: the room or when it opens, no client's field"
NOT_READS = {
    ("POST", REQUEST + "/withdraw"): "only the person who asked; an admin is refused (403)",
    ("POST", REQUEST + "/claim"): "only for the verified owner of the request's address",
    ("GET", "/api/bookings/{booking_id}/join"): MAILED_LINK,
    ("GET", REQUEST + "/join"): MAILED_LINK,
    ("GET", "/health"): NOTHING_PERSONAL,
    ("GET", "/health/detailed"): NOTHING_PERSONAL,
    ("GET", "/metrics"): COUNTS,
    ("GET", "/api"): NOTHING_PERSONAL,
    ("GET", "/api/auth/profile"): OWN,
    ("GET", "/api/bookings"): OWN,
    ("GET", "/api/meetings/user/appointments"): OWN,
    ("GET", "/api/schedules"): "slots and their free seats, no client",
    ("GET", "/api/therapists"): "the therapists' public profiles, no client",
    ("GET", "/api/services"): "the practice's services, no client",
    ("GET", "/api/admin/therapists"): "the practice's own people, no client",
    ("GET", "/api/admin/services"): "the practice's services, no client",
    ("GET", "/api/admin/schedules"): "slots and their free seats, no client",
    ("GET", "/api/meetings/appointments/available-dates"): NOTHING_PERSONAL,
    ("GET", "/api/meetings/admin/availability"): NOTHING_PERSONAL,
    ("GET", "/api/meetings/appointments/stats"): COUNTS,
    ("GET", "/api/admin/dashboard"): COUNTS,
    ("GET", "/api/admin/reports/financial"): COUNTS,
    ("GET", "/api/admin/audit"): "who acted (admins) and record ids, never a client's field",
}


@dataclass(frozen=True)
class Practice:
    client: httpx.AsyncClient
    admin: Person
    ada: Person
    booking_id: int  # Ada's, paid, three days ahead
    free_slot_id: int  # as long as her booking, for a move
    request_id: str  # Ada's, scheduled
    pending_id: str  # Ada's, pending review

    async def call(self, method: str, path: str, body: object = None) -> httpx.Response:
        return await self.client.request(method, path, json=body, headers=self.admin.headers)


@dataclass(frozen=True)
class Read:
    """How an admin reads a record on one route, and the audit entry it must leave."""

    call: Callable[[Practice], Awaitable[httpx.Response]]
    action: str
    target_type: str
    target: Callable[[Practice], object]


def booking_read(method: str, suffix: str = "", body: object = None, **entry: str) -> Read:
    async def call(practice: Practice) -> httpx.Response:
        return await practice.call(method, f"/api/bookings/{practice.booking_id}{suffix}", body)

    return Read(call, entry.get("action", "booking.viewed"), "booking", lambda p: p.booking_id)


def admin_booking_read(
    suffix: str, method: str = "GET", body: object = None, *, action: str
) -> Read:
    async def call(practice: Practice) -> httpx.Response:
        return await practice.call(
            method, f"/api/admin/bookings/{practice.booking_id}{suffix}", body
        )

    return Read(call, action, "booking", lambda p: p.booking_id)


def request_read(suffix: str, method: str = "GET", body: object = None, **entry: Any) -> Read:
    pending = entry.get("pending", False)

    def target(practice: Practice) -> str:
        return practice.pending_id if pending else practice.request_id

    async def call(practice: Practice) -> httpx.Response:
        path = f"/api/meetings/appointments/{target(practice)}{suffix}"
        return await practice.call(method, path, body)

    return Read(
        call, entry.get("action", "appointment_request.viewed"), "appointment_request", target
    )


def user_read(method: str, body: object = None, *, action: str) -> Read:
    async def call(practice: Practice) -> httpx.Response:
        return await practice.call(method, f"/api/admin/users/{practice.ada.id}", body)

    return Read(call, action, "user", lambda p: p.ada.id)


def listed(path: str, action: str, target_type: str, target: Callable[[Practice], object]) -> Read:
    async def call(practice: Practice) -> httpx.Response:
        return await practice.call("GET", path)

    return Read(call, action, target_type, target)


async def move(practice: Practice, path: str) -> httpx.Response:
    return await practice.call("PUT", path, {"new_schedule_id": practice.free_slot_id})


def moved(prefix: str) -> Read:
    async def call(practice: Practice) -> httpx.Response:
        return await move(practice, f"{prefix}/{practice.booking_id}/reschedule")

    return Read(call, "booking.rescheduled", "booking", lambda p: p.booking_id)


LATER = (STARTS_AT + timedelta(days=1)).isoformat()
AUDITED: dict[tuple[str, str], Read] = {
    # The client's routes, which answer an admin for anyone's booking.
    ("GET", "/api/bookings/{booking_id}"): booking_read("GET"),
    ("GET", "/api/bookings/{booking_id}/meeting"): booking_read("GET", "/meeting"),
    ("PUT", "/api/bookings/{booking_id}/cancel"): booking_read(
        "PUT", "/cancel", action="booking.cancelled"
    ),
    ("PUT", "/api/bookings/{booking_id}/reschedule"): moved("/api/bookings"),
    # The admin's routes.
    ("GET", "/api/admin/users"): listed(
        "/api/admin/users", "user.viewed", "user", lambda p: p.ada.id
    ),
    ("GET", "/api/admin/users/{user_id}"): user_read("GET", action="user.viewed"),
    ("PUT", "/api/admin/users/{user_id}"): user_read(
        "PUT", {"is_admin": False}, action="user.changed"
    ),
    ("GET", "/api/admin/bookings"): listed(
        "/api/admin/bookings", "booking.viewed", "booking", lambda p: p.booking_id
    ),
    ("GET", "/api/admin/bookings/{booking_id}"): admin_booking_read("", action="booking.viewed"),
    ("PUT", "/api/admin/bookings/{booking_id}/cancel"): admin_booking_read(
        "/cancel", "PUT", action="booking.cancelled"
    ),
    ("PUT", "/api/admin/bookings/{booking_id}/reschedule"): moved("/api/admin/bookings"),
    ("PUT", "/api/admin/bookings/{booking_id}/status"): admin_booking_read(
        "/status", "PUT", {"status": "completed"}, action="booking.outcome_recorded"
    ),
    ("POST", "/api/admin/bookings/{booking_id}/refund"): admin_booking_read(
        "/refund", "POST", {"amount_cents": 1000}, action="booking.refunded"
    ),
    # Appointment requests.
    ("GET", "/api/meetings/appointments"): listed(
        "/api/meetings/appointments",
        "appointment_request.viewed",
        "appointment_request",
        lambda p: p.request_id,
    ),
    ("GET", REQUEST): request_read(""),
    ("GET", REQUEST + "/jitsi-meeting"): request_read("/jitsi-meeting"),
    ("POST", REQUEST + "/schedule"): request_read(
        "/schedule",
        "POST",
        {"scheduled_datetime": LATER},
        pending=True,
        action="appointment_request.scheduled",
    ),
    ("POST", REQUEST + "/reschedule"): request_read(
        "/reschedule",
        "POST",
        {"scheduled_datetime": LATER},
        action="appointment_request.rescheduled",
    ),
    ("POST", REQUEST + "/reject"): request_read(
        "/reject", "POST", pending=True, action="appointment_request.rejected"
    ),
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def practice(
    client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
) -> Practice:
    admin = await add_admin(database, settings)
    ada = await add_client(database, settings, 1)
    starts_at = NOW + timedelta(days=3)
    booking_id = await book(database, settings, ada, starts_at, booked_at=NOW)
    await record_paid(database, booking_id)
    free_slot_id = await add_slot(database, starts_at + timedelta(hours=2))
    request_id = (await ask(client, ada))["id"]
    assert (await schedule(client, admin, request_id)).status_code == 200
    pending_id = (await ask(client, ada))["id"]
    return Practice(client, admin, ada, booking_id, free_slot_id, request_id, pending_id)


async def audit_entries(practice: Practice) -> list[dict[str, Any]]:
    response = await practice.call("GET", "/api/admin/audit?limit=200")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def test_every_read_and_every_route_with_someone_s_id_is_covered(app: FastAPI) -> None:
    covered = {
        endpoint.key
        for endpoint in endpoints(app)
        if endpoint.method == "GET"
        or any(parameter in endpoint.path for parameter in ID_PARAMETERS)
    }

    assert covered == set(AUDITED) | set(NOT_READS)


@pytest.mark.parametrize("route", AUDITED, ids=" ".join)
async def test_an_admin_reading_another_s_record_is_audited(
    practice: Practice, clock: FrozenClock, route: tuple[str, str]
) -> None:
    read = AUDITED[route]
    if route[1].endswith("/status"):
        clock.advance(timedelta(days=3, minutes=5))  # an outcome needs the session begun
    before = await audit_entries(practice)

    response = await read.call(practice)

    assert response.status_code in (200, 201), response.text
    new = (await audit_entries(practice))[: -len(before) or None]
    assert {
        (entry["action"], entry["target_type"], entry["target_id"], entry["actor_id"])
        for entry in new
    } >= {(read.action, read.target_type, str(read.target(practice)), practice.admin.id)}


async def test_a_client_reading_their_own_booking_is_not_audited(practice: Practice) -> None:
    before = await audit_entries(practice)

    for path in (
        f"/api/bookings/{practice.booking_id}",
        f"/api/bookings/{practice.booking_id}/meeting",
    ):
        response = await practice.client.get(path, headers=practice.ada.headers)
        assert response.status_code == 200, response.text

    assert await audit_entries(practice) == before
