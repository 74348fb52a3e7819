"""A client generated from the served /openapi.json (openapi-python-client) runs the main flows
of both contracts against a live server, with nothing but that client, so the document cannot
drift from what the service does: every answer must parse into the model the document names.

The admin account is made as an operator makes it (`attune create-admin` writes it straight to
the database); the mailed code is read from the test SMTP server.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, time, timedelta
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openapi_python_client.strings import snake_case

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.live_server import live_server
from tests.support.mailbox import Mailbox, SmtpServer, otp_from
from tests.support.people import add_admin

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "attune_generated_client"
PASSWORD = "quiet lantern over seven hills"
GENERATION_TIMEOUT_SECONDS = 300


class GeneratedClient:
    """The generated package, with its operations looked up by method and documented path."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.client = importlib.import_module(PACKAGE)

    def operation(self, method: str, path: str) -> ModuleType:
        operation = self.document["paths"][path][method.lower()]
        tag, name = snake_case(operation["tags"][0]), snake_case(operation["operationId"])
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    async def call(
        self,
        method: str,
        path: str,
        caller: Any,
        *path_values: Any,
        expect: tuple[HTTPStatus, str],
        **arguments: Any,
    ) -> Any:
        """Call the operation and check the status and the model the answer parsed into."""
        response = await self.operation(method, path).asyncio_detailed(
            *path_values, client=caller, **arguments
        )
        status, model = expect
        assert response.status_code == status, (method, path, response.content)
        parsed = response.parsed
        if model.startswith("list["):
            assert isinstance(parsed, list), (method, path, parsed)
        else:
            assert isinstance(parsed, getattr(self.models, model)), (method, path, parsed)
        return parsed


def generate(document: dict[str, Any], directory: Path) -> None:
    source = directory / "openapi.json"
    source.write_text(json.dumps(document))
    config = directory / "generator.yaml"
    # No formatting hooks: the generated code is imported, never read.
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(source),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=GENERATION_TIMEOUT_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # A schema it cannot read is dropped with a warning, and its operations then lose their
    # answers: every part of the document must be understood.
    assert "Warning" not in output, output


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    """The worker runs in the server, as in `attune serve`, so mail is sent while the flows run."""
    return make_settings(
        tmp_path, database_url, smtp_url=smtp_server.url, run_worker=True, job_poll_seconds=0.05
    )


@pytest.fixture
def generated_package(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "generated"
    directory.mkdir()
    sys.path.insert(0, str(directory))
    try:
        yield directory
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def future_day(days: int, hour: int) -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=days), time(hour), UTC)


