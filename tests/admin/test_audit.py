"""The audit log: admin actions and admin looks at personal data, and GET /api/admin/audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from attune.app import create_app
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.conftest import CLIENT_ADDRESS, http_client
from tests.requests.builders import NOW, STARTS_AT, ask, schedule
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client, add_person
from tests.support.slots import add_slot

AUDIT = "/api/admin/audit"
ADDRESS = CLIENT_ADDRESS[0]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


@pytest.fixture
async def ada(database: Database, settings: Settings) -> Person:
    return await add_client(database, settings, 1)


async def entries(client: httpx.AsyncClient, admin: Person, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["entries"]
    return found


async def raw_audit_text(database: Database) -> str:
    """Every audit row as the database holds it, read with plain SQL."""
    async with database.transaction(write=False) as session:
        rows = await session.execute(text("SELECT * FROM audit_log"))
        return repr(rows.all())


class TestRequestViews:
    async def test_an_admin_opening_a_request_is_recorded(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)

        response = await client.get(
            f"/api/meetings/appointments/{asked['id']}", headers=admin.headers
        )

        assert response.status_code == 200
        [entry] = await entries(client, admin)
        assert entry["action"] == "appointment_request.viewed"
        assert entry["target_type"] == "appointment_request"
        assert entry["target_id"] == asked["id"]
        assert entry["actor_id"] == admin.id
        assert entry["actor_email"] == admin.email
        assert entry["address"] == ADDRESS
        assert entry["details"] == {"via": "detail"}
        assert entry["at"] == NOW.isoformat().replace("+00:00", "Z")

    async def test_an_admin_listing_records_each_request_shown(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        first = await ask(client)
        second = await ask(client, email="jane@example.com")

        await client.get("/api/meetings/appointments", headers=admin.headers)

        viewed = await entries(client, admin, action="appointment_request.viewed")
        assert sorted(entry["target_id"] for entry in viewed) == sorted([first["id"], second["id"]])
        assert {entry["details"]["via"] for entry in viewed} == {"list"}

    async def test_an_email_search_records_what_it_found_and_not_the_address(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        found = await ask(client, email="jane@example.com")
        await ask(client)

        response = await client.get(
            "/api/meetings/appointments",
            params={"email": "jane@example.com"},
            headers=admin.headers,
        )

        assert response.status_code == 200
        [entry] = await entries(client, admin)
        assert entry["target_id"] == found["id"]
        assert entry["details"] == {"via": "email search"}
        assert "jane" not in await raw_audit_text(database)

    async def test_a_client_reading_their_own_request_is_not_audited(
        self, client: httpx.AsyncClient, admin: Person, ada: Person
    ) -> None:
        asked = await ask(client, ada)

        await client.get(f"/api/meetings/appointments/{asked['id']}", headers=ada.headers)
        await client.get("/api/meetings/appointments", headers=ada.headers)

        assert await entries(client, admin) == []

    async def test_a_request_not_found_leaves_no_entry(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        unknown = "00000000-0000-4000-8000-000000000000"

        response = await client.get(f"/api/meetings/appointments/{unknown}", headers=admin.headers)

        assert response.status_code == 404
        assert await entries(client, admin) == []


class TestRequestActions:
    async def test_scheduling_is_recorded_with_the_time(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)

        response = await schedule(client, admin, asked["id"], STARTS_AT, 45)

        assert response.status_code == 200
        [entry] = await entries(client, admin, action="appointment_request.scheduled")
        assert entry["target_id"] == asked["id"]
        assert entry["details"] == {
            "scheduled_at": STARTS_AT.isoformat(),
            "duration_minutes": 45,
        }

    async def test_a_refused_schedule_leaves_no_entry(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        first = await ask(client)
        second = await ask(client, email="jane@example.com")
        assert (await schedule(client, admin, first["id"])).status_code == 200

        overlapping = await schedule(client, admin, second["id"])

        assert overlapping.status_code == 409
        scheduled = await entries(client, admin, action="appointment_request.scheduled")
        assert [entry["target_id"] for entry in scheduled] == [first["id"]]

    async def test_moving_is_recorded(self, client: httpx.AsyncClient, admin: Person) -> None:
        asked = await ask(client)
        await schedule(client, admin, asked["id"])
        later = STARTS_AT + timedelta(hours=3)

        response = await client.post(
            f"/api/meetings/appointments/{asked['id']}/reschedule",
            json={"scheduled_datetime": later.isoformat()},
            headers=admin.headers,
        )

        assert response.status_code == 200
        [entry] = await entries(client, admin, action="appointment_request.rescheduled")
        assert entry["details"]["scheduled_at"] == later.isoformat()

    async def test_declining_records_that_a_reason_was_given_but_not_the_reason(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        asked = await ask(client)

        response = await client.post(
            f"/api/meetings/appointments/{asked['id']}/reject",
            json={"rejection_reason": "Fully booked with urgent referrals"},
            headers=admin.headers,
        )

        assert response.status_code == 200
        [entry] = await entries(client, admin, action="appointment_request.rejected")
        assert entry["details"] == {"reason_given": True}
        assert "urgent referrals" not in await raw_audit_text(database)


class TestOtherAdminActions:
    async def test_weekly_availability(self, client: httpx.AsyncClient, admin: Person) -> None:
        path = "/api/meetings/admin/availability"
        await client.put(path, json={"available_days": [0, 2]}, headers=admin.headers)
        await client.patch(path, json={"available_days": [4]}, headers=admin.headers)

        changes = await entries(client, admin, action="availability.changed")

        assert [entry["details"] for entry in changes] == [
            {"available_days": [4]},
            {"available_days": [0, 2]},
        ]

    async def test_user_changes(
        self, client: httpx.AsyncClient, admin: Person, ada: Person
    ) -> None:
        response = await client.put(
            f"/api/admin/users/{ada.id}", json={"is_active": False}, headers=admin.headers
        )

        assert response.status_code == 200
        [entry] = await entries(client, admin, action="user.changed")
        assert entry["target_type"] == "user"
        assert entry["target_id"] == str(ada.id)
        assert entry["details"] == {"is_active": False}

    async def test_slots_created_changed_and_deleted(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        start = STARTS_AT + timedelta(days=2)
        created = await client.post(
            "/api/admin/schedules",
            json={
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=1)).isoformat(),
            },
            headers=admin.headers,
        )
        assert created.status_code == 201, created.text
        slot_id = created.json()["schedule"]["id"]
        await client.put(
            f"/api/admin/schedules/{slot_id}", json={"max_bookings": 3}, headers=admin.headers
        )
        await client.delete(f"/api/admin/schedules/{slot_id}", headers=admin.headers)

        logged = await entries(client, admin, target_type="slot", target_id=str(slot_id))

        assert [entry["action"] for entry in logged] == [
            "slot.deleted",
            "slot.changed",
            "slot.created",
        ]
        assert logged[1]["details"] == {"max_bookings": 3}

    async def test_booking_views_cancellation_and_refund(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        ada: Person,
        database: Database,
        settings: Settings,
    ) -> None:
        booking_id = await book(database, settings, ada, NOW + timedelta(days=3), booked_at=NOW)
        await record_paid(database, booking_id)

        await client.get(f"/api/admin/bookings/{booking_id}", headers=admin.headers)
        cancelled = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel",
            json={"reason": "Therapist unwell"},
            headers=admin.headers,
        )
        assert cancelled.status_code == 200, cancelled.text

        logged = await entries(client, admin, target_type="booking", target_id=str(booking_id))
        assert [entry["action"] for entry in logged] == ["booking.cancelled", "booking.viewed"]
        assert logged[0]["details"] == {"reason_given": True}
        assert "unwell" not in await raw_audit_text(database)

    async def test_a_partial_refund_records_its_amount(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        ada: Person,
        database: Database,
        settings: Settings,
    ) -> None:
        booking_id = await book(database, settings, ada, NOW + timedelta(days=3), booked_at=NOW)
        await record_paid(database, booking_id)

        response = await client.post(
            f"/api/admin/bookings/{booking_id}/refund",
            json={"amount_cents": 2500},
            headers=admin.headers,
        )

        assert response.status_code == 201, response.text
        [entry] = await entries(client, admin, action="booking.refunded")
        assert entry["target_id"] == str(booking_id)
        assert entry["details"] == {
            "refund_id": response.json()["refund"]["id"],
            "amount_cents": 2500,
        }


class TestReadingTheLog:
    async def test_pages_newest_first_with_a_total(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        for minutes in (90, 120, 150):
            await add_slot(database, STARTS_AT + timedelta(minutes=minutes * 3))
        for day in (0, 1, 2):
            await client.put(
                "/api/meetings/admin/availability",
                json={"available_days": [day]},
                headers=admin.headers,
            )

        response = await client.get(AUDIT, params={"limit": 2, "offset": 1}, headers=admin.headers)

        body = response.json()
        assert body["total"] == 3
        assert (body["limit"], body["offset"]) == (2, 1)
        assert [entry["details"]["available_days"] for entry in body["entries"]] == [[1], [0]]

    async def test_filters_by_actor_and_time(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        other = await add_person(
            database, settings, email="second.therapist@example.com", first_name="Tess", admin=True
        )
        await client.put(
            "/api/meetings/admin/availability", json={"available_days": [1]}, headers=admin.headers
        )
        clock.advance(timedelta(hours=1))
        await client.put(
            "/api/meetings/admin/availability", json={"available_days": [2]}, headers=other.headers
        )

        by_other = await entries(client, admin, actor_id=other.id)
        since = await entries(client, admin, since=(NOW + timedelta(minutes=30)).isoformat())
        until = await entries(client, admin, until=(NOW + timedelta(minutes=30)).isoformat())

        assert [entry["details"]["available_days"] for entry in by_other] == [[2]]
        assert [entry["actor_id"] for entry in since] == [other.id]
        assert [entry["actor_id"] for entry in until] == [admin.id]

    async def test_the_address_behind_a_trusted_proxy(
        self, admin: Person, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        proxied = settings.model_copy(update={"trusted_proxies": [f"{ADDRESS}/32"]})
        app = create_app(proxied, database=database, clock=clock)
        async with app.router.lifespan_context(app), http_client(app) as client:
            await client.put(
                "/api/meetings/admin/availability",
                json={"available_days": [3]},
                headers={**admin.headers, "X-Forwarded-For": "198.51.100.4"},
            )
            [entry] = await entries(client, admin)

        assert entry["address"] == "198.51.100.4"

    @pytest.mark.parametrize(
        "params",
        [
            {"action": "appointment_request.deleted"},
            {"target_type": "invoice"},
            {"limit": 201},
            {"since": "2025-03-03T10:00:00"},
            {"since": "2025-03-03T10:00:00Z", "until": "2025-03-03T09:00:00Z"},
            {"since": "0001-01-01T00:00:00+01:00"},
            {"until": "9999-12-31T23:59:59-23:59"},
            {"since": "2020-03-03T08:59:59Z"},
            {"since": "0.5"},
            {"since": "1741000000"},
            {"target_id": "a\x00b"},
            {"actor_id": "1" * 40},
            {"actor_id": "1.0"},
            {"offset": "1e3"},
        ],
    )
    async def test_bad_filters_are_400(
        self, client: httpx.AsyncClient, admin: Person, params: dict[str, Any]
    ) -> None:
        response = await client.get(AUDIT, params=params, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"

    @pytest.mark.parametrize(
        "since", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59", "2020-03-03T08:59:59Z"]
    )
    async def test_a_well_written_time_far_away_is_refused_as_far_away(
        self, client: httpx.AsyncClient, admin: Person, since: str
    ) -> None:
        response = await client.get(AUDIT, params={"since": since}, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["details"] == "Since must be within five years of now"

    async def test_only_admins_read_it(self, client: httpx.AsyncClient, ada: Person) -> None:
        assert (await client.get(AUDIT)).status_code == 401
        assert (await client.get(AUDIT, headers=ada.headers)).status_code == 403
