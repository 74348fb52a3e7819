"""The receipt of a request sent without an account: whoever holds it sees the request again
for an hour, and nobody else ever does."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime

import pytest

from attune.platform.actor import ANONYMOUS
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from attune.requests.errors import AppointmentNotFound
from attune.requests.intake import RECEIPT_LIFETIME, intake_service
from tests.requests.builders import NOW
from tests.requests.test_service import asked


def work_at(
    database: Database, settings: Settings, now: datetime
) -> AbstractAsyncContextManager[UnitOfWork]:
    return unit_of_work(database, settings, EventBus(), now=now)


class TestSent:
    async def test_the_receipt_shows_the_request_to_its_holder(
        self, database: Database, settings: Settings
    ) -> None:
        request_id = await asked(database, settings)
        receipt = intake_service.receipt(settings, request_id)

        async with work_at(database, settings, NOW + RECEIPT_LIFETIME) as uow:
            view = await intake_service.sent(uow, ANONYMOUS, request_id, receipt)

        assert (view.id, view.first_name, view.email) == (request_id, "John", "john@example.com")

    async def test_a_wrong_or_borrowed_receipt_finds_nothing(
        self, database: Database, settings: Settings
    ) -> None:
        first = await asked(database, settings)
        second = await asked(database, settings)

        async with work_at(database, settings, NOW) as uow:
            for request_id, receipt in (
                (first, "0" * 64),
                (first, intake_service.receipt(settings, second)),
                ("no-such-request", intake_service.receipt(settings, "no-such-request")),
            ):
                with pytest.raises(AppointmentNotFound):
                    await intake_service.sent(uow, ANONYMOUS, request_id, receipt)

    async def test_a_receipt_lapses_after_an_hour(
        self, database: Database, settings: Settings
    ) -> None:
        request_id = await asked(database, settings)
        receipt = intake_service.receipt(settings, request_id)

        async with work_at(database, settings, NOW + RECEIPT_LIFETIME * 1.01) as uow:
            with pytest.raises(AppointmentNotFound):
                await intake_service.sent(uow, ANONYMOUS, request_id, receipt)
