"""The guards behind the service: the strict rate limit on asking (seed 003's spam gap) and, on
PostgreSQL, the exclusion constraint that refuses overlapping scheduled appointments."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from attune.models import AppointmentRequest, AppointmentStatus
from attune.platform.actor import Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.requests.builders import NOW, STARTS_AT, request_body
from tests.support.mailbox import SmtpServer
from tests.support.people import add_person

STRICT_LIMIT = 5


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


class TestRateLimit:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(tmp_path, database_url, smtp_url=smtp_server.url, rate_limits=True)

    async def test_asking_has_the_credential_endpoints_budget(
        self, client: httpx.AsyncClient
    ) -> None:
        codes = [
            (
                await client.post(
                    "/api/meetings/appointments/create",
                    json=request_body(email=f"person{number}@example.com"),
                )
            ).status_code
            for number in range(STRICT_LIMIT + 1)
        ]

        assert codes == [201] * STRICT_LIMIT + [429]


def appointment(starts_at: datetime, therapist_id: int) -> AppointmentRequest:
    return AppointmentRequest(
        id=str(uuid.uuid4()),
        therapist_id=therapist_id,
        first_name_encrypted="x",
        last_name_encrypted="x",
        email_encrypted="x",
        email_hash=uuid.uuid4().hex,
        preferred_dates=[],
        preferred_time_slots=[],
        status=AppointmentStatus.scheduled,
        scheduled_at=starts_at,
        scheduled_duration=60,
        scheduled_end_at=starts_at + timedelta(hours=1),
        room_id=uuid.uuid4().hex,
    )


async def therapists(database: Database, settings: Settings) -> tuple[int, int]:
    first = await add_person(database, settings, email="one@example.com", role=Role.therapist)
    second = await add_person(database, settings, email="two@example.com", role=Role.therapist)
    return first.id, second.id


@pytest.mark.postgres
class TestExclusionConstraint:
    async def test_refuses_overlapping_scheduled_appointments_written_past_the_service(
        self, database: Database, settings: Settings
    ) -> None:
        therapist, _ = await therapists(database, settings)
        async with database.transaction() as session:
            session.add(appointment(STARTS_AT, therapist))

        with pytest.raises(IntegrityError, match="ex_appointment_requests_no_overlap"):
            async with database.transaction() as session:
                session.add(appointment(STARTS_AT + timedelta(minutes=30), therapist))

    async def test_leaves_back_to_back_appointments_alone(
        self, database: Database, settings: Settings
    ) -> None:
        therapist, _ = await therapists(database, settings)
        async with database.transaction() as session:
            session.add(appointment(STARTS_AT, therapist))
            session.add(appointment(STARTS_AT + timedelta(hours=1), therapist))

    async def test_leaves_two_therapists_at_the_same_time_alone(
        self, database: Database, settings: Settings
    ) -> None:
        first, second = await therapists(database, settings)
        async with database.transaction() as session:
            session.add(appointment(STARTS_AT, first))
            session.add(appointment(STARTS_AT, second))
