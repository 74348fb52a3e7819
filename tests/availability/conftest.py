"""The availability tests: an admin, a client, and a practice in New York."""

from __future__ import annotations

from pathlib import Path

import pytest

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.mailbox import SmtpServer
from tests.support.people import Person, add_admin, add_client

ZONE = "America/New_York"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=smtp_server.url, practice_timezone=ZONE)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


@pytest.fixture
async def member(database: Database, settings: Settings) -> Person:
    """A client (not an admin)."""
    return await add_client(database, settings)
