"""Targeted shapes at every query parameter and body field that takes a date, an instant, an
integer or a string: the edges of the calendar, dates and instants more than five years away,
NUL, huge numbers, floats where integers are expected and numbers where strings are expected.

Each is refused with a 400 naming the field, never answered 500. The same request without the
shape is sent first and is not refused as malformed, so each 400 is the shape's own doing.
Runs on PostgreSQL too (ATTUNE_TEST_DATABASE_URL), which refuses NUL in text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

FUTURE_BIRTH = "Date of birth cannot be in the future"
# A JSON number no float holds: sent as written, since json.dumps cannot write it.
HUGE_LITERAL = "1e400"


class Raw(str):
    """A value written into the JSON body as it is, unquoted."""


def far_day(years: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=years * 366)).isoformat()


def far_instant(years: int) -> str:
    instant = datetime.now(UTC) + timedelta(days=years * 366)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def date_shapes() -> list[Any]:
    return [
        "9999-12-31",
        "0001-01-01",
        far_day(6),
        far_day(-6),
        "2024-02-30",
        "0",
        0,
        0.5,
        1733011200,
        Raw(HUGE_LITERAL),
        "2027-01-01T00:00:00Z",
        "2027-01-01\x00",
        "",
    ]


def birth_date_shapes() -> list[Any]:
    """A birth date may be long past (six years ago is a child's), never before 1900."""
    return [shape for shape in date_shapes() if shape != far_day(-6)]


def instant_shapes() -> list[Any]:
    return [
        "9999-12-31T23:30:00Z",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00Z",
        far_instant(6),
        far_instant(-6),
        "2027-01-01T10:00:00",
        "2027-01-01",
        "0.5",
        0,
        0.5,
        1e20,
        Raw(HUGE_LITERAL),
        "2027-01-01T10:00:00Z\x00",
    ]


INT_SHAPES: list[Any] = [
    10**40,
    -(10**40),
    2**63,
    1.5,
    1.0,
    True,
    "1e3",
    "1\x00",
    Raw(HUGE_LITERAL),
    Raw("-" + HUGE_LITERAL),
]
TEXT_SHAPES: list[Any] = ["a\x00b", "\x00", "a\u202eb", 12345, 1e20, True]
# Query strings carry text only: what a client can put in one.
QUERY_INT_SHAPES = ["1" * 40, "-" + "1" * 40, "9223372036854775808", "1.5", "1.0", "1e3", "1\x00"]
QUERY_TEXT_SHAPES = ["a\x00b", "\x00"]


@dataclass
class Practice:
    admin: Person
    client: Person
    slot_id: int
    other_slot_id: int
    booking_id: int
    request_id: str
    scheduled_request_id: str


@dataclass(frozen=True)
class Target:
    """One parameter or field, and a request that is well formed without the shape."""

    method: str
    path: Callable[[Practice], str]
    caller: str  # "admin", "client" or "anonymous"
    where: str  # "query" or "body"
    name: str
    shapes: Callable[[], list[Any]]
    base: Callable[[Practice], dict[str, Any]] = field(default=lambda practice: {})
    # A rule of the service that refuses some shapes (400) once they are well formed.
    rule: str | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path_label} {self.where}:{self.name}"

    @property
    def path_label(self) -> str:
        return self.path(EXAMPLE).replace(EXAMPLE.request_id, "{id}")


EXAMPLE = Practice(
    admin=Person(0, "", "", True, ""),
    client=Person(0, "", "", False, ""),
    slot_id=1,
    other_slot_id=2,
    booking_id=1,
    request_id="7c9e6679-7425-40de-944b-e07fc1f90ae7",
    scheduled_request_id="7c9e6679-7425-40de-944b-e07fc1f90ae7",
)


def fixed(path: str) -> Callable[[Practice], str]:
    return lambda practice: path


