"""A fresh PostgreSQL database beside the test database, for processes that migrate their own.

`attune serve` applies the migrations at start; the tests' own database is built by the test
fixtures instead, and is emptied between tests, so processes get a database of their own here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def _run_statements(server_url: str, *statements: str) -> None:
    # CREATE and DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _run_blocking(server_url: str, *statements: str) -> None:
    # A thread of its own: the caller may be a synchronous fixture inside a running test loop.
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(asyncio.run, _run_statements(server_url, *statements)).result()


@contextmanager
def scratch_database(server_url: str, suffix: str) -> Iterator[str]:
    """A new, empty database named after the one `server_url` names plus `suffix`; yields its
    URL and drops it afterwards, with whatever connections are still open to it."""
    url = make_url(server_url)
    name = f"{url.database}_{suffix}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    _run_blocking(server_url, drop, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        _run_blocking(server_url, drop)
