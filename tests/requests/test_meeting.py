"""`GET /api/meetings/appointments/{id}/jitsi-meeting`: the join window at its edges (DESIGN.md
§3: from 10 minutes before the start to 15 minutes after the end), in seed 003's fields."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.requests.builders import (
    ENDS_AT,
    NOW,
    ROOM_URL_PREFIX,
    STARTS_AT,
    ask,
    meeting,
    scheduled,
)
from tests.support.people import Person, add_admin, add_client, add_person

OPENS_AT = STARTS_AT - timedelta(minutes=10)
CLOSES_AT = ENDS_AT + timedelta(minutes=15)
ONE_SECOND = timedelta(seconds=1)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def owner_and_request(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> tuple[Person, str]:
    admin = await add_admin(database, settings)
    ada = await add_client(database, settings)
    body = await scheduled(client, admin, ada)
    return ada, body["id"]


class TestJoinWindow:
    @pytest.mark.parametrize(
        ("at", "can_join", "status"),
        [
            (OPENS_AT - ONE_SECOND, False, "scheduled"),
            (OPENS_AT, True, "active"),
            (CLOSES_AT, True, "active"),
            (CLOSES_AT + ONE_SECOND, False, "completed"),
        ],
        ids=["before it opens", "as it opens", "as it closes", "after it closes"],
    )
    async def test_edges(
        self,
        *,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        at: datetime,
        can_join: bool,
        status: str,
    ) -> None:
        ada, request_id = await owner_and_request(client, database, settings)
        clock.at = at

        body = await meeting(client, request_id, ada)
        listed = await client.get(f"/api/meetings/appointments/{request_id}", headers=ada.headers)

        assert (body["can_join"], body["meeting_status"]) == (can_join, status)
        assert listed.json()["can_join_meeting"] is can_join
        assert listed.json()["meeting_status"] == status


class TestAnswer:
    async def test_has_seed_003s_fields(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada, request_id = await owner_and_request(client, database, settings)

        body = await meeting(client, request_id, ada)

        assert body["meeting_url"] == f"https://meet.jit.si/{body['room_id']}"
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)
        assert body["scheduled_time"] == "Tuesday 4 March 2025, 10:00 (UTC)"
        assert body["duration"] == "60 minutes"
        assert "The room opens at 09:50 on Tuesday 04 March 2025" in body["join_instructions"]
        assert body["join_opens_at"] == "2025-03-04T09:50:00Z"
        assert body["join_closes_at"] == "2025-03-04T11:15:00Z"

    async def test_the_admin_gets_the_same_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada, request_id = await owner_and_request(client, database, settings)
        admin = await add_person(database, settings, email="second@example.com", admin=True)

        theirs = await meeting(client, request_id, ada)
        mine = await meeting(client, request_id, admin)

        assert mine["room_id"] == theirs["room_id"]

    async def test_a_pending_request_has_no_meeting(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        asked = await ask(client, ada)

        response = await client.get(
            f"/api/meetings/appointments/{asked['id']}/jitsi-meeting", headers=ada.headers
        )

        assert response.status_code == 409
        assert response.json()["error"] == "This appointment request is not scheduled"
