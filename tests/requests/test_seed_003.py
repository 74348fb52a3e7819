"""Seed 003's own documents followed step by step, as a client written against it would: its
`quick_start`, `authentication_flows` and `appointment_workflows`, every path with the seed's
trailing slash, every body in the seed's field names, and every mail read from the SMTP server.

The seed's examples are dated January 2024; the frozen day here is Monday 3 March 2025, so the
dates and times in the bodies are moved into the practice's next 30 days. Where Attune departs
from the seed on purpose (docs/decisions.md), the test says so.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.video.join_links import appointment_join_link
from tests.conftest import run_jobs
from tests.requests.builders import ENDS_AT, NOW, STARTS_AT, TODAY
from tests.support.mailbox import Mailbox, otp_from, session_time, text_body
from tests.support.people import PASSWORD, Person, add_admin, add_person

SEED_REGISTRATION = {
    "email": "user@example.com",
    "first_name": "John",
    "last_name": "Doe",
    "phone_number": "+1234567890",
    "password": "SecurePassword123",
    "password2": "SecurePassword123",
}
SEED_AVAILABILITY = {"available_days": [0, 1, 2, 3, 4]}
SEED_SCHEDULE = {"scheduled_datetime": "2025-03-04T10:00:00Z", "scheduled_duration": 60}
SEED_REJECTION = {"rejection_reason": "No availability for preferred dates"}
SEED_QUICK_START_FOR_USERS = [
    "1. Register: POST /api/auth/register/",
    "2. Verify email: POST /api/auth/verify-otp/",
    "3. Login: POST /api/auth/login/",
    "4. Check availability: GET /api/meetings/appointments/available-dates/",
    "5. Book appointment: POST /api/meetings/appointments/create/",
]
QUICK_START_PATHS = [
    "/api/auth/register/",
    "/api/auth/verify-otp/",
    "/api/auth/login/",
    "/api/meetings/appointments/available-dates/",
    "/api/meetings/appointments/create/",
]
SEED_CLIENT_BOOKING_FLOW = [
    "1. GET /api/meetings/appointments/available-dates/ - Check available dates",
    "2. POST /api/meetings/appointments/create/ - Submit appointment request",
    "3. GET /api/meetings/user/appointments/ - Track request status",
    "4. Receive email notification when scheduled/rejected",
]
SEED_ADMIN_MANAGEMENT_FLOW = [
    "1. PUT /api/meetings/admin/availability/ - Set weekly availability",
    "2. GET /api/meetings/appointments/ - Review pending requests",
    "3. POST /api/meetings/appointments/{id}/schedule/ - Schedule appointment OR",
    "4. POST /api/meetings/appointments/{id}/reject/ - Reject with reason",
    "5. GET /api/meetings/appointments/stats/ - Monitor performance",
]

# The seed's appointment fields (its model and `list_appointments.response_fields`) and types.
APPOINTMENT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "first_name": str,
    "last_name": str,
    "email": str,
    "phone": (str, type(None)),
    "reason": (str, type(None)),
    "preferred_dates": list,
    "preferred_time_slots": list,
    "status": str,
    "scheduled_datetime": (str, type(None)),
    "scheduled_duration": (int, type(None)),
    "rejection_reason": (str, type(None)),
    "jitsi_meet_url": (str, type(None)),
    "jitsi_room_id": (str, type(None)),
    "has_jitsi_meeting": bool,
    "can_join_meeting": bool,
    "meeting_status": str,
}
MEETING_FIELDS: dict[str, type | tuple[type, ...]] = {
    # Null outside the join window (docs/decisions.md, "The meeting link").
    "meeting_url": (str, type(None)),
    "room_id": (str, type(None)),
    "scheduled_time": str,
    "duration": str,
    "can_join": bool,
    "meeting_status": str,
    "join_instructions": str,
}
STATS_FIELDS: dict[str, type | tuple[type, ...]] = {
    "total_requests": int,
    "pending_review": int,
    "scheduled": int,
    "rejected": int,
    "completion_rate": (int, float),
}
AVAILABILITY_FIELDS: dict[str, type | tuple[type, ...]] = {
    "available_days": list,
    "available_days_display": list,
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


def assert_fields(body: dict[str, Any], fields: dict[str, type | tuple[type, ...]]) -> None:
    """Every documented field is there, with its documented type."""
    assert body.keys() >= fields.keys(), fields.keys() - body.keys()
    for name, kind in fields.items():
        assert isinstance(body[name], kind), (name, body[name])


def everything_in(message: EmailMessage) -> str:
    """The subject and every text part (plain and HTML) of a mail."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            parts.append(part.get_content())
    return "\n".join(parts)


