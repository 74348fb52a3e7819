"""Alembic environment: async engines, batch mode for SQLite, the models' metadata."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import attune.models  # noqa: F401  (registers every table)
from attune.platform.database import Base, create_engine
from attune.platform.settings import load_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata
# An arbitrary constant that names the migration lock among PostgreSQL's advisory locks.
MIGRATION_LOCK = 0x61747475


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().resolved_database_url


def _pragma(connection: Connection, pragma: str) -> None:
    """Run a pragma on the driver's connection, outside SQLAlchemy's transaction (which would
    begin one first, and SQLite ignores the foreign_keys pragma inside a transaction)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        user_module_prefix="attune.platform.database.",
    )
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode changes a table by copying it, dropping the old one and renaming the copy;
        # with foreign keys on, dropping a table that rows refer to fails. SQLite's own recipe
        # (sqlite.org/lang_altertable.html, "other kinds of table schema changes"): keys off
        # (before the transaction, where the pragma is ignored), change, check, keys on.
        _pragma(connection, "foreign_keys=OFF")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several processes may start at once on a new database: the first migrates, the
            # others wait here and then find the schema up to date. Released at commit.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(
                    f"The migration broke {len(broken)} foreign key(s): {broken[:5]}"
                )
    if sqlite:
        _pragma(connection, "foreign_keys=ON")


async def run_online() -> None:
    engine = create_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        user_module_prefix="attune.platform.database.",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
