"""The slot tests run at a frozen instant (builders.NOW) with one admin and one client."""

from __future__ import annotations

import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.builders import NOW
from tests.support.people import Person, add_admin, add_client


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


@pytest.fixture
async def member(database: Database, settings: Settings) -> Person:
    """A client (not an admin)."""
    return await add_client(database, settings)
