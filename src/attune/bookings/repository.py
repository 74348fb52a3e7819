"""Every query of bookings (docs/architecture.md, "Packages")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    ScalarSelect,
    Select,
    bindparam,
    case,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings.views import NO_REFUNDS, BookingRefunds, RefundView
from attune.models import (
    Booking,
    BookingStatus,
    IntentStatus,
    Payment,
    PaymentStatus,
    Refund,
    Service,
    User,
)
from attune.platform.time_range import TimeRange


async def booking_by_id(session: AsyncSession, booking_id: int) -> Booking | None:
    return await session.get(Booking, booking_id)


async def locked_client(session: AsyncSession, user_id: int) -> User | None:
    """The client's account, its row locked as `lock_client` locks it, in one query."""
    found: User | None = await session.scalar(
        select(User).where(User.id == user_id).with_for_update()
    )
    return found


async def booking_and_client(session: AsyncSession, booking_id: int) -> tuple[Booking, User] | None:
    """The booking and its client's account, in one query."""
    row = (
        await session.execute(
            select(Booking, User)
            .join(User, User.id == Booking.user_id)
            .where(Booking.id == booking_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def lock_client(session: AsyncSession, user_id: int) -> None:
    """Serialise one client's bookings, so two requests cannot both pass the overlap check.

    On PostgreSQL this locks the client's row until the transaction ends; SQLite has no row
    locks and needs none, because its write transactions already run one at a time.
    """
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _unpaid_of(user_id: int) -> tuple[ColumnElement[bool], ...]:
    """The client's scheduled bookings that hold a seat without a payment yet."""
    return (
        Booking.user_id == user_id,
        Booking.status == BookingStatus.scheduled,
        Booking.payment_status.in_((PaymentStatus.pending, PaymentStatus.failed)),
    )


async def unpaid_bookings_of_client(session: AsyncSession, user_id: int) -> Sequence[Booking]:
    """The client's unpaid scheduled bookings that cost something, soonest first."""
    query = (
        select(Booking)
        .where(*_unpaid_of(user_id), Booking.amount_cents > 0)
        .order_by(Booking.scheduled_at, Booking.id)
    )
    return (await session.scalars(query)).all()


def _overlapping(user_id: int, time: TimeRange, excluding: int | None) -> Select[int]:
    """One of the client's scheduled bookings that overlaps `time`, by its id."""
    query = select(Booking.id).where(
        Booking.user_id == user_id,
        Booking.status == BookingStatus.scheduled,
        time.overlap_condition(Booking.scheduled_at, Booking.ends_at),
    )
    if excluding is not None:
        query = query.where(Booking.id != excluding)
    return query.limit(1)


async def overlapping_booking(
    session: AsyncSession, user_id: int, time: TimeRange, *, excluding: int | None = None
) -> int | None:
    """The id of one of the client's scheduled bookings that overlaps `time`."""
    found: int | None = await session.scalar(_overlapping(user_id, time, excluding))
    return found


async def overlap_and_unpaid(
    session: AsyncSession, user_id: int, time: TimeRange
) -> tuple[int | None, int]:
    """What a new booking of the client's at `time` is refused for, in one query: the id of
    one of their scheduled bookings that it overlaps, and how many of theirs wait for a
    payment."""
    unpaid = select(func.count(Booking.id)).where(*_unpaid_of(user_id))
    row = (
        await session.execute(
            select(_overlapping(user_id, time, None).scalar_subquery(), unpaid.scalar_subquery())
        )
    ).one()
    return row[0], row[1] or 0


async def room_shared(session: AsyncSession, room_id: str, *, excluding: int) -> bool:
    """Whether another scheduled booking meets in this room (a seat in the same group slot)."""
    query = select(Booking.id).where(
        Booking.room_id == room_id,
        Booking.status == BookingStatus.scheduled,
        Booking.id != excluding,
    )
    return await session.scalar(query.limit(1)) is not None


async def update_if_unchanged(
    session: AsyncSession,
    booking_id: int,
    values: dict[str, Any],
    *,
    schedule_id: int | None,
    scheduled_at: datetime,
) -> Booking | None:
    """Change a booking only if it is still scheduled in the slot and at the time it was read.

    The rules (the notice before the start, the seat to give back) were checked against what
    was read; the condition is in the UPDATE itself, so of a cancel and a reschedule racing for
    one booking exactly one wins and the loser gets None. The booking row stays locked on
    PostgreSQL until the transaction ends.
    """
    same_slot = (
        Booking.schedule_id.is_(None) if schedule_id is None else Booking.schedule_id == schedule_id
    )
    statement = (
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.status == BookingStatus.scheduled,
            same_slot,
            Booking.scheduled_at == scheduled_at,
        )
        .values(**values)
        .returning(Booking)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    result = await session.scalars(statement)
    return result.one_or_none()


def _refunded_cents() -> ScalarSelect[int]:
    """What has gone back of the booking's payment, as a column of a query of bookings: the
    largest refunded amount of its succeeded payments (refunds made in Stripe's dashboard
    included), 0 when there is none; an index lookup per booking (payments.booking_id)."""
    return (
        select(func.coalesce(func.max(Payment.amount_refunded_cents), 0))
        .where(Payment.booking_id == Booking.id, Payment.status == IntentStatus.succeeded)
        .scalar_subquery()
    )


def _has_refunds() -> Exists:
    return exists().where(Refund.booking_id == Booking.id)


def _bookings_of_client() -> Select[Booking, int, bool, Service, User]:
    upcoming = Booking.ends_at >= bindparam("now")
    return (
        select(Booking, _refunded_cents(), _has_refunds(), Service, User)
        .join(Service, Service.id == Booking.service_id)
        .join(User, User.id == Booking.user_id)
        .where(Booking.user_id == bindparam("user_id"))
        .order_by(
            case((upcoming, 0), else_=1),
            case((upcoming, Booking.scheduled_at), else_=None).asc(),
            Booking.scheduled_at.desc(),
            Booking.id.desc(),
        )
    )


# Built once, as a client's list of bookings is read far more often than anything is booked.
_CLIENT_BOOKINGS = _bookings_of_client()
_CLIENT_BOOKINGS_IN_STATUS = _CLIENT_BOOKINGS.where(Booking.status == bindparam("status"))


@dataclass(frozen=True)
class ClientBookings:
    """A client's bookings with what their answer needs, read together."""

    bookings: Sequence[Booking]
    refunds: dict[int, BookingRefunds]
    # The services the bookings are for, by id.
    services: dict[int, Service]
    # The client, None when they have no bookings (in the state asked for).
    client: User | None


async def bookings_of_client(
    session: AsyncSession, user_id: int, now: datetime, status: BookingStatus | None = None
) -> ClientBookings:
    """A client's bookings: those still to come first (soonest first), then the rest. Their
    refund totals, services and client come in the same query; the refunds themselves in a
    second one only when there are any (most bookings have none)."""
    if status is None:
        found = await session.execute(_CLIENT_BOOKINGS, {"user_id": user_id, "now": now})
    else:
        found = await session.execute(
            _CLIENT_BOOKINGS_IN_STATUS, {"user_id": user_id, "now": now, "status": status}
        )
    rows = found.all()
    totals = [(booking.id, amount, any_refund) for booking, amount, any_refund, _, _ in rows]
    return ClientBookings(
        bookings=[row[0] for row in rows],
        refunds=await _refunds(session, totals),
        services={service.id: service for _, _, _, service, _ in rows},
        client=rows[0][4] if rows else None,
    )


async def refunds_of_bookings(
    session: AsyncSession, booking_ids: Iterable[int]
) -> dict[int, BookingRefunds]:
    """The refunds of every booking shown, by booking id: their totals in one query, and the
    refunds themselves in a second one only when any was asked for."""
    wanted = set(booking_ids)
    if not wanted:
        return {}
    totals = await session.execute(
        select(Booking.id, _refunded_cents(), _has_refunds()).where(Booking.id.in_(wanted))
    )
    return await _refunds(session, totals.all())


async def _refunds(
    session: AsyncSession, totals: Sequence[tuple[int, int, bool]]
) -> dict[int, BookingRefunds]:
    """Each booking's refunds from its totals (booking id, amount refunded, whether any refund
    was asked for), reading the refunds, oldest first, of those that have any."""
    refunded = {booking_id: amount for booking_id, amount, _ in totals}
    with_refunds = [booking_id for booking_id, _, any_refund in totals if any_refund]
    listed: dict[int, list[RefundView]] = {}
    if with_refunds:
        refund_rows = await session.execute(
            select(
                Refund.booking_id,
                Refund.id,
                Refund.amount_cents,
                Refund.status,
                Refund.reason,
                Refund.created_at,
            )
            .where(Refund.booking_id.in_(with_refunds))
            .order_by(Refund.id)
        )
        for booking_id, refund_id, amount_cents, status, reason, created_at in refund_rows:
            listed.setdefault(booking_id, []).append(
                RefundView(refund_id, amount_cents, status, reason, created_at)
            )
    return {
        booking_id: BookingRefunds(amount, tuple(listed.get(booking_id, ())))
        if amount or booking_id in listed
        else NO_REFUNDS
        for booking_id, amount in refunded.items()
    }


async def cancel_unpaid_holds(
    session: AsyncSession, *, created_before: datetime, reason: str, now: datetime, limit: int
) -> Sequence[Booking]:
    """Cancel, for the practice, up to `limit` bookings that still wait for a payment and were
    made before `created_before`; returns those cancelled, their seats still to be freed.

    The UPDATE repeats its conditions, so of this and a payment arriving for one booking
    exactly one wins: a payment recorded first keeps the booking (it is no longer unpaid), and
    one recorded after finds it cancelled and is refunded in full.
    """
    due = (
        Booking.status == BookingStatus.scheduled,
        Booking.payment_status.in_((PaymentStatus.pending, PaymentStatus.failed)),
        # A booking made while the practice charged nothing has nothing to pay.
        Booking.amount_cents > 0,
        Booking.created_at < created_before,
    )
    # A CTE that skips rows locked by another sweep or request (PostgreSQL): two sweeps
    # share the work, and one never waits on a client's cancellation.
    candidates = (
        select(Booking.id)
        .where(*due)
        .order_by(Booking.created_at, Booking.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
    )
    released = await session.scalars(
        update(Booking)
        .where(Booking.id.in_(select(candidates.c.id)), *due)
        .values(
            status=BookingStatus.cancelled,
            cancelled_at=now,
            cancelled_by_practice=True,
            cancellation_reason_encrypted=reason,
            updated_at=now,
        )
        .returning(Booking)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return released.all()


async def users_by_id(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, User]:
    found = await session.scalars(select(User).where(User.id.in_(set(user_ids))))
    return {user.id: user for user in found}


async def lock_booking(session: AsyncSession, booking_id: int) -> None:
    """Lock the booking's row until the transaction ends (PostgreSQL; SQLite's write
    transactions already run one at a time)."""
    await session.execute(select(Booking.id).where(Booking.id == booking_id).with_for_update())


async def update_payment_state(
    session: AsyncSession,
    booking_id: int,
    *,
    leaving: tuple[PaymentStatus, ...],
    values: dict[str, Any],
) -> Booking | None:
    """Change the booking's payment state only from one of the states `leaving`; None if it
    was in none of them (another writer moved it first)."""
    result = await session.scalars(
        update(Booking)
        .where(Booking.id == booking_id, Booking.payment_status.in_(leaving))
        .values(**values)
        .returning(Booking)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.one_or_none()


async def mark_refunded(
    session: AsyncSession, booking_id: int, intent_id: str, now: datetime
) -> Booking | None:
    """The booking paid by this intent is refunded in full: only from succeeded, and only
    when this intent is the one that paid it (another attempt's refund says nothing of it)."""
    result = await session.scalars(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.payment_id == intent_id,
            Booking.payment_status == PaymentStatus.succeeded,
        )
        .values(payment_status=PaymentStatus.refunded, updated_at=now)
        .returning(Booking)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.one_or_none()
