"""The admin overview: dashboard figures, managing accounts, and every booking.

The admin's booking actions go through `booking_service`, which already lets an admin act at
any time; nothing here repeats a booking rule. Every method runs in the caller's transaction
and flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts.repository import revoke_user_sessions
from attune.admin import repository
from attune.admin.errors import EmptyUserUpdate, SelfLockout, UserNotFound
from attune.admin.repository import Period
from attune.admin.schemas import AccountUpdate, BookingCounts, BookingQuery, DashboardStats
from attune.bookings.errors import BookingNotFound
from attune.bookings.service import booking_service
from attune.models import Booking, BookingStatus, User
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings

DEACTIVATED = "deactivated by an admin"


def start_of_day(day: date, zone: ZoneInfo) -> datetime | None:
    """The instant a day begins in `zone`; None at the ends of the calendar, where the day
    has no representable start and the range is simply left open."""
    try:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


def day_range(first: date | None, last: date | None, zone: ZoneInfo) -> Period:
    """Instants from the start of `first` to the end of `last` (both days in `zone`)."""
    starts = start_of_day(first, zone) if first is not None else None
    ends = None
    if last is not None and last < date.max:
        ends = start_of_day(last + timedelta(days=1), zone)
    return Period(starts, ends)


def month_of(now: datetime, zone: ZoneInfo) -> tuple[str, Period]:
    """The practice's current calendar month: its name (YYYY-MM) and its instants."""
    local = now.astimezone(zone)
    first = local.date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return f"{first:%Y-%m}", day_range(first, following - timedelta(days=1), zone)


class AdminService:
    async def dashboard(
        self, session: AsyncSession, settings: Settings, now: datetime
    ) -> DashboardStats:
        """Revenue is the financial report's net (payments less refunds) in the practice's
        currency, of all time and of the current month in its zone."""
        users, clients = await repository.count_users(session)
        month_name, month = month_of(now, settings.zone)
        stats = await repository.booking_stats(
            session, now=now, month=month, currency=settings.currency
        )
        return DashboardStats(
            total_users=users,
            total_clients=clients,
            total_bookings=stats.total,
            pending_bookings=stats.pending,
            upcoming_bookings=stats.upcoming,
            completed_bookings=stats.completed,
            no_show_bookings=stats.no_show,
            cancelled_bookings=stats.cancelled,
            total_revenue=stats.revenue_cents / 100,
            monthly_revenue=stats.monthly_revenue_cents / 100,
            total_revenue_cents=stats.revenue_cents,
            monthly_revenue_cents=stats.monthly_revenue_cents,
            currency=settings.currency,
            month=month_name,
        )

    async def list_accounts(
        self, session: AsyncSession, *, search: str | None, limit: int, offset: int
    ) -> tuple[Sequence[User], int]:
        return await repository.users_page(session, search=search, limit=limit, offset=offset)

    async def account(self, session: AsyncSession, user_id: int) -> tuple[User, BookingCounts]:
        user = await repository.user_by_id(session, user_id)
        if user is None:
            raise UserNotFound()
        return user, await self._booking_counts(session, user.id)

    async def update_account(
        self,
        session: AsyncSession,
        admin: User,
        user_id: int,
        body: AccountUpdate,
        *,
        now: datetime,
    ) -> tuple[User, BookingCounts]:
        """Grant or revoke admin, deactivate or reactivate; deactivating ends every login.

        No admin can demote or deactivate themselves. The acting admin's rights are read again
        under lock, so two admins demoting each other at once cannot both succeed and leave
        the practice without one.
        """
        if body.is_admin is None and body.is_active is None:
            raise EmptyUserUpdate(details="Send `is_admin`, `is_active` or both.")
        if user_id == admin.id and (body.is_admin is False or body.is_active is False):
            raise SelfLockout()
        users = await repository.lock_users(session, {admin.id, user_id})
        actor = users.get(admin.id)
        if actor is None or not (actor.is_admin and actor.is_active):
            raise AdminRequired()
        user = users.get(user_id)
        if user is None:
            raise UserNotFound()
        changed = False
        if body.is_admin is not None and body.is_admin != user.is_admin:
            user.is_admin = body.is_admin
            changed = True
        if body.is_active is not None and body.is_active != user.is_active:
            user.is_active = body.is_active
            changed = True
            if not body.is_active:
                await revoke_user_sessions(session, user.id, reason=DEACTIVATED, now=now)
        if changed:
            user.updated_at = now
        await session.flush()
        return user, await self._booking_counts(session, user.id)

    async def list_bookings(
        self, session: AsyncSession, settings: Settings, query: BookingQuery
    ) -> tuple[list[tuple[Booking, User]], int]:
        return await repository.bookings_page(
            session,
            status=query.status,
            user_id=query.user_id,
            period=day_range(query.from_date, query.to_date, settings.zone),
            limit=query.limit,
            offset=query.offset,
        )

    async def booking(
        self, session: AsyncSession, admin: User, booking_id: int
    ) -> tuple[Booking, User]:
        booking = await booking_service.visible_booking(session, booking_id, admin)
        return booking, await self._client(session, booking)

    async def cancel_booking(
        self,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        booking_id: int,
        *,
        reason: str | None,
        now: datetime,
    ) -> tuple[Booking, User]:
        booking = await booking_service.cancel(
            session, settings, booking_id, admin, now=now, reason=reason
        )
        return booking, await self._client(session, booking)

    async def reschedule_booking(
        self,
        session: AsyncSession,
        settings: Settings,
        admin: User,
        booking_id: int,
        *,
        new_schedule_id: int,
        now: datetime,
    ) -> tuple[Booking, User]:
        booking = await booking_service.reschedule(
            session, settings, booking_id, admin, new_schedule_id=new_schedule_id, now=now
        )
        return booking, await self._client(session, booking)

    async def record_outcome(
        self,
        session: AsyncSession,
        admin: User,
        booking_id: int,
        *,
        outcome: BookingStatus,
        now: datetime,
    ) -> tuple[Booking, User]:
        booking = await booking_service.record_outcome(
            session, booking_id, admin, outcome=outcome, now=now
        )
        return booking, await self._client(session, booking)

    async def _booking_counts(self, session: AsyncSession, user_id: int) -> BookingCounts:
        counts = await repository.booking_counts(session, user_id)
        return BookingCounts(
            total=sum(counts.values()),
            scheduled=counts.get(BookingStatus.scheduled, 0),
            completed=counts.get(BookingStatus.completed, 0),
            no_show=counts.get(BookingStatus.no_show, 0),
            cancelled=counts.get(BookingStatus.cancelled, 0),
        )

    async def _client(self, session: AsyncSession, booking: Booking) -> User:
        client = await repository.user_by_id(session, booking.user_id)
        if client is None:  # users with bookings cannot be deleted (ondelete RESTRICT)
            raise BookingNotFound()
        return client


admin_service = AdminService()
