"""Every query of the admin overview (docs/architecture.md, "Packages")."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import (
    AppointmentRequest,
    Booking,
    BookingStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Service,
    Therapist,
    User,
)
from attune.platform import policy
from attune.platform.audit import AuditEntry

UNPAID = (PaymentStatus.pending, PaymentStatus.failed)
LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class BookingStats:
    total: int
    pending: int
    upcoming: int
    completed: int
    no_show: int
    cancelled: int
    revenue_cents: int
    monthly_revenue_cents: int


# A value, or a parameter bound when a statement built once runs (the dashboard's).
Instant = datetime | BindParameter[datetime]
TherapistId = int | BindParameter[int]


@dataclass(frozen=True)
class Period:
    """Instants from `starts` (inclusive) to `ends` (exclusive); None leaves that side open."""

    starts: Instant | None = None
    ends: Instant | None = None


def _number_of(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in_period(column: Any, period: Period) -> list[ColumnElement[bool]]:
    conditions = []
    if period.starts is not None:
        conditions.append(column >= period.starts)
    if period.ends is not None:
        conditions.append(column < period.ends)
    return conditions


def containing(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, its own `%`, `_` and `\\` taken literally."""
    for special in (LIKE_ESCAPE, "%", "_"):
        term = term.replace(special, LIKE_ESCAPE + special)
    return f"%{term}%"


def on_calendar_of(therapist_id: TherapistId | None) -> list[ColumnElement[bool]]:
    """Bookings on this therapist's calendar; every booking for None (the whole practice)."""
    return [] if therapist_id is None else [Booking.therapist_id == therapist_id]


def seen_by(therapist_id: TherapistId) -> ColumnElement[bool]:
    """Accounts this therapist has seen: a booking or an appointment request on their
    calendar."""
    return or_(
        exists().where(Booking.user_id == User.id, Booking.therapist_id == therapist_id),
        exists().where(
            AppointmentRequest.user_id == User.id,
            AppointmentRequest.therapist_id == therapist_id,
        ),
    )


def _paid_for(therapist_id: TherapistId | None, column: Any) -> list[ColumnElement[bool]]:
    """Money (a payment's or refund's `booking_id` column) for bookings on this therapist's
    calendar; all of it for None."""
    if therapist_id is None:
        return []
    return [column.in_(select(Booking.id).where(Booking.therapist_id == therapist_id))]


def paid_within(period: Period) -> list[ColumnElement[bool]]:
    """Payments that succeeded within `period`, in any currency."""
    return [Payment.succeeded_at.is_not(None), *_in_period(Payment.succeeded_at, period)]


def paid_in(currency: str | BindParameter[str], period: Period) -> list[ColumnElement[bool]]:
    """Payments in `currency` that succeeded within `period`: the gross of the report and
    the dashboard."""
    return [Payment.currency == currency, *paid_within(period)]


def refunded_in(currency: str | BindParameter[str], period: Period) -> list[ColumnElement[bool]]:
    """Refunds of payments in `currency` that succeeded within `period`, whenever the payment
    was made; the query joins each refund to its payment."""
    return [
        Refund.status == RefundStatus.succeeded,
        Refund.succeeded_at.is_not(None),
        Payment.currency == currency,
        *_in_period(Refund.succeeded_at, period),
    ]


def _net_cents(
    currency: str | BindParameter[str], period: Period, therapist_id: TherapistId | None
) -> ColumnElement[Any]:
    paid = select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        *paid_in(currency, period), *_paid_for(therapist_id, Payment.booking_id)
    )
    refunded = (
        select(func.coalesce(func.sum(Refund.amount_cents), 0))
        .join(Payment, Refund.payment_id == Payment.id)
        .where(*refunded_in(currency, period), *_paid_for(therapist_id, Refund.booking_id))
    )
    return paid.scalar_subquery() - refunded.scalar_subquery()


# The dashboard's two statements are built once for the whole practice and once for one
# therapist, their values bound when they run: building them anew for each request took most of
# the dashboard's time (and the back office's Today page's), far more than running them.


