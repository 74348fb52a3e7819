"""Appointment requests in a practice of several therapists: asking for a therapist or a
service, giving a request to a therapist when scheduling it, each therapist's own time, and who
sees and answers which request (owner, the therapist of the request, another therapist, the
front desk, a client, a visitor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from attune.models import Delivery, Service, service_therapists
from attune.platform.actor import Actor, Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.settings import Settings
from attune.platform.unit_of_work import unit_of_work
from attune.requests.reading import reading_service
from tests.conftest import run_jobs
from tests.requests.builders import NOW, STARTS_AT, ask, headers_of, request_body
from tests.support.mailbox import Mailbox
from tests.support.people import Person, add_admin, add_client, add_person
from tests.support.slots import add_slot

LIST = "/api/meetings/appointments"
REASON = "Initial consultation for anxiety"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@dataclass(frozen=True)
class Practice:
    owner: Person  # also a therapist: Theo Lovelace
    therapist: Person  # Mia Reed
    front_desk: Person
    client: Person
    # Offered by the owner only; and one no longer offered.
    couples_id: int
    retired_id: int


async def add_service(
    database: Database, name: str, therapist_ids: list[int], *, active: bool = True
) -> int:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        service = Service(
            name=name,
            duration_minutes=90,
            delivery=Delivery.video,
            is_active=active,
            created_at=now,
            updated_at=now,
        )
        session.add(service)
        await session.flush()
        rows = [{"service_id": service.id, "therapist_id": one} for one in therapist_ids]
        if rows:
            await session.execute(insert(service_therapists), rows)
        return service.id


@pytest.fixture
async def practice(database: Database, settings: Settings) -> Practice:
    owner = await add_admin(database, settings)
    therapist = await add_person(
        database,
        settings,
        email="mia@example.com",
        first_name="Mia",
        last_name="Reed",
        role=Role.therapist,
    )
    front_desk = await add_person(
        database, settings, email="desk@example.com", first_name="Dee", role=Role.front_desk
    )
    client = await add_client(database, settings, 1)
    couples = await add_service(database, "Couples", [owner.id])
    retired = await add_service(database, "Retired", [owner.id, therapist.id], active=False)
    return Practice(owner, therapist, front_desk, client, couples, retired)


async def post(
    client: httpx.AsyncClient, person: Person | None, path: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{LIST}/{path}", json=body, headers=headers_of(person))


async def schedule(
    client: httpx.AsyncClient,
    person: Person | None,
    request_id: str,
    starts_at: datetime = STARTS_AT,
    **changes: Any,
) -> httpx.Response:
    body = {"scheduled_datetime": starts_at.isoformat(), **changes}
    return await post(client, person, f"{request_id}/schedule", body)


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()}


def field_of(response: httpx.Response) -> str:
    body = response.json()
    return str(body["fields"][0]["field"])


class TestAskingForATherapistOrService:
    async def test_the_answer_names_them(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client, therapist_id=practice.owner.id, service_id=practice.couples_id)

        assert asked["therapist_id"] == practice.owner.id
        assert asked["therapist"] == "Theo Lovelace"
        assert (asked["service_id"], asked["service"]) == (practice.couples_id, "Couples")
        assert asked["reason_hidden"] is False

    async def test_without_them_the_practice_chooses(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client)

        assert (asked["therapist_id"], asked["therapist"]) == (None, None)
        assert (asked["service_id"], asked["service"]) == (None, None)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"therapist_id": 999}, "therapist_id"),
            ({"service_id": 999}, "service_id"),
            ({"therapist_id": 0}, "therapist_id"),
            ({"therapist_id": "two"}, "therapist_id"),
        ],
    )
    async def test_an_unknown_one_is_refused(
        self, client: httpx.AsyncClient, practice: Practice, changes: dict[str, Any], field: str
    ) -> None:
        response = await client.post(f"{LIST}/create", json=request_body(**changes))

        assert response.status_code == 400, response.text
        assert field in response.text

    async def test_a_member_of_staff_who_sees_no_clients_is_no_therapist(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        response = await client.post(
            f"{LIST}/create", json=request_body(therapist_id=practice.front_desk.id)
        )

        assert response.status_code == 400
        assert field_of(response) == "therapist_id"

    async def test_a_service_no_longer_offered_is_refused(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        response = await client.post(
            f"{LIST}/create", json=request_body(service_id=practice.retired_id)
        )

        assert response.status_code == 400
        assert field_of(response) == "service_id"

    async def test_the_therapist_must_offer_the_service(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        response = await client.post(
            f"{LIST}/create",
            json=request_body(therapist_id=practice.therapist.id, service_id=practice.couples_id),
        )

        assert response.status_code == 400
        assert field_of(response) == "service_id"
        assert "does not offer Couples" in response.text


class TestNotices:
    async def test_go_to_the_owners_and_the_therapist_asked_for_only(
        self, client: httpx.AsyncClient, app: FastAPI, practice: Practice, mailbox: Mailbox
    ) -> None:
        await ask(client, therapist_id=practice.therapist.id)
        await ask(client, therapist_id=practice.owner.id, email="b@example.com")
        await run_jobs(app)

        assert len(mailbox.to(practice.owner.email)) == 2
        assert len(mailbox.to(practice.therapist.email)) == 1
        assert mailbox.to(practice.front_desk.email) == []


class TestGivingARequestToATherapist:
    async def test_a_request_that_named_a_therapist_goes_to_them(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client, therapist_id=practice.therapist.id)

        response = await schedule(client, practice.owner, asked["id"])

        assert response.status_code == 200, response.text
        assert response.json()["therapist_id"] == practice.therapist.id
        assert response.json()["therapist"] == "Mia Reed"

    async def test_the_owner_may_give_it_to_another(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client, therapist_id=practice.therapist.id)

        response = await schedule(
            client, practice.front_desk, asked["id"], therapist_id=practice.owner.id
        )

        assert response.status_code == 200, response.text
        assert response.json()["therapist_id"] == practice.owner.id

    async def test_an_unassigned_request_goes_to_the_therapist_who_schedules_it(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client)

        response = await schedule(client, practice.owner, asked["id"])

        assert response.status_code == 200, response.text
        assert response.json()["therapist_id"] == practice.owner.id

    async def test_the_front_desk_must_say_who_when_nobody_was_named(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client)

        response = await schedule(client, practice.front_desk, asked["id"])

        assert response.status_code == 400
        assert field_of(response) == "therapist_id"

    async def test_a_therapist_who_does_not_offer_the_service_is_refused(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client, service_id=practice.couples_id)

        response = await schedule(
            client, practice.front_desk, asked["id"], therapist_id=practice.therapist.id
        )

        assert response.status_code == 400
        assert field_of(response) == "service_id"

    async def test_an_unknown_therapist_is_refused(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client)

        response = await schedule(client, practice.front_desk, asked["id"], therapist_id=999)

        assert response.status_code == 400
        assert field_of(response) == "therapist_id"

    async def test_a_move_may_change_the_therapist(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        asked = await ask(client)
        await schedule(client, practice.owner, asked["id"])

        response = await post(
            client,
            practice.front_desk,
            f"{asked['id']}/reschedule",
            {"scheduled_datetime": STARTS_AT.isoformat(), "therapist_id": practice.therapist.id},
        )

        assert response.status_code == 200, response.text
        assert response.json()["therapist_id"] == practice.therapist.id


class TestEachTherapistsTime:
    async def test_two_therapists_see_clients_at_the_same_time(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        first = await ask(client, therapist_id=practice.owner.id)
        second = await ask(client, therapist_id=practice.therapist.id)

        assert (await schedule(client, practice.owner, first["id"])).status_code == 200
        assert (await schedule(client, practice.owner, second["id"])).status_code == 200

    async def test_one_therapist_is_not_in_two_places(
        self, client: httpx.AsyncClient, practice: Practice
    ) -> None:
        first = await ask(client, therapist_id=practice.therapist.id)
        second = await ask(client, therapist_id=practice.therapist.id)
        await schedule(client, practice.owner, first["id"])

        response = await schedule(
            client, practice.owner, second["id"], STARTS_AT + timedelta(minutes=30)
        )

        assert response.status_code == 409

    async def test_only_the_therapists_own_slots_take_their_time(
        self, client: httpx.AsyncClient, database: Database, practice: Practice
    ) -> None:
        await add_slot(database, STARTS_AT, therapist_id=practice.owner.id)
        theirs = await ask(client, therapist_id=practice.owner.id)
        hers = await ask(client, therapist_id=practice.therapist.id)

        assert (await schedule(client, practice.owner, theirs["id"])).status_code == 409
        assert (await schedule(client, practice.owner, hers["id"])).status_code == 200


@dataclass(frozen=True)
class Requests:
    hers: str  # asked of the therapist
    owners: str  # asked of the owner
    unassigned: str
    clients: str  # the client's own, unassigned


@pytest.fixture
async def requests(client: httpx.AsyncClient, practice: Practice) -> Requests:
    hers = await ask(client, therapist_id=practice.therapist.id, email="a@example.com")
    owners = await ask(client, therapist_id=practice.owner.id, email="b@example.com")
    unassigned = await ask(client, email="c@example.com")
    clients = await ask(client, practice.client)
    return Requests(hers["id"], owners["id"], unassigned["id"], clients["id"])


class TestWhoSeesWhich:
    async def test_the_owner_sees_every_request(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await client.get(LIST, headers=practice.owner.headers)

        assert ids(response) == {
            requests.hers,
            requests.owners,
            requests.unassigned,
            requests.clients,
        }
        assert {item["reason"] for item in response.json()} == {REASON}

    async def test_a_therapist_sees_only_their_own(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await client.get(LIST, headers=practice.therapist.headers)

        assert ids(response) == {requests.hers}
        assert response.json()[0]["reason"] == REASON

    async def test_a_therapist_asking_for_anothers_list_gets_nothing(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await client.get(
            LIST, params={"therapist_id": practice.owner.id}, headers=practice.therapist.headers
        )

        assert ids(response) == set()

    async def test_the_list_filters_by_therapist(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await client.get(
            LIST, params={"therapist_id": practice.owner.id}, headers=practice.front_desk.headers
        )

        assert ids(response) == {requests.owners}

    async def test_the_front_desk_sees_every_request_without_reasons(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await client.get(LIST, headers=practice.front_desk.headers)

        assert len(ids(response)) == 4
        assert {item["reason"] for item in response.json()} == {None}
        assert {item["reason_hidden"] for item in response.json()} == {True}
        assert REASON not in response.text

    async def test_a_client_sees_only_their_own(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await client.get(
            LIST, params={"therapist_id": practice.therapist.id}, headers=practice.client.headers
        )

        assert ids(response) == {requests.clients}
        assert response.json()[0]["reason"] == REASON

    async def test_a_visitor_is_401(self, client: httpx.AsyncClient, requests: Requests) -> None:
        assert (await client.get(LIST)).status_code == 401

    @pytest.mark.parametrize(
        ("who", "which", "status"),
        [
            ("owner", "hers", 200),
            ("owner", "unassigned", 200),
            ("therapist", "hers", 200),
            ("therapist", "owners", 404),
            ("therapist", "unassigned", 404),
            ("therapist", "clients", 404),
            ("front_desk", "owners", 200),
            ("front_desk", "unassigned", 200),
            ("client", "clients", 200),
            ("client", "hers", 404),
            ("visitor", "hers", 401),
        ],
    )
    async def test_reading_one(
        self,
        client: httpx.AsyncClient,
        practice: Practice,
        requests: Requests,
        *,
        who: str,
        which: str,
        status: int,
    ) -> None:
        person = getattr(practice, who, None)

        response = await client.get(
            f"{LIST}/{getattr(requests, which)}", headers=headers_of(person)
        )

        assert response.status_code == status, response.text

    async def test_the_front_desk_reads_one_without_its_reasons(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        await post(client, practice.owner, f"{requests.hers}/reject", {"rejection_reason": "Full"})

        response = await client.get(f"{LIST}/{requests.hers}", headers=practice.front_desk.headers)

        body = response.json()
        assert (body["reason"], body["rejection_reason"], body["reason_hidden"]) == (
            None,
            None,
            True,
        )
        owners_view = await client.get(f"{LIST}/{requests.hers}", headers=practice.owner.headers)
        assert owners_view.json()["rejection_reason"] == "Full"


class TestWhoAnswersWhich:
    @pytest.mark.parametrize(
        ("who", "which", "status"),
        [
            ("owner", "hers", 200),
            ("therapist", "hers", 200),
            ("therapist", "owners", 404),
            ("therapist", "unassigned", 404),
            ("front_desk", "owners", 200),
            ("client", "clients", 403),
            ("client", "hers", 403),
            ("visitor", "hers", 401),
        ],
    )
    async def test_scheduling(
        self,
        client: httpx.AsyncClient,
        practice: Practice,
        requests: Requests,
        *,
        who: str,
        which: str,
        status: int,
    ) -> None:
        person = getattr(practice, who, None)

        response = await schedule(client, person, getattr(requests, which))

        assert response.status_code == status, response.text

    @pytest.mark.parametrize(
        ("who", "which", "status"),
        [
            ("owner", "owners", 200),
            ("therapist", "hers", 200),
            ("therapist", "owners", 404),
            ("front_desk", "hers", 200),
            ("client", "clients", 403),
            ("visitor", "hers", 401),
        ],
    )
    async def test_rejecting(
        self,
        client: httpx.AsyncClient,
        practice: Practice,
        requests: Requests,
        *,
        who: str,
        which: str,
        status: int,
    ) -> None:
        person = getattr(practice, who, None)

        response = await post(client, person, f"{getattr(requests, which)}/reject", {})

        assert response.status_code == status, response.text

    @pytest.mark.parametrize(
        ("who", "which", "status"),
        [
            ("owner", "hers", 200),
            ("therapist", "hers", 200),
            ("therapist", "owners", 404),
            ("front_desk", "owners", 200),
            ("client", "clients", 403),
            ("visitor", "hers", 401),
        ],
    )
    async def test_rescheduling(
        self,
        client: httpx.AsyncClient,
        practice: Practice,
        requests: Requests,
        *,
        who: str,
        which: str,
        status: int,
    ) -> None:
        request_id = getattr(requests, which)
        placed = await schedule(client, practice.owner, request_id)
        assert placed.status_code == 200, placed.text
        person = getattr(practice, who, None)

        response = await post(
            client,
            person,
            f"{request_id}/reschedule",
            {"scheduled_datetime": (STARTS_AT + timedelta(hours=3)).isoformat()},
        )

        assert response.status_code == status, response.text

    async def test_a_therapist_gives_appointments_only_on_their_own_calendar(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        response = await schedule(
            client, practice.therapist, requests.hers, therapist_id=practice.owner.id
        )

        assert response.status_code == 403

    async def test_what_the_front_desk_gives_a_therapist_is_theirs_to_see(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        await schedule(
            client, practice.front_desk, requests.unassigned, therapist_id=practice.therapist.id
        )

        response = await client.get(LIST, headers=practice.therapist.headers)

        assert ids(response) == {requests.hers, requests.unassigned}


class TestWithdrawingAndMeetings:
    @pytest.mark.parametrize(
        ("who", "which", "status"),
        [
            ("therapist", "hers", 403),
            ("therapist", "owners", 404),
            ("front_desk", "owners", 403),
            ("client", "clients", 200),
        ],
    )
    async def test_only_the_requester_withdraws(
        self,
        client: httpx.AsyncClient,
        practice: Practice,
        requests: Requests,
        *,
        who: str,
        which: str,
        status: int,
    ) -> None:
        person = getattr(practice, who)

        response = await post(client, person, f"{getattr(requests, which)}/withdraw", {})

        assert response.status_code == status, response.text

    async def test_another_therapists_meeting_is_not_found(
        self, client: httpx.AsyncClient, practice: Practice, requests: Requests
    ) -> None:
        await schedule(client, practice.owner, requests.owners)

        theirs = await client.get(
            f"{LIST}/{requests.owners}/jitsi-meeting", headers=practice.therapist.headers
        )
        own = await client.get(
            f"{LIST}/{requests.owners}/jitsi-meeting", headers=practice.owner.headers
        )

        assert (theirs.status_code, own.status_code) == (404, 200)


class TestCounts:
    async def test_a_therapist_counts_only_their_own_calendars_requests(
        self, database: Database, settings: Settings, practice: Practice, requests: Requests
    ) -> None:
        mia = Actor(Role.therapist, user_id=practice.therapist.id, verified=True)
        desk = Actor(Role.front_desk, user_id=practice.front_desk.id, verified=True)
        async with unit_of_work(database, settings, EventBus(), now=NOW) as uow:
            hers = await reading_service.stats(uow, mia)
            everyone = await reading_service.stats(uow, desk)

        assert (hers.total, everyone.total) == (1, 4)
