"""Typed dependencies shared by every router: the request's unit of work, settings and clock.

Each is `async def`, trivial as it is: FastAPI runs a plain `def` dependency on a worker
thread, and three thread hops a request to read three attributes cost more than the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from attune.platform.client_address import client_address
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work

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


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """One unit of work for the request, committed before the response is sent."""
    state = request.app.state
    events: EventBus = state.events
    async with unit_of_work(
        state.database,
        state.settings,
        events,
        now=state.clock.now(),
        address=client_address(request),
        write=request.method not in READ_ONLY_METHODS,
    ) as uow:
        yield uow


def single_read(request: Request, now: datetime) -> AbstractAsyncContextManager[UnitOfWork]:
    """A read-only unit of work of one SELECT (no BEGIN and COMMIT around it), for a public
    read that opens it itself, and only when its kept answer is missing (platform.read_cache)."""
    state = request.app.state
    return unit_of_work(
        state.database, state.settings, state.events, now=now, write=False, single_statement=True
    )


# scope="function": the commit happens before the response is sent, so a failed commit is a
# 500 and never a lost write behind a 201 (docs/architecture.md, "One request, one transaction").
Work = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


async def get_session(uow: Work) -> AsyncSession:
    """The unit of work's session, for the routes that read or write through repositories."""
    return uow.session


AppSettings = Annotated[Settings, Depends(get_settings)]
AppDatabase = Annotated[Database, Depends(get_database)]
AppClock = Annotated[Clock, Depends(get_clock)]
Session = Annotated[AsyncSession, Depends(get_session)]
