"""The audit log: every staff action, and every time staff open a client's records.

The services write it, from the actor, through the unit of work (`UnitOfWork.audit`); no
endpoint or page does. An action is written in the operation's own transaction, so the entry
exists exactly when the change does, unless the service asks to keep it even if the operation
is refused. A look at personal data is written in a transaction of its own and committed
before the data is returned: read-only requests run in read-only transactions, and no one
should read a client's records without leaving a trace, even if the response is then lost.

Entries never copy personal fields: `details` says what changed (states, weekdays, amounts,
slot ids, whether a reason was given) and no more, so the log is not a second, unencrypted copy
of what the database keeps sealed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from attune.platform.actor import Actor
from attune.platform.database import Base, utcnow


class AuditAction(StrEnum):
    appointment_viewed = "appointment_request.viewed"
    appointment_scheduled = "appointment_request.scheduled"
    appointment_rescheduled = "appointment_request.rescheduled"
    appointment_rejected = "appointment_request.rejected"
    availability_changed = "availability.changed"
    booking_viewed = "booking.viewed"
    booking_cancelled = "booking.cancelled"
    booking_rescheduled = "booking.rescheduled"
    booking_outcome_recorded = "booking.outcome_recorded"
    booking_refunded = "booking.refunded"
    service_created = "service.created"
    service_changed = "service.changed"
    service_removed = "service.removed"
    slot_created = "slot.created"
    slot_changed = "slot.changed"
    slot_deleted = "slot.deleted"
    slots_generated = "slots.generated"
    therapist_added = "therapist.added"
    therapist_changed = "therapist.changed"
    staff_invited = "staff.invited"
    user_changed = "user.changed"
    user_viewed = "user.viewed"


class AuditTarget(StrEnum):
    appointment_request = "appointment_request"
    availability = "availability"
    booking = "booking"
    service = "service"
    slot = "slot"
    user = "user"


class AuditEntry(Base):
    """One thing a member of the practice did or looked at: who, what, to which record, from
    where, when."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Kept when the account goes: the entry still says which account it was.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def entry_values(
    actor: Actor,
    action: AuditAction,
    target: AuditTarget,
    target_id: object,
    *,
    address: str,
    at: datetime,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The columns of one entry."""
    return {
        "at": at,
        "actor_id": actor.user_id,
        "action": action.value,
        "target_type": target.value,
        "target_id": None if target_id is None else str(target_id),
        "address": address,
        "details": details,
    }
