"""`POST /api/meetings/appointments/create` (seed 003): who a request is linked to, the mail it
sends, and every refusal (30 days ahead on the practice's weekdays: docs/decisions.md,
"Appointment requests and availability")."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.models import WeeklyAvailability
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import run_jobs
from tests.requests.builders import (
    LAST_DATE,
    NOW,
    SATURDAY,
    TODAY,
    TUESDAY,
    ask,
    request_body,
)
from tests.support.mailbox import Mailbox, text_body
from tests.support.people import add_admin, add_client, add_person

CREATE = "/api/meetings/appointments/create"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def all_requests(client: httpx.AsyncClient, database: Database, settings: Settings) -> Any:
    admin = await add_person(database, settings, email="auditor@example.com", admin=True)
    response = await client.get("/api/meetings/appointments", headers=admin.headers)
    assert response.status_code == 200
    return response.json()


class TestAsking:
    async def test_anyone_may_ask_and_the_request_awaits_review(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await ask(client)

        assert uuid.UUID(body["id"]).version == 4
        assert body["status"] == "pending_review"
        assert (body["first_name"], body["last_name"]) == ("John", "Doe")
        assert (body["email"], body["phone"]) == ("john@example.com", "+1234567890")
        assert body["reason"] == "Initial consultation for anxiety"
        assert body["preferred_dates"] == ["2025-03-04", "2025-03-05"]
        assert body["preferred_time_slots"] == ["morning", "afternoon"]
        assert body["user_id"] is None

    async def test_a_new_request_has_no_meeting(self, client: httpx.AsyncClient) -> None:
        body = await ask(client)

        assert body["has_jitsi_meeting"] is False
        assert (body["jitsi_meet_url"], body["jitsi_room_id"]) == (None, None)
        assert body["can_join_meeting"] is False
        assert body["meeting_status"] == "pending"
        assert body["scheduled_datetime"] is None

    async def test_the_path_answers_with_a_trailing_slash(self, client: httpx.AsyncClient) -> None:
        response = await client.post(CREATE + "/", json=request_body())

        assert response.status_code == 201

    async def test_is_linked_to_the_signed_in_caller(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        body = await ask(client, ada, email="  CLIENT1@Example.com ")

        assert body["user_id"] == ada.id
        assert body["email"] == "client1@example.com"

    async def test_is_not_linked_to_the_account_with_that_email(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await add_client(database, settings)

        body = await ask(client, email="client1@example.com")

        assert body["user_id"] is None

    async def test_a_bad_token_is_refused_rather_than_ignored(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            CREATE, json=request_body(), headers={"Authorization": "Bearer not-a-token"}
        )

        assert response.status_code == 401

    async def test_today_and_the_29th_day_after_it_are_accepted(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await ask(client, preferred_dates=[LAST_DATE.isoformat(), TODAY.isoformat()])

        assert body["preferred_dates"] == [TODAY.isoformat(), LAST_DATE.isoformat()]

    async def test_the_practices_weekdays_decide(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            session.add(WeeklyAvailability(id=1, available_days=[5]))

        body = await ask(client, preferred_dates=[SATURDAY.isoformat()])

        assert body["preferred_dates"] == [SATURDAY.isoformat()]


class TestMail:
    async def test_the_requester_gets_an_acknowledgement(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        body = await ask(client)
        await run_jobs(app)

        [message] = mailbox.to("john@example.com")
        text = text_body(message)
        assert "received your appointment request" in message["Subject"]
        assert "Hello John" in text
        assert "Tuesday 4 March 2025" in text
        assert "morning (09:00–12:00)" in text
        assert body["id"] in text

    async def test_each_admin_gets_a_notice_with_the_name_only(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        await add_admin(database, settings)
        await add_person(database, settings, email="second@example.com", admin=True)

        await ask(client)
        await run_jobs(app)

        for address in ("therapist@example.com", "second@example.com"):
            [message] = mailbox.to(address)
            text = text_body(message)
            assert message["Subject"] == "New appointment request"
            assert "john@example.com" not in text
            assert "+1234567890" not in text
            assert "anxiety" not in text


INVALID_BODIES: dict[str, dict[str, Any]] = {
    "no dates": {"preferred_dates": []},
    "a repeated date": {"preferred_dates": ["2025-03-04", "2025-03-04"]},
    "too many dates": {"preferred_dates": [f"2025-03-{day:02d}" for day in range(4, 15)]},
    "a past date": {"preferred_dates": ["2025-03-02"]},
    "a date beyond 30 days": {"preferred_dates": ["2025-04-02"]},
    "an unavailable weekday": {"preferred_dates": [SATURDAY.isoformat()]},
    "a date that is not a date": {"preferred_dates": ["2025-02-30"]},
    "a number for a date": {"preferred_dates": [1741046400]},
    "no time slots": {"preferred_time_slots": []},
    "an unknown time slot": {"preferred_time_slots": ["night"]},
    "a repeated time slot": {"preferred_time_slots": ["morning", "morning"]},
    "a bad e-mail": {"email": "john@"},
    "no first name": {"first_name": ""},
    "an overlong reason": {"reason": "x" * 2001},
    "a bad phone": {"phone": "call me"},
}
MESSAGES = {
    "a past date": "2025-03-02 is in the past",
    "a date beyond 30 days": "2025-04-02 is too far ahead (the last date is 2025-04-01)",
    "an unavailable weekday": "2025-03-08 is a Saturday, when the practice takes no appointments",
    "an unknown time slot": "'morning', 'afternoon' or 'evening'",
    "a repeated date": "must not name the same value twice",
    "a bad e-mail": "is not a valid e-mail address",
}


class TestRefusals:
    @pytest.mark.parametrize("case", INVALID_BODIES)
    async def test_is_a_400_that_stores_and_sends_nothing(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        case: str,
    ) -> None:
        response = await client.post(CREATE, json=request_body(**INVALID_BODIES[case]))
        await run_jobs(app)

        assert response.status_code == 400
        assert response.json()["details"]
        assert await all_requests(client, database, settings) == []
        assert mailbox.messages == []

    @pytest.mark.parametrize("case", MESSAGES)
    async def test_says_what_is_wrong(self, client: httpx.AsyncClient, case: str) -> None:
        response = await client.post(CREATE, json=request_body(**INVALID_BODIES[case]))

        assert MESSAGES[case] in response.json()["details"]

    @pytest.mark.parametrize("field", ["first_name", "last_name", "email", "preferred_dates"])
    async def test_a_missing_required_field(self, client: httpx.AsyncClient, field: str) -> None:
        body = request_body()
        del body[field]

        response = await client.post(CREATE, json=body)

        assert response.status_code == 400
        assert response.json()["details"] == f"{field.replace('_', ' ').capitalize()} is required"

    async def test_every_bad_date_is_named(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            CREATE,
            json=request_body(preferred_dates=["2025-03-02", TUESDAY.isoformat(), "2025-03-08"]),
        )

        details = response.json()["details"]
        assert "2025-03-02 is in the past" in details
        assert "2025-03-08 is a Saturday" in details
        assert "2025-03-04" not in details

    async def test_a_bad_date_names_the_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post(CREATE, json=request_body(preferred_dates=["2025-03-02"]))

        [named] = response.json()["fields"]
        assert named["field"] == "preferred_dates"
        assert "2025-03-02 is in the past" in named["message"]
