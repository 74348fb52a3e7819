"""A running app whose periodic sweeps the tests drive on a frozen clock, with its mailbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
from fastapi import FastAPI

from attune.event_handlers import domain_events
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.jobs import JobContext
from attune.platform.settings import Settings
from tests.conftest import run_jobs
from tests.support.mailbox import Mailbox


@dataclass(frozen=True)
class SweptApp:
    """The app under test and what the sweeps touch: its database, clock and mailbox."""

    app: FastAPI
    client: httpx.AsyncClient
    database: Database
    settings: Settings
    clock: FrozenClock
    mailbox: Mailbox

    async def run_at(self, moment: datetime) -> None:
        """Move the clock and let the worker run what is due, periodic sweeps included."""
        self.clock.at = moment
        await run_jobs(self.app)

    def job_context(self) -> JobContext:
        return JobContext(
            self.settings, self.database, self.clock, domain_events(), job_id=0, attempt=1
        )
