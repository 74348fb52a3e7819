"""The audit log: every admin action, and every time an admin opens a client's records.

An action is written in the request's own transaction, so the entry exists exactly when the
change does. A look at personal data (an account; an appointment request's name, e-mail, phone
and reason; a booking with its client, notes and cancellation reason) is written in a
transaction of its own and committed before the data is returned: read-only requests run in
read-only transactions, and no admin should read a client's records without leaving a trace,
even if the response is then lost. This holds on every route an admin can use, the clients'
routes included.

Entries never copy personal fields: `details` says what changed (states, weekdays, amounts,
slot ids, whether a reason was given) and no more, so the log is not a second, unencrypted copy
of what the database keeps sealed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts.dependencies import CurrentUser
from attune.models import User
from attune.platform import policy
from attune.platform.audit import AuditAction, AuditEntry, AuditTarget
from attune.platform.client_address import client_address
from attune.platform.database import Database
from attune.platform.dependencies import AppClock, AppDatabase, Session


@dataclass(frozen=True)
class AuditTrail:
    """Who is acting, from where and when, for the entries one request writes."""

    session: AsyncSession
    database: Database
    actor: User
    address: str
    now: datetime

    def record(
        self,
        action: AuditAction,
        target: AuditTarget,
        target_id: object = None,
        **details: Any,
    ) -> None:
        """An admin action, in the request's transaction: it commits with the change or not."""
        self.session.add(AuditEntry(**self._values(action, target, target_id, details)))

    async def record_views(
        self, action: AuditAction, target: AuditTarget, target_ids: Iterable[object], **details: Any
    ) -> None:
        """An admin's look at a client's records, one entry a record, committed at once.

        A client looking at their own data is not audited: only an admin's access to
        someone else's needs a trace.
        """
        if not policy.is_staff(policy.actor_for(self.actor)):
            return
        rows = [self._values(action, target, item, details) for item in target_ids]
        if not rows:
            return
        async with self.database.transaction() as session:
            await session.execute(insert(AuditEntry), rows)

    def acts_for_another(self, owner_id: int | None) -> bool:
        """An admin at a record that is not their own, on a route clients use too: such a look
        or change is audited as it is on the admin's own routes."""
        return policy.acts_for_another(policy.actor_for(self.actor), owner_id)

    def _values(
        self, action: AuditAction, target: AuditTarget, target_id: object, details: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "at": self.now,
            "actor_id": self.actor.id,
            "action": action.value,
            "target_type": target.value,
            "target_id": None if target_id is None else str(target_id),
            "address": self.address,
            "details": details,
        }


async def audit_trail(
    request: Request, user: CurrentUser, session: Session, database: AppDatabase, clock: AppClock
) -> AuditTrail:
    return AuditTrail(
        session=session,
        database=database,
        actor=user,
        address=client_address(request),
        now=clock.now(),
    )


Audit = Annotated[AuditTrail, Depends(audit_trail)]


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def search(
    session: AsyncSession, wanted: AuditFilter, *, limit: int, offset: int
) -> tuple[Sequence[tuple[AuditEntry, str | None]], int]:
    """Entries that match, newest first, with the acting account's e-mail; and how many match."""
    conditions = _conditions(wanted)
    rows = await session.execute(
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = await session.scalar(select(func.count(AuditEntry.id)).where(*conditions))
    return [(entry, email) for entry, email in rows], total or 0


def _conditions(wanted: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.actor_id is not None:
        conditions.append(AuditEntry.actor_id == wanted.actor_id)
    if wanted.action is not None:
        conditions.append(AuditEntry.action == wanted.action)
    if wanted.target_type is not None:
        conditions.append(AuditEntry.target_type == wanted.target_type)
    if wanted.target_id is not None:
        conditions.append(AuditEntry.target_id == wanted.target_id)
    if wanted.since is not None:
        conditions.append(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        conditions.append(AuditEntry.at < wanted.until)
    return conditions
