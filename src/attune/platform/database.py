"""The database: engines for SQLite and PostgreSQL, the UTC datetime type, sessions.

One request is one transaction (docs/architecture.md, "One request, one transaction"). On SQLite
a transaction that will write starts with `BEGIN IMMEDIATE`: it waits for the write lock up
front (busy timeout) instead of failing with SQLITE_BUSY when it tries to upgrade a read
snapshot that another writer has moved past.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import CursorResult, DateTime, Executable, Insert, MetaData, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled PostgreSQL connection idle for longer than this is tested before it is handed out.
IDLE_BEFORE_PING_SECONDS = 10.0
_IDLE_SINCE = "attune_idle_since"
_WRITE_OPTION = "attune_write"
_SINGLE_STATEMENT_OPTION = "attune_single_statement"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: refuses naive datetimes, stores UTC, gives back aware UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: every instant must carry its zone")
        value = value.astimezone(UTC)
        # SQLite has no zone-aware type; stored without offset, it compares as text in UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The default of an instant column that the database fills in when a row is written."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # A statement's parameters are personal data (names, addresses): they stay out of error
    # texts, which are logged, and out of SQLAlchemy's own log if someone turns it on.
    if not is_sqlite(url):
        engine = create_async_engine(
            url,
            hide_parameters=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=5,
            connect_args={"timeout": 5, "command_timeout": 30},
        )
        _ping_after_idle(engine)
        return engine
    engine = create_async_engine(
        url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_SINGLE_STATEMENT_OPTION, False):
            return  # the driver runs the statement in a transaction of its own
        write = options.get(_WRITE_OPTION, True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Test a pooled connection before handing it out only when it has been idle for a while.

    `pool_pre_ping` would cost a round trip on every checkout, that is on every request. A
    connection in steady use was working milliseconds ago; one left idle may have been closed
    by the server, a proxy or a restart, and is tested first (a failed test makes the pool
    discard it and take another, as pre-ping does). A connection that breaks while in use
    fails its request, and SQLAlchemy then discards every connection of the pool, so the
    next requests reconnect (the "optimistic" handling of SQLAlchemy's "Dealing with
    Disconnects").
    """
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("a pooled connection no longer answers") from error


async def execute_bulk(session: AsyncSession, statement: Executable) -> CursorResult[Any]:
    """Run a bulk INSERT, UPDATE or DELETE on the session's connection.

    Objects already loaded in the session are left as they are (no synchronize_session), and the
    result gives `rowcount` for conditional writes and the rows of a RETURNING clause.
    """
    connection = await session.connection()
    return await connection.execute(statement)


def insert_ignoring_duplicates(
    session: AsyncSession, model: type[Base], values: Mapping[str, Any], *, unique: str
) -> Insert:
    """INSERT … ON CONFLICT (unique) DO NOTHING, in the dialect of the session's database."""
    return insert_skipping_duplicates(session, model, unique=unique).values(dict(values))


def insert_skipping_duplicates(session: AsyncSession, model: type[Base], *, unique: str) -> Insert:
    """`insert_ignoring_duplicates` of the rows it is executed with: one statement for many."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=[unique])


class Database:
    """The engine and the two kinds of session: read-only requests and everything that writes."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        # A class of this database's own, so that listeners on its commits hear no other's.
        self._writer_session_class = type("WriterSession", (Session,), {})
        self._writers = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            execution_options={_WRITE_OPTION: True},
            sync_session_class=self._writer_session_class,
        )
        # The job queue's own bookkeeping (claims, leases, outcomes): writes that change nothing
        # anyone is shown, so they do not tell the listeners of `on_write_commit`.
        self._queue_writers = async_sessionmaker(
            self.engine, expire_on_commit=False, execution_options={_WRITE_OPTION: True}
        )
        self._readers = async_sessionmaker(
            self.engine, expire_on_commit=False, execution_options={_WRITE_OPTION: False}
        )
        # A read of one statement needs no BEGIN and COMMIT around it (two round trips on
        # PostgreSQL, two thread hops on SQLite): the statement is a transaction of its own.
        single_statement = self.engine.execution_options(
            **({} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}),
            **{_WRITE_OPTION: False, _SINGLE_STATEMENT_OPTION: True},
        )
        self._single_statement_readers = async_sessionmaker(
            single_statement, expire_on_commit=False
        )

    def on_write_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` after each transaction that may have written has committed."""
        event.listen(self._writer_session_class, "after_commit", lambda _session: callback())

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(
        self, *, write: bool = True, single_statement: bool = False, queue_only: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back if it raises.

        `single_statement` is for a read that runs one SELECT (the public day view), which is a
        transaction by itself. A second statement would see a snapshot of its own, as every
        statement of a PostgreSQL transaction at READ COMMITTED does anyway.

        `queue_only` is for a write to the job queue's table alone (the worker claiming a job,
        renewing its lease, recording how it went): its commit is not one that `on_write_commit`
        hears, so the in-process worker's poll, every second, does not empty the caches of what
        people are shown. A job's own work runs in a unit of work, whose commit they hear."""
        if single_statement and write:
            raise ValueError("only a read runs as a single statement")
        if queue_only and not write:
            raise ValueError("only a write goes to the job queue")
        maker = (
            self._single_statement_readers
            if single_statement
            else self._queue_writers
            if queue_only
            else self._writers
            if write
            else self._readers
        )
        async with maker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
