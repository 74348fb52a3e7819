"""The back office for each role of the practice, through the API: the owner sees and does
everything; a therapist their own calendar's bookings, the clients they have seen and their
own figures; the front desk every booking and client, without clinical notes, and refunds only
when granted; a client and a visitor nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from attune.models import BookingStatus, Refund, User
from attune.platform.actor import Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book, booking_row
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_person
from tests.support.slots import add_slot

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
NOTES = "Trouble sleeping since the move"
MARCH = {"start_date": "2025-03-01", "end_date": "2025-03-31"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@dataclass(frozen=True)
class Practice:
    owner: Person
    therapist_a: Person
    therapist_b: Person
    desk: Person
    desk_refunds: Person
    client_a: Person
    client_b: Person
    # Bookings of client_a on A's calendar, of client_b on B's.
    a_upcoming: int
    a_started: int
    a_paid: int
    b_upcoming: int
    b_started: int
    b_paid: int
    a_free_slot: int

    def person(self, name: str) -> Person | None:
        found: Person | None = getattr(self, name) if name != "visitor" else None
        return found

    @property
    def a_bookings(self) -> set[int]:
        return {self.a_upcoming, self.a_started, self.a_paid}

    @property
    def b_bookings(self) -> set[int]:
        return {self.b_upcoming, self.b_started, self.b_paid}


async def staff(database: Database, settings: Settings, name: str, role: Role) -> Person:
    return await add_person(
        database, settings, email=f"{name}@example.com", first_name=name.title(), role=role
    )


@pytest.fixture
async def practice(database: Database, settings: Settings) -> Practice:
    owner = await add_admin(database, settings)
    therapist_a = await staff(database, settings, "ana", Role.therapist)
    therapist_b = await staff(database, settings, "ben", Role.therapist)
    desk = await staff(database, settings, "dora", Role.front_desk)
    desk_refunds = await staff(database, settings, "finn", Role.front_desk)
    async with database.transaction() as session:
        await session.execute(
            update(User).where(User.id == desk_refunds.id).values(may_refund=True)
        )
    client_a = await add_person(database, settings, email="cleo@example.com", first_name="Cleo")
    client_b = await add_person(database, settings, email="dev@example.com", first_name="Dev")

    async def on(therapist: Person, client: Person, starts_at: datetime, **kwargs: Any) -> int:
        return await book(
            database, settings, client, starts_at, therapist_id=therapist.id, **kwargs
        )

    day = timedelta(days=1)
    a_paid = await on(therapist_a, client_a, NOW + 3 * day)
    b_paid = await on(therapist_b, client_b, NOW + 3 * day)
    await record_paid(database, a_paid, succeeded_at=NOW - timedelta(days=2))
    await record_paid(database, b_paid, succeeded_at=NOW - timedelta(days=2))
    return Practice(
        owner=owner,
        therapist_a=therapist_a,
        therapist_b=therapist_b,
        desk=desk,
        desk_refunds=desk_refunds,
        client_a=client_a,
        client_b=client_b,
        a_upcoming=await on(therapist_a, client_a, NOW + day, notes=NOTES),
        a_started=await on(therapist_a, client_a, NOW - timedelta(minutes=30)),
        a_paid=a_paid,
        b_upcoming=await on(therapist_b, client_b, NOW + day),
        b_started=await on(therapist_b, client_b, NOW - timedelta(minutes=30)),
        b_paid=b_paid,
        a_free_slot=await add_slot(database, NOW + 2 * day, therapist_id=therapist_a.id),
    )


async def call(
    client: httpx.AsyncClient,
    person: Person | None,
    method: str,
    path: str,
    body: Any = None,
    **params: Any,
) -> httpx.Response:
    headers = person.headers if person else {}
    return await client.request(method, path, json=body, headers=headers, params=params)


STAFF = ["owner", "therapist_a", "therapist_b", "desk", "desk_refunds"]
EVERYONE = [*STAFF, "client_a", "visitor"]
SEES_ALL = {"owner", "desk", "desk_refunds"}


async def refunds_of(database: Database, booking_id: int) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(Refund).where(Refund.booking_id == booking_id)
        )
        return int(count or 0)


def refused(response: httpx.Response, who: str) -> bool:
    """Whether a client (403) or a visitor (401) was refused, as every admin route refuses."""
    return response.status_code == (401 if who == "visitor" else 403)


@pytest.mark.parametrize("who", EVERYONE)
class TestBookingList:
    async def test_each_role_lists_what_it_may_see(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        response = await call(client, practice.person(who), "GET", "/api/admin/bookings")

        if who not in STAFF:
            assert refused(response, who)
            return
        assert response.status_code == 200, response.text
        listed = {booking["id"] for booking in response.json()["bookings"]}
        expected = {
            "therapist_a": practice.a_bookings,
            "therapist_b": practice.b_bookings,
        }.get(who, practice.a_bookings | practice.b_bookings)
        assert listed == expected
        assert response.json()["total"] == len(expected)

    async def test_filtered_by_therapist(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        b = practice.therapist_b.id
        response = await call(
            client, practice.person(who), "GET", "/api/admin/bookings", therapist_id=b
        )

        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_a":
            assert response.status_code == 403
        else:
            assert response.status_code == 200, response.text
            listed = {booking["id"] for booking in response.json()["bookings"]}
            assert listed == practice.b_bookings


class TestServiceFilter:
    async def test_only_the_bookings_of_that_service(
        self, client: httpx.AsyncClient, database: Database, practice: Practice
    ) -> None:
        service_id = (await booking_row(database, practice.a_upcoming)).service_id

        same = await call(
            client, practice.owner, "GET", "/api/admin/bookings", service_id=service_id
        )
        other = await call(client, practice.owner, "GET", "/api/admin/bookings", service_id=999)

        assert same.json()["total"] == 6
        assert other.json()["total"] == 0


@pytest.mark.parametrize("who", EVERYONE)
class TestOneBooking:
    async def test_read(self, client: httpx.AsyncClient, practice: Practice, who: str) -> None:
        path = f"/api/admin/bookings/{practice.a_upcoming}"
        response = await call(client, practice.person(who), "GET", path)

        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_b":
            assert response.status_code == 404
        else:
            assert response.status_code == 200, response.text
            booking = response.json()["booking"]
            if who in ("desk", "desk_refunds"):
                assert booking["notes"] is None
                assert booking["notes_withheld"] is True
            else:
                assert booking["notes"] == NOTES
                assert booking["notes_withheld"] is False

    async def test_cancel(
        self, client: httpx.AsyncClient, database: Database, practice: Practice, who: str
    ) -> None:
        path = f"/api/admin/bookings/{practice.a_upcoming}/cancel"
        response = await call(client, practice.person(who), "PUT", path, {"reason": "Ill"})

        status = (await booking_row(database, practice.a_upcoming)).status
        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_b":
            assert response.status_code == 404
        else:
            assert response.status_code == 200, response.text
            assert status == BookingStatus.cancelled
            return
        assert status == BookingStatus.scheduled

    async def test_reschedule(
        self, client: httpx.AsyncClient, database: Database, practice: Practice, who: str
    ) -> None:
        path = f"/api/admin/bookings/{practice.a_upcoming}/reschedule"
        body = {"new_schedule_id": practice.a_free_slot}
        response = await call(client, practice.person(who), "PUT", path, body)

        moved_to = (await booking_row(database, practice.a_upcoming)).schedule_id
        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_b":
            assert response.status_code == 404
        else:
            assert response.status_code == 200, response.text
            assert moved_to == practice.a_free_slot
            return
        assert moved_to != practice.a_free_slot

    async def test_record_outcome(
        self, client: httpx.AsyncClient, database: Database, practice: Practice, who: str
    ) -> None:
        path = f"/api/admin/bookings/{practice.a_started}/status"
        response = await call(client, practice.person(who), "PUT", path, {"status": "completed"})

        status = (await booking_row(database, practice.a_started)).status
        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_b":
            assert response.status_code == 404
        else:
            assert response.status_code == 200, response.text
            assert status == BookingStatus.completed
            return
        assert status == BookingStatus.scheduled

    async def test_refund(
        self, client: httpx.AsyncClient, database: Database, practice: Practice, who: str
    ) -> None:
        """Refunds are the owner's, and a front desk's the owner allowed to refund."""
        path = f"/api/admin/bookings/{practice.a_paid}/refund"
        response = await call(client, practice.person(who), "POST", path, {"amount_cents": 100})

        if who in ("owner", "desk_refunds"):
            assert response.status_code == 201, response.text
        elif who == "visitor":
            assert response.status_code == 401
        else:
            assert response.status_code == 403, response.text
            assert await refunds_of(database, practice.a_paid) == 0


class TestCancellationReason:
    async def test_the_front_desk_is_told_one_was_given_not_what_it_says(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        path = f"/api/admin/bookings/{practice.a_upcoming}"
        await call(client, practice.therapist_a, "PUT", path + "/cancel", {"reason": "Grief"})

        by_desk = (await call(client, practice.desk, "GET", path)).json()["booking"]
        by_owner = (await call(client, practice.owner, "GET", path)).json()["booking"]

        assert by_desk["cancellation_reason"] is None
        assert by_desk["cancellation_reason_withheld"] is True
        assert by_owner["cancellation_reason"] == "Grief"
        assert by_owner["cancellation_reason_withheld"] is False


@pytest.mark.parametrize("who", EVERYONE)
class TestClients:
    async def test_list(self, client: httpx.AsyncClient, practice: Practice, who: str) -> None:
        response = await call(client, practice.person(who), "GET", "/api/admin/users")

        if who not in STAFF:
            assert refused(response, who)
            return
        assert response.status_code == 200, response.text
        listed = {user["id"] for user in response.json()["users"]}
        if who == "therapist_a":
            assert listed == {practice.client_a.id}
        elif who == "therapist_b":
            assert listed == {practice.client_b.id}
        else:
            assert {practice.client_a.id, practice.client_b.id, practice.owner.id} <= listed

    async def test_read_a_client_of_another_therapist(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        path = f"/api/admin/users/{practice.client_b.id}"
        response = await call(client, practice.person(who), "GET", path)

        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_a":
            assert response.status_code == 404
        else:
            assert response.status_code == 200, response.text
            assert response.json()["user"]["bookings"]["total"] == 3

    async def test_change_an_account(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        """Accounts' roles and access are the owner's alone."""
        path = f"/api/admin/users/{practice.client_a.id}"
        response = await call(client, practice.person(who), "PUT", path, {"is_active": False})

        if who == "owner":
            assert response.status_code == 200, response.text
        elif who == "visitor":
            assert response.status_code == 401
        else:
            assert response.status_code == 403
            reread = await call(client, practice.owner, "GET", path)
            assert reread.json()["user"]["is_active"] is True


@pytest.mark.parametrize("who", EVERYONE)
class TestOwnerOnly:
    @pytest.mark.parametrize("path", ["/api/admin/audit"])
    async def test_refused_to_all_but_the_owner(
        self, client: httpx.AsyncClient, practice: Practice, who: str, path: str
    ) -> None:
        response = await call(client, practice.person(who), "GET", path)

        if who == "owner":
            assert response.status_code == 200
        elif who == "visitor":
            assert response.status_code == 401
        else:
            assert response.status_code == 403


@pytest.mark.parametrize("who", EVERYONE)
class TestFigures:
    async def test_dashboard(self, client: httpx.AsyncClient, practice: Practice, who: str) -> None:
        response = await call(client, practice.person(who), "GET", "/api/admin/dashboard")

        if who not in STAFF:
            assert refused(response, who)
            return
        stats = response.json()["stats"]
        own = who in ("therapist_a", "therapist_b")
        assert stats["total_bookings"] == (3 if own else 6)
        assert stats["total_revenue"] == (100.0 if own else 200.0)
        if own:
            assert stats["total_users"] == 1

    async def test_dashboard_of_therapist_b(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        response = await call(
            client,
            practice.person(who),
            "GET",
            "/api/admin/dashboard",
            therapist_id=practice.therapist_b.id,
        )

        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_a":
            assert response.status_code == 403
        else:
            assert response.json()["stats"]["total_bookings"] == 3

    async def test_report(self, client: httpx.AsyncClient, practice: Practice, who: str) -> None:
        response = await call(
            client, practice.person(who), "GET", "/api/admin/reports/financial", **MARCH
        )

        if who not in STAFF:
            assert refused(response, who)
            return
        report = response.json()
        by_therapist = {share["id"]: share for share in report["by_therapist"]}
        if who in ("therapist_a", "therapist_b"):
            own = practice.person(who)
            assert own is not None
            assert report["therapist_id"] == own.id
            assert report["gross_cents"] == 10000
            assert set(by_therapist) == {own.id}
        else:
            assert report["therapist_id"] is None
            assert report["gross_cents"] == 20000
            assert set(by_therapist) == {practice.therapist_a.id, practice.therapist_b.id}
            assert by_therapist[practice.therapist_a.id]["name"] == "Ana Lovelace"
            assert by_therapist[practice.therapist_a.id]["net_cents"] == 10000
            [service] = report["by_service"]
            assert service["paid_sessions"] == 2

    async def test_report_of_therapist_b(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        response = await call(
            client,
            practice.person(who),
            "GET",
            "/api/admin/reports/financial",
            therapist_id=practice.therapist_b.id,
            **MARCH,
        )

        if who not in STAFF:
            assert refused(response, who)
        elif who == "therapist_a":
            assert response.status_code == 403
        else:
            assert response.json()["gross_cents"] == 10000


class TestMeetingHost:
    @pytest.mark.parametrize("who", ["owner", "therapist_a", "desk"])
    async def test_only_its_therapist_and_the_owner_host_a_session(
        self, client: httpx.AsyncClient, practice: Practice, who: str
    ) -> None:
        path = f"/api/bookings/{practice.a_upcoming}/meeting"
        response = await call(client, practice.person(who), "GET", path)

        assert response.status_code == 200, response.text
        assert response.json()["moderator"] is (who != "desk")

    async def test_another_therapist_does_not_find_it(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        path = f"/api/bookings/{practice.a_upcoming}/meeting"
        response = await call(client, practice.therapist_b, "GET", path)

        assert response.status_code == 404