async def test_a_generated_client_runs_both_contracts(
    app: FastAPI,
    database: Database,
    settings: Settings,
    mailbox: Mailbox,
    generated_package: Path,
) -> None:
    admin_account = await add_admin(database, settings)
    async with live_server(app) as base_url, AsyncExitStack() as clients:
        async with httpx.AsyncClient(base_url=base_url) as http:
            document: dict[str, Any] = (await http.get("/openapi.json")).json()
        generate(document, generated_package)
        api = GeneratedClient(document)
        models = api.models

        async def connected(token: str | None = None) -> Any:
            if token is None:
                return await clients.enter_async_context(api.client.Client(base_url=base_url))
            authenticated = api.client.AuthenticatedClient(base_url=base_url, token=token)
            return await clients.enter_async_context(authenticated)

        anonymous = await connected()
        admin = await connected(admin_account.token)

        # Seed 000: register, verify the e-mail, log in.
        email = "grace.hopper@example.com"
        await api.call(
            "POST",
            "/api/auth/register",
            anonymous,
            expect=(HTTPStatus.CREATED, "Registered"),
            body=models.UserCreate(
                first_name="Grace",
                last_name="Hopper",
                email=email,
                password=PASSWORD,
                password2=PASSWORD,
                phone="+1 555 0100",
            ),
        )
        code = otp_from((await mailbox.wait_for(email))[0])
        await api.call(
            "POST",
            "/api/auth/verify-otp",
            anonymous,
            expect=(HTTPStatus.OK, "Message"),
            body=models.OtpVerification(email=email, otp=code),
        )
        login = await api.call(
            "POST",
            "/api/auth/login",
            anonymous,
            expect=(HTTPStatus.OK, "LoggedIn"),
            body=models.Credentials(email=email, password=PASSWORD),
        )
        client = await connected(login.access)

        # The therapist opens a slot; the client finds it, books it and pays (demo mode).
        starts = future_day(3, 10)
        await api.call(
            "POST",
            "/api/admin/schedules",
            admin,
            expect=(HTTPStatus.CREATED, "ScheduleSaved"),
            body=models.ScheduleCreate(start_time=starts, end_time=starts + timedelta(hours=1)),
        )
        day = await api.call(
            "GET",
            "/api/schedules",
            anonymous,
            expect=(HTTPStatus.OK, "DaySlots"),
            date=starts.date(),
        )
        [slot] = day.slots
        assert slot.remaining_slots == 1
        created = await api.call(
            "POST",
            "/api/bookings",
            client,
            expect=(HTTPStatus.CREATED, "BookingCreated"),
            body=models.BookingCreate(schedule_id=slot.id),
        )
        booking_id = created.booking.id
        intent = await api.call(
            "POST",
            "/api/payments/intent",
            client,
            expect=(HTTPStatus.CREATED, "PaymentIntentCreated"),
            body=models.PaymentIntentCreate(booking_id=booking_id),
        )
        assert intent.mode == models.PaymentProvider.DEMO
        paid = await api.call(
            "POST",
            "/api/payments/confirm",
            client,
            expect=(HTTPStatus.OK, "PaymentConfirmed"),
            body=models.PaymentConfirm(payment_intent_id=intent.payment_intent),
        )
        assert paid.status == models.IntentStatus.SUCCEEDED
        meeting = await api.call(
            "GET",
            "/api/bookings/{booking_id}/meeting",
            client,
            booking_id,
            expect=(HTTPStatus.OK, "MeetingRead"),
        )
        assert meeting.meeting_status == models.MeetingStatus.SCHEDULED
        listed = await api.call(
            "GET", "/api/bookings", client, expect=(HTTPStatus.OK, "BookingList")
        )
        assert [booking.id for booking in listed.bookings] == [booking_id]
        # Cancelled without a body: the reason is optional.
        cancelled = await api.call(
            "PUT",
            "/api/bookings/{booking_id}/cancel",
            client,
            booking_id,
            expect=(HTTPStatus.OK, "BookingChanged"),
        )
        assert cancelled.booking.status == models.BookingStatus.CANCELLED

        # Seed 003: a signed-in client and a stranger ask; the therapist schedules one request
        # and declines the other without giving a reason.
        dates: list[date] = await api.call(
            "GET",
            "/api/meetings/appointments/available-dates",
            anonymous,
            expect=(HTTPStatus.OK, "list[date]"),
        )

        def asking(first_name: str, address: str) -> Any:
            return models.AppointmentCreate(
                first_name=first_name,
                last_name="Hopper",
                email=address,
                preferred_dates=dates[:2],
                preferred_time_slots=[models.TimeOfDay.MORNING],
                reason="First session",
            )

        own = await api.call(
            "POST",
            "/api/meetings/appointments/create",
            client,
            expect=(HTTPStatus.CREATED, "AppointmentRead"),
            body=asking("Grace", email),
        )
        # The generator types every operation with a security requirement as needing a token
        # (its issue #1372), though `[{}, bearer]` says anonymous callers are welcome.
        stranger = await api.call(
            "POST",
            "/api/meetings/appointments/create",
            anonymous,
            expect=(HTTPStatus.CREATED, "AppointmentRead"),
            body=asking("Alan", "alan.turing@example.com"),
        )
        pending = await api.call(
            "GET",
            "/api/meetings/appointments",
            admin,
            expect=(HTTPStatus.OK, "list[AppointmentRead]"),
        )
        assert {item.id for item in pending} == {own.id, stranger.id}
        scheduled = await api.call(
            "POST",
            "/api/meetings/appointments/{request_id}/schedule",
            admin,
            uuid.UUID(own.id),
            expect=(HTTPStatus.OK, "AppointmentRead"),
            body=models.AppointmentSchedule(scheduled_datetime=future_day(5, 14)),
        )
        assert scheduled.status == models.AppointmentStatus.SCHEDULED
        rejected = await api.call(
            "POST",
            "/api/meetings/appointments/{request_id}/reject",
            admin,
            uuid.UUID(stranger.id),
            expect=(HTTPStatus.OK, "AppointmentRead"),
        )
        assert rejected.status == models.AppointmentStatus.REJECTED
        joining = await api.call(
            "GET",
            "/api/meetings/appointments/{request_id}/jitsi-meeting",
            client,
            uuid.UUID(own.id),
            expect=(HTTPStatus.OK, "JitsiMeetingRead"),
        )
        assert joining.meeting_status == models.AppointmentMeetingStatus.SCHEDULED

        # Logging out takes an optional body too.
        await api.call("POST", "/api/auth/logout", client, expect=(HTTPStatus.OK, "Message"))
        await api.call(
            "GET", "/api/auth/profile", client, expect=(HTTPStatus.UNAUTHORIZED, "ErrorBody")
        )