@functools.cache
def _users_statement(one_therapist: bool) -> Select[Any]:
    query = select(func.count(), _number_of(policy.is_client_account(User))).select_from(User)
    if one_therapist:
        query = query.where(seen_by(bindparam("therapist_id")))
    return query


async def count_users(session: AsyncSession, therapist_id: int | None) -> tuple[int, int]:
    """Every account, and those that are not admins; of a therapist, the accounts they have
    seen."""
    one_therapist = therapist_id is not None
    values = {"therapist_id": therapist_id} if one_therapist else {}
    row = (await session.execute(_users_statement(one_therapist), values)).one()
    return int(row[0]), int(row[1])


@functools.cache
def _stats_statement(one_therapist: bool) -> Select[Any]:
    therapist: BindParameter[int] | None = bindparam("therapist_id") if one_therapist else None
    currency: BindParameter[str] = bindparam("currency")
    month = Period(bindparam("month_starts"), bindparam("month_ends"))
    scheduled = Booking.status == BookingStatus.scheduled
    return (
        select(
            func.count(),
            _number_of(scheduled & Booking.payment_status.in_(UNPAID)),
            _number_of(scheduled & (Booking.scheduled_at > bindparam("now"))),
            _number_of(Booking.status == BookingStatus.completed),
            _number_of(Booking.status == BookingStatus.no_show),
            _number_of(Booking.status == BookingStatus.cancelled),
            _net_cents(currency, Period(), therapist),
            _net_cents(currency, month, therapist),
        )
        .select_from(Booking)
        .where(*on_calendar_of(therapist))
    )


async def booking_stats(
    session: AsyncSession,
    *,
    now: datetime,
    month: Period,
    currency: str,
    therapist_id: int | None = None,
) -> BookingStats:
    """Counts by state in one pass over the bookings, and revenue: what the payments in
    `currency` brought in less what was refunded, of all time and within `month` (closed at
    both ends); of one therapist's calendar, or of the whole practice for None."""
    if month.starts is None or month.ends is None:
        raise ValueError("a month has a first and a last instant")
    one_therapist = therapist_id is not None
    values: dict[str, Any] = {
        "now": now,
        "currency": currency,
        "month_starts": month.starts,
        "month_ends": month.ends,
    }
    if one_therapist:
        values["therapist_id"] = therapist_id
    row = (await session.execute(_stats_statement(one_therapist), values)).one()
    # PostgreSQL sums integers into NUMERIC, which arrives as a Decimal.
    return BookingStats(*(int(value) for value in row))


def _named(search: str) -> ColumnElement[bool]:
    """A user whose first, last or full name or e-mail address contains `search`."""
    pattern = containing(search)
    return or_(
        User.first_name.ilike(pattern, escape=LIKE_ESCAPE),
        User.last_name.ilike(pattern, escape=LIKE_ESCAPE),
        (User.first_name + " " + User.last_name).ilike(pattern, escape=LIKE_ESCAPE),
        User.email.ilike(pattern, escape=LIKE_ESCAPE),
    )


def _matching_users(search: str | None, therapist_id: int | None) -> Select[User]:
    query = select(User)
    if search is not None:
        query = query.where(_named(search))
    if therapist_id is not None:
        query = query.where(seen_by(therapist_id))
    return query


