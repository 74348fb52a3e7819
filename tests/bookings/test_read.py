"""`GET /api/bookings` and `GET /api/bookings/{id}`: a client's own bookings, and the meeting
link they carry by the one rule (docs/decisions.md, "The meeting link")."""

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
from tests.bookings.builders import NOW, book, cancel, later
from tests.conftest import make_settings
from tests.support.mailbox import SmtpServer
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

JITSI_APP_ID = "attune-practice"
JITSI_APP_SECRET = "jitsi-app-secret-0123456789abcdefghijkl"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def listed_ids(
    client: httpx.AsyncClient, headers: dict[str, str], query: str = ""
) -> list[int]:
    response = await client.get(f"/api/bookings{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [booking["id"] for booking in response.json()["bookings"]]


async def book_paid(
    client: httpx.AsyncClient, database: Database, person: Person, slot: int
) -> int:
    """Booked and paid, so that a client can hold more than the unpaid bookings' cap."""
    booking_id: int = (await book(client, person, slot))["id"]
    await record_paid(database, booking_id)
    return booking_id


class TestList:
    async def test_empty_for_a_new_client(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings", headers=ada.headers)

        assert response.status_code == 200
        assert response.json() == {"bookings": []}

    async def test_upcoming_first_soonest_first_then_past_latest_first(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        slots = [await add_slot(database, later(days=day)) for day in (1, 2, 3, 4)]
        day1, day2, day3, day4 = [await book_paid(client, database, ada, slot) for slot in slots]
        clock.at = later(days=2, hours=12)

        ids = await listed_ids(client, ada.headers)

        assert ids == [day3, day4, day2, day1]

    async def test_a_session_in_progress_is_still_upcoming(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        now_on = (await book(client, ada, await add_slot(database, later(days=1))))["id"]
        next_one = (await book(client, ada, await add_slot(database, later(days=2))))["id"]
        clock.at = later(days=1, minutes=30)

        assert await listed_ids(client, ada.headers) == [now_on, next_one]

    async def test_only_the_callers_own(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        slot = await add_slot(database, later(days=1), capacity=2)
        adas = (await book(client, ada, slot))["id"]
        bobs = (await book(client, bob, slot))["id"]

        assert await listed_ids(client, ada.headers) == [adas]
        assert await listed_ids(client, bob.headers) == [bobs]

    async def test_items_carry_seed_000_fields(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        await book(client, ada, await add_slot(database, later(days=1)))

        response = await client.get("/api/bookings", headers=ada.headers)

        (item,) = response.json()["bookings"]
        for field in (
            "id",
            "scheduled_at",
            "duration",
            "status",
            "jitsi_room_url",
            "amount",
            "payment_status",
        ):
            assert field in item
        assert (item["duration"], item["amount"], item["payment_status"]) == (
            60,
            100.0,
            "pending",
        )

    @pytest.mark.parametrize("status", ["scheduled", "cancelled"])
    async def test_filtered_by_status(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, status: str
    ) -> None:
        ada = await add_client(database, settings)
        kept = (await book(client, ada, await add_slot(database, later(days=1))))["id"]
        dropped = (await book(client, ada, await add_slot(database, later(days=2))))["id"]
        await cancel(client, ada, dropped)

        ids = await listed_ids(client, ada.headers, f"?status={status}")

        assert ids == ([kept] if status == "scheduled" else [dropped])

    @pytest.mark.parametrize("status", ["completed", "no_show"])
    async def test_filter_with_no_match(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, status: str
    ) -> None:
        ada = await add_client(database, settings)
        await book(client, ada, await add_slot(database, later(days=1)))

        assert await listed_ids(client, ada.headers, f"?status={status}") == []

    @pytest.mark.parametrize("status", ["pending", "SCHEDULED", "", "scheduled'--"])
    async def test_an_unknown_status_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, status: str
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings", params={"status": status}, headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"

    async def test_with_a_trailing_slash(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking = await book(client, ada, await add_slot(database, later(days=1)))

        response = await client.get("/api/bookings/", headers=ada.headers)

        assert [item["id"] for item in response.json()["bookings"]] == [booking["id"]]


class TestDetail:
    async def test_shows_the_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking = await book(client, ada, await add_slot(database, later(days=1)), notes="Hi")

        response = await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)

        assert response.status_code == 200
        assert response.json() == {"booking": booking}

    async def test_unknown_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings/4242", headers=ada.headers)

        assert response.status_code == 404
        assert response.json() == {
            "error": "Booking not found",
            "details": "No booking with this id is visible to you.",
        }

    @pytest.mark.parametrize(
        "booking_id", ["abc", "0", "-1", "1.5", str(2**31), str(2**63), "9" * 40]
    )
    async def test_an_id_that_cannot_be_a_booking_is_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        booking_id: str,
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get(f"/api/bookings/{booking_id}", headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"

    @pytest.mark.parametrize("action", ["cancel", "reschedule"])
    async def test_changes_refuse_an_impossible_id(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, action: str
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.put(
            f"/api/bookings/{2**40}/{action}", json={"new_schedule_id": 1}, headers=ada.headers
        )

        assert response.status_code == 400


async def shown(client: httpx.AsyncClient, person: Person, booking_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/bookings/{booking_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    booking: dict[str, Any] = response.json()["booking"]
    return booking


async def meeting_url(client: httpx.AsyncClient, person: Person, booking_id: int) -> str | None:
    response = await client.get(f"/api/bookings/{booking_id}/meeting", headers=person.headers)
    assert response.status_code == 200, response.text
    url: str | None = response.json()["meeting_url"]
    return url


def jitsi_claims(url: str) -> dict[str, Any]:
    (token,) = parse_qs(urlsplit(url).query)["jwt"]
    claims: dict[str, Any] = jwt.decode(
        token,
        JITSI_APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        issuer=JITSI_APP_ID,
        options={"verify_exp": False, "verify_nbf": False},
    )
    return claims


class TestMeetingLink:
    """A paid booking's answer carries the room link only inside the join window, the same
    link as `GET /api/bookings/{id}/meeting`; outside it the fields are null and the answer
    says when the window opens and that a public Jitsi room does not keep it."""

    async def test_withheld_from_a_paid_booking_before_the_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        starts_at = later(days=2)
        booking_id = await book_paid(client, database, ada, await add_slot(database, starts_at))

        booking = await shown(client, ada, booking_id)

        assert (booking["jitsi_room_id"], booking["jitsi_room_url"]) == (None, None)
        assert datetime.fromisoformat(booking["meeting_opens_at"]) == starts_at - timedelta(
            minutes=10
        )
        assert booking["join_window_enforced"] is False

    async def test_given_inside_the_window_as_the_meeting_gives_it(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        starts_at = later(days=2)
        booking_id = await book_paid(client, database, ada, await add_slot(database, starts_at))
        clock.at = starts_at - timedelta(minutes=10)

        booking = await shown(client, ada, booking_id)
        (listed,) = (await client.get("/api/bookings", headers=ada.headers)).json()["bookings"]

        assert booking["jitsi_room_url"] == await meeting_url(client, ada, booking_id)
        assert booking["jitsi_room_url"] == f"https://meet.jit.si/{booking['jitsi_room_id']}"
        assert listed["jitsi_room_url"] == booking["jitsi_room_url"]

    async def test_withheld_again_after_the_window(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        starts_at = later(days=2)
        booking_id = await book_paid(client, database, ada, await add_slot(database, starts_at))
        clock.at = starts_at + timedelta(hours=1, minutes=15, seconds=1)

        booking = await shown(client, ada, booking_id)

        assert (booking["jitsi_room_id"], booking["jitsi_room_url"]) == (None, None)

    async def test_withheld_inside_the_window_while_unpaid(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        starts_at = later(hours=2)
        booking_id = (await book(client, ada, await add_slot(database, starts_at)))["id"]
        clock.at = starts_at

        booking = await shown(client, ada, booking_id)

        assert (booking["jitsi_room_id"], booking["jitsi_room_url"]) == (None, None)


class TestMeetingLinkWithJitsiTokens:
    """A server that admits only tokens refuses a bare link: every link handed out carries
    one, for the person it is given to, and the window is then enforced by the server."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            smtp_url=smtp_server.url,
            jitsi_app_id=JITSI_APP_ID,
            jitsi_app_secret=JITSI_APP_SECRET,
        )

    async def test_the_clients_link_carries_their_token(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        starts_at = later(days=2)
        booking_id = await book_paid(client, database, ada, await add_slot(database, starts_at))
        clock.at = starts_at

        booking = await shown(client, ada, booking_id)
        claims = jitsi_claims(booking["jitsi_room_url"])

        assert booking["join_window_enforced"] is True
        assert claims["room"] == booking["jitsi_room_id"]
        assert claims["context"]["user"]["email"] == ada.email
        assert claims["context"]["user"]["moderator"] == "false"
        assert claims["nbf"] == int((starts_at - timedelta(minutes=10)).timestamp())

    async def test_the_therapists_link_carries_a_moderator_token_in_every_answer(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = (await book(client, ada, await add_slot(database, later(days=2))))["id"]

        answers = [
            (await shown(client, theo, booking_id))["jitsi_room_url"],
            (await client.get(f"/api/admin/bookings/{booking_id}", headers=theo.headers)).json()[
                "booking"
            ]["jitsi_room_url"],
            (await client.get("/api/admin/bookings", headers=theo.headers)).json()["bookings"][0][
                "jitsi_room_url"
            ],
        ]

        for url in answers:
            assert jitsi_claims(url)["context"]["user"] == {
                "name": f"{theo.first_name} Lovelace",
                "email": theo.email,
                "moderator": "true",
            }
