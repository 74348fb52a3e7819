"""Join links carry a Jitsi JWT when an app id and secret are configured (docs/decisions.md,
"Slots and bookings"): signed with the app secret, for one room, valid only inside the join
window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot
from tests.video.builders import book, mark_paid, meeting

# In the past: the people's access tokens are issued at the real time and stay valid for any
# frozen time before they expire.
BOOKED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STARTS_AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
OPENS_AT = STARTS_AT - timedelta(minutes=10)
CLOSES_AT = STARTS_AT + timedelta(hours=1, minutes=15)
APP_ID = "attune-practice"
APP_SECRET = "jitsi-app-secret-0123456789abcdefghijkl"
JITSI_SERVER = "https://video.example.org:8443/"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BOOKED_AT)


def jitsi_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    return make_settings(tmp_path, database_url, jitsi_base_url=JITSI_SERVER, **overrides)


async def joinable_booking(
    client: httpx.AsyncClient, database: Database, person: Person, clock: FrozenClock
) -> int:
    """A booking made and paid the day before, with the clock moved to its room's opening."""
    slot_id = await add_slot(database, STARTS_AT)
    booking_id = await book(client, person, slot_id)
    await mark_paid(database, booking_id)
    clock.at = OPENS_AT
    return booking_id


def token_of(meeting_url: str) -> str:
    query = parse_qs(urlsplit(meeting_url).query)
    assert list(query) == ["jwt"]
    return query["jwt"][0]


def claims_of(meeting_url: str) -> dict[str, Any]:
    """The token's claims, checked against the app secret and audience as Jitsi checks them;
    its time claims are asserted by the tests, not against the real clock."""
    claims: dict[str, Any] = jwt.decode(
        token_of(meeting_url),
        APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        issuer=APP_ID,
        options={"verify_exp": False, "verify_nbf": False},
    )
    return claims


class TestWithAppIdAndSecret:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return jitsi_settings(
            tmp_path, database_url, jitsi_app_id=APP_ID, jitsi_app_secret=APP_SECRET
        )

    async def test_the_client_joins_with_a_token_for_the_room_and_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)

        body = await meeting(client, booking_id, ada)
        claims = claims_of(body["meeting_url"])

        assert body["meeting_url"].startswith(
            f"https://video.example.org:8443/{body['room_id']}?jwt="
        )
        assert claims["aud"] == "jitsi"
        assert claims["iss"] == APP_ID
        assert claims["sub"] == "video.example.org"
        assert claims["room"] == body["room_id"]
        assert claims["nbf"] == int(OPENS_AT.timestamp())
        assert claims["exp"] == int(CLOSES_AT.timestamp())
        assert claims["context"]["user"] == {
            "name": "Client1 Lovelace",
            "email": "client1@example.com",
            "moderator": "false",
        }

    async def test_the_therapist_joins_as_moderator(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)

        claims = claims_of((await meeting(client, booking_id, theo))["meeting_url"])

        assert claims["context"]["user"] == {
            "name": "Theo Lovelace",
            "email": "therapist@example.com",
            "moderator": "true",
        }
        assert claims["room"] == (await meeting(client, booking_id, ada))["room_id"]

    async def test_a_link_given_before_the_window_is_valid_only_inside_it(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)
        clock.at = BOOKED_AT

        claims = claims_of((await meeting(client, booking_id, theo))["meeting_url"])

        assert claims["nbf"] == int(OPENS_AT.timestamp())
        assert claims["exp"] == int(CLOSES_AT.timestamp())

    async def test_a_token_is_refused_with_another_secret(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)

        token = token_of((await meeting(client, booking_id, ada))["meeting_url"])

        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(
                token,
                "another-secret-0123456789abcdefghijklmn",
                algorithms=["HS256"],
                audience="jitsi",
                options={"verify_exp": False, "verify_nbf": False},
            )


class TestContextUser:
    """Jitsi's token documentation: every field of `context.user` is a string."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return jitsi_settings(
            tmp_path, database_url, jitsi_app_id=APP_ID, jitsi_app_secret=APP_SECRET
        )

    async def test_every_field_is_a_string_for_the_client_and_the_therapist(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)

        for person in (ada, theo):
            user = claims_of((await meeting(client, booking_id, person))["meeting_url"])["context"][
                "user"
            ]
            assert set(user) == {"name", "email", "moderator"}
            assert all(isinstance(value, str) for value in user.values()), user


class TestTenant:
    """A Jitsi server with tenants (`https://host/<tenant>/<room>`) checks `sub` against the
    tenant, in lower case, rather than against the host."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            jitsi_base_url="https://meet.example.org/Tenant1/",
            jitsi_app_id=APP_ID,
            jitsi_app_secret=APP_SECRET,
        )

    async def test_sub_is_the_lower_cased_tenant_and_the_room_is_under_it(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)

        body = await meeting(client, booking_id, ada)
        claims = claims_of(body["meeting_url"])

        assert body["meeting_url"].startswith(
            f"https://meet.example.org/Tenant1/{body['room_id']}?jwt="
        )
        assert claims["sub"] == "tenant1"
        assert claims["room"] == body["room_id"]

    def test_a_base_url_deeper_than_one_tenant_is_refused(
        self, tmp_path: Path, database_url: str
    ) -> None:
        with pytest.raises(ValueError, match="tenant"):
            make_settings(tmp_path, database_url, jitsi_base_url="https://meet.example.org/a/b")


class TestWithoutTokens:
    # Only one of the two is refused at start-up (tests/test_settings.py).
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return jitsi_settings(tmp_path, database_url)

    async def test_the_plain_room_url(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await joinable_booking(client, database, ada, clock)

        body = await meeting(client, booking_id, ada)

        assert body["meeting_url"] == f"https://video.example.org:8443/{body['room_id']}"
