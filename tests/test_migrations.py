"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from attune.platform.database import Base, Database
from attune.platform.migrations import alembic_config, upgrade
from tests.conftest import PostgresSchema, make_settings
from tests.support.scratch_database import scratch_database


async def _drop_everything(url: str) -> None:
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await database.dispose()


async def _table_names(url: str) -> set[str]:
    database = Database(url)
    async with database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await database.dispose()
    return names


def test_upgrade_check_downgrade_upgrade(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url)
    if not database_url.startswith("sqlite"):
        asyncio.run(_drop_everything(database_url))
        # The next test's fixture builds its schema afresh.
        PostgresSchema.ready = False
    config = alembic_config(database_url)

    upgrade(settings)
    command.check(config)  # raises when the models and the migrations disagree
    assert set(Base.metadata.tables) <= asyncio.run(_table_names(database_url))

    command.downgrade(config, "base")
    assert asyncio.run(_table_names(database_url)) <= {"alembic_version"}

    upgrade(settings)
    command.check(config)


@pytest.mark.postgres
@pytest.mark.processes
def test_processes_migrating_a_new_database_at_once_all_succeed(postgres_url: str) -> None:
    """Several `attune serve` processes starting together each run the migrations first."""
    with scratch_database(postgres_url, "migrate_race") as url:
        environment = {**os.environ, "ATTUNE_DATABASE_URL": url, "ATTUNE_LOG_LEVEL": "WARNING"}
        migrating = [
            subprocess.Popen(
                [sys.executable, "-m", "attune", "migrate"],
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(6)
        ]
        outputs = [process.communicate(timeout=120)[0] for process in migrating]

        assert [process.returncode for process in migrating] == [0] * 6, outputs
        assert set(Base.metadata.tables) <= asyncio.run(_table_names(url))
