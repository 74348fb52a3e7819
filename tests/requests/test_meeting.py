"""`GET /api/meetings/appointments/{id}/jitsi-meeting`: the join window at its edges (from 10
minutes before the start to 15 minutes after the end: docs/decisions.md, "Slots and bookings"),
in seed 003's fields."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.requests.builders import (
    ENDS_AT,
    NOW,
    ROOM_URL_PREFIX,
    STARTS_AT,
    ask,
    meeting,
    scheduled,
)
from tests.support.mailbox import SmtpServer
from tests.support.people import Person, add_admin, add_client, add_person

OPENS_AT = STARTS_AT - timedelta(minutes=10)
CLOSES_AT = ENDS_AT + timedelta(minutes=15)
ONE_SECOND = timedelta(seconds=1)
JITSI_APP_ID = "attune-practice"
JITSI_APP_SECRET = "jitsi-app-secret-0123456789abcdefghijkl"


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
        # The link follows the window: given inside it, withheld (null) outside, alike in the
        # meeting and in the request.
        assert (body["meeting_url"] is not None) is can_join
        assert (body["room_id"] is not None) is can_join
        assert listed.json()["jitsi_meet_url"] == body["meeting_url"]
        assert listed.json()["jitsi_room_id"] == body["room_id"]
        assert listed.json()["meeting_opens_at"] == "2025-03-04T09:50:00Z"
        assert (body["join_window_enforced"], listed.json()["join_window_enforced"]) == (
            False,
            False,
        )


class TestAnswer:
    async def test_has_seed_003s_fields(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada, request_id = await owner_and_request(client, database, settings)

        body = await meeting(client, request_id, ada)
        clock.at = OPENS_AT
        joinable = await meeting(client, request_id, ada)

        assert (body["meeting_url"], body["room_id"]) == (None, None)
        assert joinable["meeting_url"] == f"https://meet.jit.si/{joinable['room_id']}"
        assert joinable["meeting_url"].startswith(ROOM_URL_PREFIX)
        assert body["scheduled_time"] == "Tuesday 4 March 2025, 10:00 (UTC)"
        assert body["duration"] == "60 minutes"
        assert "The room opens at 09:50 on Tuesday 04 March 2025" in body["join_instructions"]
        assert body["join_opens_at"] == "2025-03-04T09:50:00Z"
        assert body["join_closes_at"] == "2025-03-04T11:15:00Z"

    async def test_the_admin_gets_the_same_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada, request_id = await owner_and_request(client, database, settings)
        admin = await add_person(database, settings, email="second@example.com", admin=True)

        early = await meeting(client, request_id, admin)
        clock.at = OPENS_AT
        theirs = await meeting(client, request_id, ada)
        mine = await meeting(client, request_id, admin)

        # The therapist holds the room: they get its link before the window opens too.
        assert early["meeting_url"] == mine["meeting_url"] == theirs["meeting_url"]
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


def jitsi_user(url: str) -> dict[str, Any]:
    """The `context.user` of the link's token, verified as the Jitsi server verifies it."""
    (token,) = parse_qs(urlsplit(url).query)["jwt"]
    claims = jwt.decode(
        token,
        JITSI_APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        issuer=JITSI_APP_ID,
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert (claims["nbf"], claims["exp"]) == (
        int(OPENS_AT.timestamp()),
        int(CLOSES_AT.timestamp()),
    )
    user: dict[str, Any] = claims["context"]["user"]
    return user


class TestWithJitsiTokens:
    """A server that admits only tokens refuses a bare link, so every `jitsi_meet_url` and
    `meeting_url` handed out carries a token for the person it is given to."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            smtp_url=smtp_server.url,
            jitsi_app_id=JITSI_APP_ID,
            jitsi_app_secret=JITSI_APP_SECRET,
        )

    async def test_the_admins_answers_carry_a_moderator_token(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        body = await scheduled(client, admin, await add_client(database, settings))
        listed = await client.get("/api/meetings/appointments/", headers=admin.headers)

        for url in (body["jitsi_meet_url"], listed.json()[0]["jitsi_meet_url"]):
            assert jitsi_user(url)["moderator"] == "true"
            assert jitsi_user(url)["email"] == admin.email
        assert body["join_window_enforced"] is True

    async def test_the_requester_gets_a_link_with_their_token_in_the_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada, request_id = await owner_and_request(client, database, settings)
        clock.at = OPENS_AT

        [listed] = (
            await client.get("/api/meetings/user/appointments/", headers=ada.headers)
        ).json()
        body = await meeting(client, request_id, ada)

        for url in (listed["jitsi_meet_url"], body["meeting_url"]):
            # The person as the request names them, at the address it answers to.
            assert jitsi_user(url) == {
                "name": "John Doe",
                "email": ada.email,
                "moderator": "false",
            }