def calendar_of(message: EmailMessage) -> tuple[EmailMessage, Any, Any]:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    invitation = Calendar.from_ical(part.get_content())
    [event] = invitation.walk("VEVENT")
    return part, invitation, event


async def mail_to(app: FastAPI, mailbox: Mailbox, address: str, count: int) -> EmailMessage:
    """Run the outbox as the worker would; the newest of `count` mails to `address`."""
    await run_jobs(app)
    messages = await mailbox.wait_for(address, count=count)
    assert len(messages) == count, [str(m["Subject"]) for m in messages]
    return messages[-1]


async def signed_up(
    client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, **changes: str
) -> Tokens:
    """The seed's registration flow: register, verify with the mailed OTP, log in."""
    body = {**SEED_REGISTRATION, **changes}
    registered = await client.post("/api/auth/register/", json=body)
    assert registered.status_code == 201, registered.text
    code = otp_from(await mail_to(app, mailbox, body["email"], 1))
    verified = await client.post(
        "/api/auth/verify-otp/", json={"email": body["email"], "otp": code}
    )
    assert verified.status_code == 200, verified.text
    return await logged_in(client, body["email"], body["password"])


async def logged_in(client: httpx.AsyncClient, email: str, password: str) -> Tokens:
    response = await client.post("/api/auth/login/", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["access"], str)
    assert isinstance(body["refresh"], str)
    return Tokens(body["access"], body["refresh"])


async def refreshed(client: httpx.AsyncClient, tokens: Tokens) -> Tokens:
    response = await client.post("/api/auth/token/refresh/", json={"refresh": tokens.refresh})
    assert response.status_code == 200, response.text
    body = response.json()
    return Tokens(body["access"], body["refresh"])


def appointment_body(email: str, dates: list[str], **changes: Any) -> dict[str, Any]:
    """The seed's `create_appointment.example_request`, with dates the practice offers."""
    body: dict[str, Any] = {
        "first_name": "John",
        "last_name": "Doe",
        "email": email,
        "phone": "+1234567890",
        "reason": "Initial consultation for anxiety",
        "preferred_dates": dates,
        "preferred_time_slots": ["morning", "afternoon"],
    }
    body.update(changes)
    return body


