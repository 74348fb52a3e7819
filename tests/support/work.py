"""A unit of work for tests that call a service directly, as a request or a job would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from attune.event_handlers import domain_events
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work


@asynccontextmanager
async def work(
    database: Database, settings: Settings, *, now: datetime
) -> AsyncIterator[UnitOfWork]:
    """One transaction with the application's event handlers, committed when the block ends."""
    async with unit_of_work(database, settings, domain_events(), now=now) as uow:
        yield uow
