"""Typed dependencies shared by every router: the request's session, settings and clock.

Each is `async def`, trivial as it is: FastAPI runs a plain `def` dependency on a worker
thread, and three thread hops a request to read three attributes cost more than the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Settings

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction for the request, committed before the response is sent."""
    database = await get_database(request)
    async with database.transaction(write=request.method not in READ_ONLY_METHODS) as session:
        yield session


AppSettings = Annotated[Settings, Depends(get_settings)]
AppDatabase = Annotated[Database, Depends(get_database)]
AppClock = Annotated[Clock, Depends(get_clock)]
# scope="function": the commit happens before the response is sent, so a failed commit is a
# 500 and never a lost write behind a 201 (docs/architecture.md, "One request, one transaction").
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