def soon(days: int, hour: int = 10) -> str:
    instant = (datetime.now(UTC) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def today(days: int = 0) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def weekday_soon() -> str:
    day = datetime.now(UTC).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def appointment_body(practice: Practice) -> dict[str, Any]:
    return {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "preferred_dates": [weekday_soon()],
        "preferred_time_slots": ["morning"],
    }


def query_ints() -> list[Any]:
    return list(QUERY_INT_SHAPES)


def query_texts() -> list[Any]:
    return list(QUERY_TEXT_SHAPES)


def body_ints() -> list[Any]:
    return list(INT_SHAPES)


def body_texts() -> list[Any]:
    return list(TEXT_SHAPES)


def query_dates() -> list[Any]:
    return [str(shape) for shape in date_shapes() if not isinstance(shape, Raw)]


def query_instants() -> list[Any]:
    return [str(shape) for shape in instant_shapes() if not isinstance(shape, Raw)]


def in_list(shapes: Callable[[], list[Any]]) -> Callable[[], list[Any]]:
    return lambda: [[shape] for shape in shapes()]


SLOT = {"start_time": soon(40), "end_time": soon(40, 11)}
GENERATE = {
    "weekdays": [0],
    "start_time": "09:00",
    "end_time": "10:00",
    "start_date": today(60),
    "end_date": today(66),
}

TARGETS = [
    # Query parameters.
    Target(
        "GET",
        fixed("/api/schedules"),
        "anonymous",
        "query",
        "date",
        query_dates,
        lambda p: {"date": today()},
    ),
    *(
        Target("GET", fixed("/api/admin/schedules"), "admin", "query", name, query_dates)
        for name in ("from", "to")
    ),
    *(
        Target("GET", fixed("/api/admin/bookings"), "admin", "query", name, query_dates)
        for name in ("from", "to")
    ),
    *(
        Target("GET", fixed("/api/admin/bookings"), "admin", "query", name, query_ints)
        for name in ("user_id", "limit", "offset")
    ),
    *(
        Target("GET", fixed("/api/admin/users"), "admin", "query", name, query_ints)
        for name in ("limit", "offset")
    ),
    Target("GET", fixed("/api/admin/users"), "admin", "query", "search", query_texts),
    *(
        Target("GET", fixed("/api/admin/audit"), "admin", "query", name, query_instants)
        for name in ("since", "until")
    ),
    *(
        Target("GET", fixed("/api/admin/audit"), "admin", "query", name, query_ints)
        for name in ("actor_id", "limit", "offset")
    ),
    Target("GET", fixed("/api/admin/audit"), "admin", "query", "target_id", query_texts),
    *(
        Target(
            "GET",
            fixed("/api/admin/reports/financial"),
            "admin",
            "query",
            name,
            query_dates,
            lambda p: {"start_date": today(-7), "end_date": today()},
        )
        for name in ("start_date", "end_date")
    ),
    Target("GET", fixed("/api/meetings/appointments/"), "admin", "query", "email", query_texts),
    # Path parameters.
    Target(
        "GET", lambda p: f"/api/bookings/{p.booking_id}", "client", "path", "booking_id", query_ints
    ),
    # Bodies: slots.
    *(
        Target(
            "POST",
            fixed("/api/admin/schedules"),
            "admin",
            "body",
            name,
            instant_shapes,
            lambda p: dict(SLOT),
        )
        for name in ("start_time", "end_time")
    ),
    Target(
        "POST",
        fixed("/api/admin/schedules"),
        "admin",
        "body",
        "max_bookings",
        body_ints,
        lambda p: dict(SLOT),
    ),
    *(
        Target(
            "PUT",
            lambda p: f"/api/admin/schedules/{p.slot_id}",
            "admin",
            "body",
            name,
            instant_shapes,
            lambda p: {"is_available": True},
        )
        for name in ("start_time", "end_time")
    ),
    *(
        Target(
            "POST",
            fixed("/api/admin/schedules/generate"),
            "admin",
            "body",
            name,
            date_shapes,
            lambda p: dict(GENERATE),
        )
        for name in ("start_date", "end_date")
    ),
    *(
        Target(
            "POST",
            fixed("/api/admin/schedules/generate"),
            "admin",
            "body",
            name,
            body_ints,
            lambda p: dict(GENERATE),
        )
        for name in ("session_minutes", "break_minutes", "max_bookings")
    ),
    Target(
        "POST",
        fixed("/api/admin/schedules/generate"),
        "admin",
        "body",
        "weekdays",
        in_list(body_ints),
        lambda p: dict(GENERATE),
    ),
    # Bodies: bookings and the admin's handling of them.
    *(
        Target(
            "POST",
            fixed("/api/bookings"),
            "client",
            "body",
            name,
            body_ints,
            lambda p: {"schedule_id": p.other_slot_id},
        )
        for name in ("schedule_id", "duration")
    ),
    Target(
        "POST",
        fixed("/api/bookings"),
        "client",
        "body",
        "notes",
        body_texts,
        lambda p: {"schedule_id": p.other_slot_id},
    ),
    Target(
        "PUT",
        lambda p: f"/api/bookings/{p.booking_id}/reschedule",
        "client",
        "body",
        "new_schedule_id",
        body_ints,
        lambda p: {"new_schedule_id": p.other_slot_id},
    ),
    Target(
        "PUT",
        lambda p: f"/api/bookings/{p.booking_id}/cancel",
        "client",
        "body",
        "reason",
        body_texts,
        lambda p: {"reason": "x"},
    ),
    Target(
        "POST",
        lambda p: f"/api/admin/bookings/{p.booking_id}/refund",
        "admin",
        "body",
        "amount_cents",
        body_ints,
    ),
    Target(
        "PUT",
        lambda p: f"/api/admin/bookings/{p.booking_id}/cancel",
        "admin",
        "body",
        "reason",
        body_texts,
    ),
    # Bodies: payments.
    *(
        Target(
            "POST",
            fixed("/api/payments/intent"),
            "client",
            "body",
            name,
            body_ints,
            lambda p: {"booking_id": p.booking_id},
        )
        for name in ("booking_id", "amount")
    ),
    Target(
        "POST",
        fixed("/api/payments/confirm"),
        "client",
        "body",
        "payment_intent_id",
        body_texts,
        lambda p: {"payment_intent_id": "pi_unknown"},
    ),
    # Bodies: accounts.
    Target(
        "PUT",
        fixed("/api/auth/profile"),
        "client",
        "body",
        "date_of_birth",
        birth_date_shapes,
        rule=FUTURE_BIRTH,
    ),
    *(
        Target("PUT", fixed("/api/auth/profile"), "client", "body", name, body_texts)
        for name in ("first_name", "last_name", "phone", "location")
    ),
    Target(
        "POST",
        fixed("/api/auth/register"),
        "anonymous",
        "body",
        "date_of_birth",
        birth_date_shapes,
        lambda p: {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "password": "an uncommon passphrase",
        },
        rule=FUTURE_BIRTH,
    ),
    # Bodies: appointment requests.
    Target(
        "POST",
        fixed("/api/meetings/appointments/create"),
        "anonymous",
        "body",
        "preferred_dates",
        in_list(date_shapes),
        appointment_body,
    ),
    *(
        Target(
            "POST",
            fixed("/api/meetings/appointments/create"),
            "anonymous",
            "body",
            name,
            body_texts,
            appointment_body,
        )
        for name in ("first_name", "last_name", "email", "phone", "reason")
    ),
    Target(
        "POST",
        lambda p: f"/api/meetings/appointments/{p.request_id}/schedule",
        "admin",
        "body",
        "scheduled_datetime",
        instant_shapes,
        lambda p: {"scheduled_datetime": soon(3)},
    ),
    Target(
        "POST",
        lambda p: f"/api/meetings/appointments/{p.request_id}/schedule",
        "admin",
        "body",
        "scheduled_duration",
        body_ints,
        lambda p: {"scheduled_datetime": soon(3)},
    ),
    Target(
        "POST",
        lambda p: f"/api/meetings/appointments/{p.scheduled_request_id}/reschedule",
        "admin",
        "body",
        "scheduled_datetime",
        instant_shapes,
        lambda p: {"scheduled_datetime": soon(4)},
    ),
    Target(
        "POST",
        lambda p: f"/api/meetings/appointments/{p.request_id}/claim",
        "client",
        "body",
        "code",
        body_texts,
        lambda p: {"code": "not-the-code"},
    ),
    Target(
        "POST",
        lambda p: f"/api/meetings/appointments/{p.request_id}/reject",
        "admin",
        "body",
        "rejection_reason",
        body_texts,
    ),
]


@pytest.fixture
async def practice(client: httpx.AsyncClient, database: Database, settings: Settings) -> Practice:
    admin = await add_admin(database, settings)
    ada = await add_client(database, settings)
    starts_at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    slot_id = await add_slot(database, starts_at + timedelta(days=10))
    other_slot_id = await add_slot(database, starts_at + timedelta(days=11))
    booking_id = await book(database, settings, ada, starts_at + timedelta(days=12))
    pending, scheduled = [
        (
            await client.post("/api/meetings/appointments/create", json=appointment_body(EXAMPLE))
        ).json()["id"]
        for _ in range(2)
    ]
    answer = await client.post(
        f"/api/meetings/appointments/{scheduled}/schedule",
        json={"scheduled_datetime": soon(5)},
        headers=admin.headers,
    )
    assert answer.status_code == 200, answer.text
    return Practice(admin, ada, slot_id, other_slot_id, booking_id, pending, scheduled)


def headers_of(practice: Practice, caller: str) -> dict[str, str]:
    people = {"admin": practice.admin, "client": practice.client}
    return people[caller].headers if caller in people else {}


async def send(
    client: httpx.AsyncClient, practice: Practice, target: Target, shape: Any, *, shaped: bool
) -> httpx.Response:
    values = target.base(practice)
    headers = headers_of(practice, target.caller)
    path = target.path(practice)
    if target.where == "path":
        if shaped:
            path = path.replace(str(practice.booking_id), quote(str(shape), safe=""))
        return await client.request(target.method, path, headers=headers)
    if shaped:
        values[target.name] = shape
    if target.where == "query":
        return await client.request(target.method, path, params=values, headers=headers)
    return await client.request(
        target.method,
        path,
        content=json_with_raw(values),
        headers={**headers, "Content-Type": "application/json"},
    )


def json_with_raw(values: dict[str, Any]) -> str:
    """JSON, with each Raw value written as it is (a number json.dumps cannot write)."""
    raws: dict[str, str] = {}

    def placeholder(value: Any) -> Any:
        if isinstance(value, Raw):
            key = f"__raw_{len(raws)}__"
            raws[key] = str(value)
            return key
        if isinstance(value, list):
            return [placeholder(item) for item in value]
        return value

    text = json.dumps({name: placeholder(value) for name, value in values.items()})
    for key, raw in raws.items():
        text = text.replace(f'"{key}"', raw)
    return text


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.id)
async def test_out_of_range_input_is_a_400_naming_the_field(
    client: httpx.AsyncClient, practice: Practice, target: Target
) -> None:
    control = await send(client, practice, target, None, shaped=False)
    assert control.status_code != 400, control.text
    assert control.status_code < 500, control.text

    for shape in target.shapes():
        response = await send(client, practice, target, shape, shaped=True)

        assert response.status_code == 400, f"{shape!r}: {response.status_code} {response.text}"
        body = response.json()
        if body["error"] == target.rule:
            continue
        assert body["error"] == "Invalid request format", f"{shape!r}: {body}"
        named = {item["field"] for item in body.get("fields", [])}
        assert any(target.name in name for name in named), f"{shape!r}: {body}"