async def users_page(
    session: AsyncSession,
    *,
    search: str | None,
    limit: int,
    offset: int,
    therapist_id: int | None = None,
) -> tuple[Sequence[User], int]:
    """One page of the matching users, newest first, and how many match in all; with
    `therapist_id`, only those that therapist has seen."""
    query = _matching_users(search, therapist_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    users = await session.scalars(
        query.order_by(User.created_at.desc(), User.id.desc()).limit(limit).offset(offset)
    )
    return users.all(), int(total or 0)


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def user_seen_by(
    session: AsyncSession, user_id: int, therapist_id: int | None
) -> User | None:
    """The account, if the therapist has seen it (any account for None)."""
    if therapist_id is None:
        return await user_by_id(session, user_id)
    found = await session.scalars(select(User).where(User.id == user_id, seen_by(therapist_id)))
    return found.first()


async def therapist_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """The full names of these therapists (their accounts' names)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(ids))
    )
    return {user_id: f"{first} {last}" for user_id, first, last in rows.all()}


async def every_therapist_name(session: AsyncSession) -> list[tuple[int, str]]:
    """Every therapist of the practice, those no longer active too, by name (last, first)."""
    rows = await session.execute(
        select(User.id, User.first_name, User.last_name)
        .join(Therapist, Therapist.user_id == User.id)
        .order_by(User.last_name, User.first_name, User.id)
    )
    return [(user_id, f"{first} {last}") for user_id, first, last in rows.all()]


async def therapist_of_booking(session: AsyncSession, booking_id: int) -> int:
    therapist_id = await session.scalar(
        select(Booking.therapist_id).where(Booking.id == booking_id)
    )
    return int(therapist_id or 0)


async def service_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Service.id, Service.name).where(Service.id.in_(ids)))
    return {service_id: name for service_id, name in rows.all()}  # noqa: C416 (typed rows)


async def lock_users(session: AsyncSession, user_ids: set[int]) -> dict[int, User]:
    """Read these users afresh and, on PostgreSQL, lock their rows in id order until the
    transaction ends, so two admins changing each other wait for one another."""
    users = await session.scalars(
        select(User)
        .where(User.id.in_(user_ids))
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {user.id: user for user in users}


async def booking_counts(
    session: AsyncSession, user_id: int, therapist_id: int | None = None
) -> dict[BookingStatus, int]:
    """The client's bookings by state: on one therapist's calendar, or all of them for None."""
    rows = await session.execute(
        select(Booking.status, func.count())
        .where(Booking.user_id == user_id, *on_calendar_of(therapist_id))
        .group_by(Booking.status)
    )
    return {BookingStatus(status): int(count) for status, count in rows.all()}


async def bookings_page(
    session: AsyncSession,
    *,
    status: BookingStatus | None,
    user_id: int | None,
    period: Period,
    limit: int,
    offset: int,
    client: str | None = None,
    paid: bool | None = None,
    therapist_id: int | None = None,
    service_id: int | None = None,
) -> tuple[list[tuple[Booking, User]], int]:
    """One page of the matching bookings with their clients, latest session first, and how
    many match in all. `client` is part of the client's name or address; `paid` is a payment
    that succeeded (True) or one still due or failed (False); `therapist_id` and `service_id`
    keep one therapist's calendar and one service."""
    conditions = _in_period(Booking.scheduled_at, period) + on_calendar_of(therapist_id)
    if service_id is not None:
        conditions.append(Booking.service_id == service_id)
    if status is not None:
        conditions.append(Booking.status == status)
    if user_id is not None:
        conditions.append(Booking.user_id == user_id)
    if client is not None:
        conditions.append(_named(client))
    if paid is True:
        conditions.append(Booking.payment_status == PaymentStatus.succeeded)
    elif paid is False:
        conditions.append(Booking.payment_status.in_(UNPAID))
    total = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .join(User, Booking.user_id == User.id)
        .where(*conditions)
    )
    rows = await session.execute(
        select(Booking, User)
        .join(User, Booking.user_id == User.id)
        .where(*conditions)
        .order_by(Booking.scheduled_at.desc(), Booking.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(booking, user) for booking, user in rows.all()], int(total or 0)


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    # The acting account's e-mail address, whatever its case.
    actor_email: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def audit_page(
    session: AsyncSession, wanted: AuditFilter, *, limit: int, offset: int
) -> tuple[Sequence[tuple[AuditEntry, str | None]], int]:
    """Entries that match, newest first, with the acting account's e-mail; and how many match."""
    conditions = _audit_conditions(wanted)
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


def _audit_conditions(wanted: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.actor_id is not None:
        conditions.append(AuditEntry.actor_id == wanted.actor_id)
    if wanted.actor_email is not None:
        accounts = select(User.id).where(func.lower(User.email) == wanted.actor_email.lower())
        conditions.append(AuditEntry.actor_id.in_(accounts))
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
