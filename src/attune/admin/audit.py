"""The audit trail of one request, for the routes that still record audit entries in their
endpoints. Services record through the unit of work instead (`UnitOfWork.audit` and
`UnitOfWork.audit_reads`, see `attune.platform.audit` for what is recorded and when); this goes
once no route uses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import insert
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
