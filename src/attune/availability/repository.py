"""Every query of the weekly availability: one row, id 1, for the practice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import WeeklyAvailability
from attune.platform.database import execute_bulk

PRACTICE_ROW_ID = 1


async def stored_days(session: AsyncSession) -> list[int] | None:
    """The weekdays the practice has set, or None while it has never set any."""
    days: list[int] | None = await session.scalar(
        select(WeeklyAvailability.available_days).where(WeeklyAvailability.id == PRACTICE_ROW_ID)
    )
    return days


async def store_days(session: AsyncSession, days: list[int], now: datetime) -> None:
    """Insert the row or update it in one statement: two admins saving at once never create a
    second row, and neither fails; the later write wins."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WeeklyAvailability).values(
        id=PRACTICE_ROW_ID, available_days=days, created_at=now, updated_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[WeeklyAvailability.id],
        set_={"available_days": statement.excluded.available_days, "updated_at": now},
    )
    await execute_bulk(session, statement)