async def available_dates(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/api/meetings/appointments/available-dates/")
    assert response.status_code == 200, response.text
    dates: list[str] = response.json()
    assert all(isinstance(day, str) and ISO_DATE.match(day) for day in dates), dates
    return dates


async def submitted(
    client: httpx.AsyncClient, body: dict[str, Any], tokens: Tokens | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/meetings/appointments/create/",
        json=body,
        headers=tokens.headers if tokens is not None else {},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert_fields(created, APPOINTMENT_FIELDS)
    assert created["status"] == "pending_review"
    return created


async def own_requests(client: httpx.AsyncClient, tokens: Tokens) -> list[dict[str, Any]]:
    response = await client.get("/api/meetings/user/appointments/", headers=tokens.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    for item in items:
        assert_fields(item, APPOINTMENT_FIELDS)
    return items


async def stats(client: httpx.AsyncClient, admin: Person) -> dict[str, Any]:
    response = await client.get("/api/meetings/appointments/stats/", headers=admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_fields(body, STATS_FIELDS)
    return body


async def jitsi_meeting(
    client: httpx.AsyncClient, request_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.get(
        f"/api/meetings/appointments/{request_id}/jitsi-meeting/", headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_fields(body, MEETING_FIELDS)
    return body


class TestQuickStartForUsers:
    async def test_the_catalogue_lists_the_seed_s_steps(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/")

        assert response.status_code == 200
        body = response.json()
        assert body["quick_start"]["for_users"] == SEED_QUICK_START_FOR_USERS
        workflows = body["appointment_workflows"]
        assert workflows["client_booking_flow"] == SEED_CLIENT_BOOKING_FLOW
        assert workflows["admin_management_flow"] == SEED_ADMIN_MANAGEMENT_FLOW

    async def test_register_verify_log_in_check_dates_and_book(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        catalogue = (await client.get("/api/")).json()
        auth = catalogue["endpoints"]["authentication"]["endpoints"]
        meetings = catalogue["endpoints"]["appointments"]["endpoints"]
        steps = [auth[name]["url"] for name in ("register", "verify_otp", "login")] + [
            meetings[name]["url"] for name in ("available_dates", "create_appointment")
        ]
        # Without ATTUNE_PUBLIC_URL the catalogue's URLs are paths, resolved against this host.
        assert steps == QUICK_START_PATHS

        # 1. Register: POST /api/auth/register/, the seed's example as printed.
        registered = await client.post(auth["register"]["url"], json=SEED_REGISTRATION)
        assert registered.status_code == 201, registered.text
        user = registered.json()["user"]
        assert (user["email"], user["first_name"], user["last_name"]) == (
            "user@example.com",
            "John",
            "Doe",
        )
        assert user["phone"] == "+1234567890"
        assert "SecurePassword123" not in registered.text
        otp_mail = await mail_to(app, mailbox, "user@example.com", 1)
        assert otp_mail["Subject"] == "Your verification code"
        code = otp_from(otp_mail)
        # Unverified, the account cannot log in yet.
        early = await client.post(
            auth["login"]["url"],
            json={"email": "user@example.com", "password": "SecurePassword123"},
        )
        assert early.status_code == 403
        assert early.json()["error"] == "Email address not verified"

        # 2. Verify email: POST /api/auth/verify-otp/.
        verified = await client.post(
            auth["verify_otp"]["url"], json={"email": "user@example.com", "otp": code}
        )
        assert verified.status_code == 200, verified.text

        # 3. Login: POST /api/auth/login/, JWT access and refresh tokens.
        login = await client.post(
            auth["login"]["url"],
            json={"email": "user@example.com", "password": "SecurePassword123"},
        )
        assert login.status_code == 200, login.text
        tokens = Tokens(login.json()["access"], login.json()["refresh"])
        assert tokens.access.count(".") == 2
        assert tokens.refresh

        # 4. Check availability: public, the next 30 days on the default weekdays.
        response = await client.get(meetings["available_dates"]["url"])
        assert response.status_code == 200
        dates = response.json()
        assert all(isinstance(day, str) and ISO_DATE.match(day) for day in dates)
        days = [date.fromisoformat(day) for day in dates]
        assert days[0] == TODAY
        assert all(TODAY <= day < TODAY + timedelta(days=30) for day in days)
        assert {day.weekday() for day in days} == {0, 1, 2, 3, 4}

        # 5. Book appointment: POST /api/meetings/appointments/create/.
        booked = await client.post(
            meetings["create_appointment"]["url"],
            json=appointment_body("user@example.com", dates[1:3]),
            headers=tokens.headers,
        )
        assert booked.status_code == 201, booked.text
        request = booked.json()
        assert_fields(request, APPOINTMENT_FIELDS)
        assert str(uuid.UUID(request["id"])) == request["id"]
        assert request["status"] == "pending_review"
        assert request["user_id"] == user["id"]
        assert request["preferred_dates"] == dates[1:3]
        assert request["preferred_time_slots"] == ["morning", "afternoon"]
        assert (request["has_jitsi_meeting"], request["jitsi_meet_url"]) == (False, None)

        # The request is theirs: tracked in their own list, with its meeting fields.
        [mine] = await own_requests(client, tokens)
        assert mine["id"] == request["id"]
        assert (mine["can_join_meeting"], mine["meeting_status"]) == (False, "pending")
        acknowledgement = await mail_to(app, mailbox, "user@example.com", 2)
        assert acknowledgement["Subject"] == "We have received your appointment request"
        assert request["id"] in text_body(acknowledgement)

    async def test_an_expired_access_token_is_renewed_with_the_refresh_token(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        tokens = await signed_up(client, app, mailbox)
        clock.advance(timedelta(hours=24))

        expired = await client.get("/api/meetings/user/appointments/", headers=tokens.headers)
        renewed = await refreshed(client, tokens)

        assert expired.status_code == 401
        assert await own_requests(client, renewed) == []

    async def test_a_spent_refresh_token_ends_the_login(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        tokens = await signed_up(client, app, mailbox)
        renewed = await refreshed(client, tokens)

        replayed = await client.post("/api/auth/token/refresh/", json={"refresh": tokens.refresh})
        after = await client.get("/api/meetings/user/appointments/", headers=renewed.headers)

        # Refresh tokens rotate; one presented twice was copied, so its login ends
        # (docs/decisions.md, "Accounts").
        assert replayed.status_code == 401
        assert after.status_code == 401


class TestQuickStartForAdmins:
    async def test_log_in_set_availability_and_manage_appointments(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        # 1. The seed logs in to Django's /admin/; here the admin logs in to the API.
        await add_person(database, settings, email="admin@example.com", admin=True)
        admin = await logged_in(client, "admin@example.com", PASSWORD)

        # 2. Set availability: PUT /api/meetings/admin/availability/, the seed's example.
        put = await client.put(
            "/api/meetings/admin/availability/", json=SEED_AVAILABILITY, headers=admin.headers
        )
        read = await client.get("/api/meetings/admin/availability/", headers=admin.headers)
        patched = await client.patch(
            "/api/meetings/admin/availability/",
            json={"available_days": [0, 2, 4]},
            headers=admin.headers,
        )
        assert put.status_code == read.status_code == patched.status_code == 200
        assert_fields(put.json(), AVAILABILITY_FIELDS)
        assert put.json() == read.json()
        assert put.json()["available_days"] == [0, 1, 2, 3, 4]
        assert put.json()["available_days_display"] == WEEKDAY_NAMES[:5]
        assert patched.json()["available_days_display"] == ["Monday", "Wednesday", "Friday"]

        # 3. Manage appointments: GET /api/meetings/appointments/ shows every request.
        dates = await available_dates(client)
        asked = await submitted(client, appointment_body("john@example.com", dates[:1]))
        listed = await client.get("/api/meetings/appointments/", headers=admin.headers)
        assert listed.status_code == 200
        [item] = listed.json()
        assert_fields(item, APPOINTMENT_FIELDS)
        assert (item["id"], item["email"], item["phone"]) == (
            asked["id"],
            "john@example.com",
            "+1234567890",
        )

        # 4. Schedule or reject with the appointment's own endpoints.
        detail = await client.get(
            f"/api/meetings/appointments/{asked['id']}/", headers=admin.headers
        )
        scheduled = await client.post(
            f"/api/meetings/appointments/{asked['id']}/schedule/",
            json=SEED_SCHEDULE,
            headers=admin.headers,
        )
        assert detail.status_code == 200
        assert detail.json()["reason"] == "Initial consultation for anxiety"
        assert scheduled.status_code == 200, scheduled.text
        assert scheduled.json()["status"] == "scheduled"


class TestAuthenticationFlows:
    async def test_registration_with_a_resent_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        registered = await client.post("/api/auth/register/", json=SEED_REGISTRATION)
        assert registered.status_code == 201
        first = otp_from(await mail_to(app, mailbox, "user@example.com", 1))
        clock.advance(timedelta(minutes=1))  # past the resend cool-down

        resent = await client.post(
            "/api/auth/resend-otp/", json={"email": "user@example.com", "context": "registration"}
        )
        second = otp_from(await mail_to(app, mailbox, "user@example.com", 2))
        verified = await client.post(
            "/api/auth/verify-otp/", json={"email": "user@example.com", "otp": second}
        )

        assert resent.status_code == 200
        assert second != first
        assert verified.status_code == 200, verified.text
        await logged_in(client, "user@example.com", "SecurePassword123")

    async def test_password_reset(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await signed_up(client, app, mailbox)

        asked = await client.post("/api/auth/forgot-password/", json={"email": "user@example.com"})
        reset_mail = await mail_to(app, mailbox, "user@example.com", 2)
        code = otp_from(reset_mail)
        checked = await client.post(
            "/api/auth/verify-password-reset-otp/",
            json={"email": "user@example.com", "otp": code},
        )
        reset = await client.post(
            "/api/auth/reset-password/",
            json={
                "email": "user@example.com",
                "otp": code,
                "new_password": "NewSecurePassword123",
                "confirm_password": "NewSecurePassword123",
            },
        )
        old = await client.post(
            "/api/auth/login/",
            json={"email": "user@example.com", "password": "SecurePassword123"},
        )

        assert asked.status_code == checked.status_code == reset.status_code == 200
        assert reset_mail["Subject"] == "Your password reset code"
        assert old.status_code == 401
        await logged_in(client, "user@example.com", "NewSecurePassword123")


class TestClientBookingFlow:
    async def test_scheduled_then_joined_in_the_window(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        clock: FrozenClock,
        admin: Person,
        settings: Settings,
    ) -> None:
        john = await signed_up(client, app, mailbox, email="john@example.com")
        # 1-2. Check the dates, then ask for Tuesday and Wednesday.
        dates = await available_dates(client)
        asked = await submitted(client, appointment_body("john@example.com", dates[1:3]), john)
        # 3. Track the status: pending review, no meeting yet.
        [pending] = await own_requests(client, john)
        assert (pending["id"], pending["status"]) == (asked["id"], "pending_review")
        await mail_to(app, mailbox, "john@example.com", 2)  # the code, the acknowledgement

        scheduled = await client.post(
            f"/api/meetings/appointments/{asked['id']}/schedule/",
            json=SEED_SCHEDULE,
            headers=admin.headers,
        )

        assert scheduled.status_code == 200, scheduled.text
        body = scheduled.json()
        assert_fields(body, APPOINTMENT_FIELDS)
        assert body["has_jitsi_meeting"] is True
        assert body["jitsi_meet_url"] == f"https://meet.jit.si/{body['jitsi_room_id']}"
        assert (body["scheduled_datetime"], body["scheduled_duration"]) == (
            "2025-03-04T10:00:00Z",
            60,
        )
        assert body["rejection_reason"] is None
        # 4. The e-mail: the link, and an invitation for the calendar at the scheduled time.
        message = await mail_to(app, mailbox, "john@example.com", 3)
        assert message["To"].addresses[0].addr_spec == "john@example.com"
        assert message["Subject"] == "Your appointment is scheduled"
        assert session_time(message) == "Tuesday 4 March 2025 at 10:00"
        # The mail carries Attune's join link, which gives the room only in the join window.
        link = appointment_join_link(settings, asked["id"])
        assert link in text_body(message)
        part, invitation, event = calendar_of(message)
        assert part.get_param("method") == "REQUEST"
        assert invitation["method"] == "REQUEST"
        assert event["dtstart"].dt == STARTS_AT
        assert event["dtend"].dt == ENDS_AT
        assert str(event["location"]) == link
        assert "john@example.com" in str(event["attendee"])

        # The client sees the meeting in their list and in the request itself, its link
        # withheld until the join window opens.
        [tracked] = await own_requests(client, john)
        detail = await client.get(
            f"/api/meetings/appointments/{asked['id']}/", headers=john.headers
        )
        assert tracked["status"] == "scheduled"
        assert (tracked["jitsi_meet_url"], tracked["meeting_opens_at"]) == (
            None,
            "2025-03-04T09:50:00Z",
        )
        assert (tracked["can_join_meeting"], tracked["meeting_status"]) == (False, "scheduled")
        assert detail.status_code == 200
        assert detail.json()["jitsi_room_id"] is None

        before = await jitsi_meeting(client, asked["id"], john.headers)
        assert (before["can_join"], before["meeting_status"]) == (False, "scheduled")
        assert (before["meeting_url"], before["room_id"]) == (None, None)
        assert before["duration"] == "60 minutes"

        # Ten minutes before the start the room opens; a day has passed, so the client
        # renews the access token first.
        clock.at = STARTS_AT - timedelta(minutes=10)
        john = await refreshed(client, john)
        during = await jitsi_meeting(client, asked["id"], john.headers)
        therapist = await jitsi_meeting(client, asked["id"], admin.headers)
        [listed] = await own_requests(client, john)
        assert (during["can_join"], during["meeting_status"]) == (True, "active")
        assert (listed["can_join_meeting"], listed["meeting_status"]) == (True, "active")
        assert therapist["meeting_url"] == during["meeting_url"] == body["jitsi_meet_url"]
        assert listed["jitsi_meet_url"] == body["jitsi_meet_url"]

        # It closes 15 minutes after the end.
        clock.at = ENDS_AT + timedelta(minutes=15, seconds=1)
        after = await jitsi_meeting(client, asked["id"], john.headers)
        assert (after["can_join"], after["meeting_status"]) == (False, "completed")

    async def test_rejected_with_a_reason(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, admin: Person
    ) -> None:
        john = await signed_up(client, app, mailbox, email="john@example.com")
        dates = await available_dates(client)
        asked = await submitted(client, appointment_body("john@example.com", dates[1:3]), john)
        await mail_to(app, mailbox, "john@example.com", 2)

        rejected = await client.post(
            f"/api/meetings/appointments/{asked['id']}/reject/",
            json=SEED_REJECTION,
            headers=admin.headers,
        )

        assert rejected.status_code == 200, rejected.text
        body = rejected.json()
        assert body["status"] == "rejected"
        assert body["rejection_reason"] == SEED_REJECTION["rejection_reason"]
        assert (body["scheduled_datetime"], body["jitsi_meet_url"], body["jitsi_room_id"]) == (
            None,
            None,
            None,
        )
        assert body["has_jitsi_meeting"] is False
        message = await mail_to(app, mailbox, "john@example.com", 3)
        assert message["To"].addresses[0].addr_spec == "john@example.com"
        assert message["Subject"] == "Your appointment request could not be accepted"
        assert "Reason: No availability for preferred dates" in text_body(message)
        assert not list(message.iter_attachments())
        [tracked] = await own_requests(client, john)
        assert (tracked["status"], tracked["rejection_reason"]) == (
            "rejected",
            SEED_REJECTION["rejection_reason"],
        )
        meeting = await client.get(
            f"/api/meetings/appointments/{asked['id']}/jitsi-meeting/", headers=john.headers
        )
        assert meeting.status_code == 409
        assert meeting.json()["error"] == "This appointment request is not scheduled"


class TestAdminManagementFlow:
    async def test_availability_review_schedule_reject_and_stats(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        clock: FrozenClock,
        admin: Person,
    ) -> None:
        empty = await stats(client, admin)
        assert [empty[name] for name in STATS_FIELDS] == [0, 0, 0, 0, 0]

        # 1. Set weekly availability: Tuesdays and Thursdays only.
        week = await client.put(
            "/api/meetings/admin/availability/",
            json={"available_days": [1, 3]},
            headers=admin.headers,
        )
        assert week.status_code == 200
        assert week.json()["available_days_display"] == ["Tuesday", "Thursday"]
        dates = await available_dates(client)
        assert {date.fromisoformat(day).weekday() for day in dates} == {1, 3}
        # The seed's validation: preferred dates must be within the admin's available days.
        monday = (TODAY + timedelta(days=7)).isoformat()
        refused = await client.post(
            "/api/meetings/appointments/create/",
            json=appointment_body("john@example.com", [monday]),
        )
        assert refused.status_code == 400  # 400, not 422: docs/decisions.md, "Platform"
        assert refused.json()["error"] == "Invalid preferred dates"
        assert "a Monday" in refused.json()["details"]

        # Two requests from the public form: the seed's John, and Jane.
        johns = await submitted(client, appointment_body("john@example.com", dates[:2]))
        clock.advance(timedelta(minutes=5))
        janes = await submitted(
            client,
            appointment_body(
                "jane@example.com", dates[1:3], first_name="Jane", phone="+1987654321"
            ),
        )
        notice = await mail_to(app, mailbox, admin.email, 2)
        assert notice["Subject"] == "New appointment request"
        # The notice names the requester and nothing else of theirs (requests/mail.py).
        seen = everything_in(notice)
        assert janes["id"] in seen
        for private in ("jane@example.com", "+1987654321", "anxiety"):
            assert private not in seen

        # 2. Review the pending requests, newest first.
        pending = await client.get(
            "/api/meetings/appointments/",
            params={"status": "pending_review"},
            headers=admin.headers,
        )
        assert [item["id"] for item in pending.json()] == [janes["id"], johns["id"]]
        waiting = await stats(client, admin)
        assert (waiting["total_requests"], waiting["pending_review"]) == (2, 2)

        # 3. Schedule John's, or 4. reject Jane's.
        scheduled = await client.post(
            f"/api/meetings/appointments/{johns['id']}/schedule/",
            json=SEED_SCHEDULE,
            headers=admin.headers,
        )
        rejected = await client.post(
            f"/api/meetings/appointments/{janes['id']}/reject/",
            json=SEED_REJECTION,
            headers=admin.headers,
        )
        assert scheduled.status_code == rejected.status_code == 200
        # The lifecycle has no way back from either: both actions need `pending_review`.
        for request_id, action, body in (
            (johns["id"], "reject", SEED_REJECTION),
            (janes["id"], "schedule", SEED_SCHEDULE),
            (johns["id"], "schedule", SEED_SCHEDULE),
        ):
            again = await client.post(
                f"/api/meetings/appointments/{request_id}/{action}/",
                json=body,
                headers=admin.headers,
            )
            assert again.status_code == 409, (action, again.text)

        # 5. Monitor performance.
        assert await stats(client, admin) == {
            "total_requests": 2,
            "pending_review": 0,
            "scheduled": 1,
            "rejected": 1,
            "withdrawn": 0,
            "completion_rate": 50.0,
        }
        await mail_to(app, mailbox, "john@example.com", 2)  # acknowledgement, scheduled
        await mail_to(app, mailbox, "jane@example.com", 2)  # acknowledgement, rejected
