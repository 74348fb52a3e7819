"""The admin overview: dashboard figures, managing accounts, every booking, the audit log.

The admin's booking actions go through the bookings and payments packages, which already let
the practice act at any time; nothing here repeats a booking rule.

Every method takes the unit of work and the actor, asks `platform.policy` what the actor may
see and do (the owner and the front desk the whole practice, a therapist their own calendar's
bookings and the clients they have seen; settings, the audit log and accounts' roles are the
owner's), records in the audit log what it shows or changes of another person's
account, and returns views. It runs in the caller's transaction and flushes, never commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts.repository import revoke_user_sessions
from attune.admin import repository
from attune.admin.errors import EmptyUserUpdate, SelfLockout, UserNotFound
from attune.admin.repository import AuditFilter, Period
from attune.admin.schemas import (
    MAX_PAGE_SIZE,
    AccountUpdate,
    AuditQuery,
    BookingQuery,
    UserQuery,
)
from attune.admin.views import (
    AccountDetailView,
    AccountView,
    AuditEntryView,
    BookingCountsView,
    ClientView,
    DashboardView,
    Page,
    PracticeBookingView,
    PracticeSettingsView,
    TherapistNameView,
)
from attune.appointments import window
from attune.bookings.errors import BookingNotFound
from attune.bookings.service import booking_service
from attune.bookings.views import BookingView, RefundView, refund_view
from attune.models import BookingStatus, User
from attune.payments import refunds
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.policy import AdminRequired, Permission
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.unit_of_work import UnitOfWork

DEACTIVATED = "deactivated by an admin"


def start_of_day(day: date, calendar: PracticeCalendar) -> datetime | None:
    """The instant a practice day begins; None at the ends of the calendar, where the day
    has no representable start and the range is simply left open."""
    try:
        return calendar.day_start(day)
    except OverflowError:
        return None


def day_range(first: date | None, last: date | None, calendar: PracticeCalendar) -> Period:
    """Instants from the start of `first` to the end of `last` (both practice days)."""
    starts = start_of_day(first, calendar) if first is not None else None
    ends = None
    if last is not None and last < date.max:
        ends = start_of_day(last + timedelta(days=1), calendar)
    return Period(starts, ends)


def month_of(now: datetime, calendar: PracticeCalendar) -> tuple[str, Period]:
    """The practice's current calendar month: its name (YYYY-MM) and its instants."""
    today = calendar.today(now)
    month = calendar.month_bounds(today)
    return f"{today:%Y-%m}", Period(month.start, month.end)


class AdminService:
    async def dashboard(
        self, uow: UnitOfWork, actor: Actor, *, therapist_id: int | None = None
    ) -> DashboardView:
        """Revenue is the financial report's net (payments less refunds) in the practice's
        currency, of all time and of the current month in its zone. The figures are those of
        the bookings the actor may list (`policy.listed_therapist`): a therapist's own, or one
        therapist's when asked for, or the whole practice's."""
        therapist = policy.listed_therapist(actor, therapist_id)
        settings, now = uow.settings, uow.now
        users, clients = await repository.count_users(uow.session, therapist)
        month_name, month = month_of(now, PracticeCalendar.of(settings))
        stats = await repository.booking_stats(
            uow.session, now=now, month=month, currency=settings.currency, therapist_id=therapist
        )
        return DashboardView(
            total_users=users,
            total_clients=clients,
            total_bookings=stats.total,
            pending_bookings=stats.pending,
            upcoming_bookings=stats.upcoming,
            completed_bookings=stats.completed,
            no_show_bookings=stats.no_show,
            cancelled_bookings=stats.cancelled,
            revenue_cents=stats.revenue_cents,
            monthly_revenue_cents=stats.monthly_revenue_cents,
            currency=settings.currency,
            month=month_name,
        )

    async def therapist_names(self, uow: UnitOfWork, actor: Actor) -> list[TherapistNameView]:
        """Every therapist by name, those no longer active too: the back office's therapist
        filter, for those who see every therapist's records. One query of names, where the
        practice's list of therapists also reads their profiles and services."""
        policy.require(actor, Permission.see_any_client)
        rows = await repository.every_therapist_name(uow.session)
        return [TherapistNameView(therapist_id, name) for therapist_id, name in rows]

    async def list_accounts(
        self, uow: UnitOfWork, actor: Actor, query: UserQuery
    ) -> Page[AccountView]:
        therapist = policy.listed_therapist(actor, query.therapist_id)
        users, total = await repository.users_page(
            uow.session,
            search=query.search,
            limit=query.limit,
            offset=query.offset,
            therapist_id=therapist,
        )
        await uow.audit_reads(
            actor,
            AuditAction.user_viewed,
            AuditTarget.user,
            [(user.id, user.id) for user in users],
            via="list",
        )
        return Page([AccountView.of(user) for user in users], total, query.limit, query.offset)

    async def account(self, uow: UnitOfWork, actor: Actor, user_id: int) -> AccountDetailView:
        """A therapist reads only the accounts of clients they have seen, with the bookings on
        their own calendar; any other is not found."""
        therapist = policy.client_scope(actor)
        user = await repository.user_seen_by(uow.session, user_id, therapist)
        if user is None:
            raise UserNotFound()
        counts = await self._booking_counts(uow.session, user.id, therapist)
        await uow.audit_reads(
            actor, AuditAction.user_viewed, AuditTarget.user, [(user.id, user.id)], via="detail"
        )
        return AccountDetailView(AccountView.of(user), counts)

    async def update_account(
        self, uow: UnitOfWork, actor: Actor, user_id: int, body: AccountUpdate
    ) -> AccountDetailView:
        """Grant or revoke admin, deactivate or reactivate; deactivating ends every login.

        No admin can demote or deactivate themselves. The acting admin's rights are read again
        under lock, so two admins demoting each other at once cannot both succeed and leave
        the practice without one.
        """
        policy.require(actor, Permission.manage_practice)
        if body.is_admin is None and body.is_active is None:
            raise EmptyUserUpdate(details="Send `is_admin`, `is_active` or both.")
        if actor.owns(user_id) and (body.is_admin is False or body.is_active is False):
            raise SelfLockout()
        # The system (the command line) has no account of its own to read again.
        acting = {actor.user_id} if actor.user_id is not None else set()
        users = await repository.lock_users(uow.session, {*acting, user_id})
        if actor.user_id is not None and not policy.still_allows(
            users.get(actor.user_id), Permission.manage_practice
        ):
            raise AdminRequired()
        user = users.get(user_id)
        if user is None:
            raise UserNotFound()
        deactivating = body.is_active is False and user.is_active
        if _apply(user, body):
            user.updated_at = uow.now
        if deactivating:
            await revoke_user_sessions(uow.session, user.id, reason=DEACTIVATED, now=uow.now)
        await uow.session.flush()
        uow.audit(
            actor,
            AuditAction.user_changed,
            AuditTarget.user,
            user.id,
            owner_id=user.id,
            **body.model_dump(mode="json", exclude_none=True),
        )
        counts = await self._booking_counts(uow.session, user.id)
        return AccountDetailView(AccountView.of(user), counts)

    async def audit_log(
        self, uow: UnitOfWork, actor: Actor, query: AuditQuery, *, actor_email: str | None = None
    ) -> Page[AuditEntryView]:
        """Newest first. `actor_email` narrows to what the account with that address did (the
        back office's "Who" takes an address as well as a number)."""
        policy.require(actor, Permission.manage_practice)
        wanted = AuditFilter(
            actor_id=query.actor_id,
            actor_email=actor_email,
            action=query.action,
            target_type=query.target_type,
            target_id=query.target_id,
            since=query.since,
            until=query.until,
        )
        rows, total = await repository.audit_page(
            uow.session, wanted, limit=query.limit, offset=query.offset
        )
        entries = [
            AuditEntryView(
                id=entry.id,
                at=entry.at,
                actor_id=entry.actor_id,
                actor_email=email,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                address=entry.address,
                details=entry.details,
            )
            for entry, email in rows
        ]
        return Page(entries, total, query.limit, query.offset)

    async def practice_settings(self, uow: UnitOfWork, actor: Actor) -> PracticeSettingsView:
        """The practice's configuration as its admins may read it: the rules it runs by, and
        which outside services are configured (the others run in their offline demo mode, or
        not at all). No secret, and no address that may carry one, is in it."""
        policy.require(actor, Permission.manage_practice)
        settings = uow.settings
        return PracticeSettingsView(
            practice_name=settings.practice_name,
            timezone=settings.practice_timezone,
            session_price_cents=settings.session_price_cents,
            currency=settings.currency,
            payments_enabled=settings.payments_enabled,
            cancel_notice_hours=settings.cancel_notice_hours,
            reschedule_notice_hours=settings.reschedule_notice_hours,
            join_opens_minutes_before=window.minutes_before(),
            join_closes_minutes_after=window.minutes_after(),
            email_verification_required=settings.require_email_verification,
            mail_configured=settings.smtp_url is not None,
            stripe_configured=not settings.payments_demo,
            stripe_webhook_configured=settings.stripe_webhook_secret is not None,
            jitsi_tokens_configured=settings.jitsi_tokens,
            redis_configured=bool(settings.redis_url),
        )

    async def list_bookings(
        self, uow: UnitOfWork, actor: Actor, query: BookingQuery
    ) -> Page[PracticeBookingView]:
        therapist = policy.listed_therapist(actor, query.therapist_id)
        rows, total = await repository.bookings_page(
            uow.session,
            status=query.status,
            user_id=query.user_id,
            period=day_range(query.from_date, query.to_date, PracticeCalendar.of(uow.settings)),
            limit=query.limit,
            offset=query.offset,
            client=query.client,
            paid=query.paid,
            therapist_id=therapist,
            service_id=query.service_id,
        )
        await uow.audit_reads(
            actor,
            AuditAction.booking_viewed,
            AuditTarget.booking,
            [(booking.id, booking.user_id) for booking, _ in rows],
            via="list",
        )
        views = await booking_service.views(uow, actor, [booking for booking, _ in rows])
        names = await repository.therapist_names(
            uow.session, {booking.therapist_id for booking, _ in rows}
        )
        shown = [
            PracticeBookingView(
                view,
                ClientView.of(client),
                TherapistNameView(booking.therapist_id, names.get(booking.therapist_id, "")),
            )
            for view, (booking, client) in zip(views, rows, strict=True)
        ]
        return Page(shown, total, query.limit, query.offset)

    async def sessions(
        self,
        uow: UnitOfWork,
        actor: Actor,
        first: date,
        last: date,
        *,
        therapist_id: int | None = None,
    ) -> list[PracticeBookingView]:
        """Every booking starting on the practice-zone days first..last, soonest first, with
        its client: the practice's diary, or one therapist's (a therapist's own, always). Read,
        and audited, as the list of bookings is."""
        shown: list[PracticeBookingView] = []
        while True:
            query = BookingQuery.model_construct(
                from_date=first,
                to_date=last,
                limit=MAX_PAGE_SIZE,
                offset=len(shown),
                therapist_id=therapist_id,
            )
            page = await self.list_bookings(uow, actor, query)
            shown.extend(page.items)
            if not page.items or len(shown) >= page.total:
                break
        return sorted(shown, key=lambda item: (item.booking.scheduled_at, item.booking.id))

    async def booking(self, uow: UnitOfWork, actor: Actor, booking_id: int) -> PracticeBookingView:
        policy.require_clients(actor)
        # Audited by the booking service, as the client's route is.
        return await self._shown(uow, await booking_service.read(uow, actor, booking_id))

    async def cancel_booking(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, reason: str | None
    ) -> PracticeBookingView:
        """At any time, without the client's notice; the client is mailed the reason."""
        policy.require_clients(actor)
        booking = await booking_service.cancel(uow, actor, booking_id, reason=reason)
        return await self._shown(uow, booking)

    async def reschedule_booking(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, new_schedule_id: int
    ) -> PracticeBookingView:
        """At any time before the new slot starts, without the client's notice."""
        policy.require_clients(actor)
        booking = await booking_service.reschedule(
            uow, actor, booking_id, new_schedule_id=new_schedule_id
        )
        return await self._shown(uow, booking)

    async def record_outcome(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, outcome: BookingStatus
    ) -> PracticeBookingView:
        policy.require_clients(actor)
        booking = await booking_service.record_outcome(uow, actor, booking_id, outcome=outcome)
        return await self._shown(uow, booking)

    async def refund_booking(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, amount_cents: int | None
    ) -> RefundView:
        """Part or all of what is left of the payment, whatever the booking's state."""
        # Audited by payments, which makes the refund.
        refund = await refunds.refund_for_practice(
            uow, actor, booking_id, amount_cents=amount_cents
        )
        return refund_view(refund)

    async def left_to_refund(self, uow: UnitOfWork, actor: Actor, booking_id: int) -> int:
        """Cents of the booking's payment the practice may still refund; 0 when unpaid."""
        return await refunds.left_to_refund(uow, actor, booking_id)

    async def _shown(self, uow: UnitOfWork, booking: BookingView) -> PracticeBookingView:
        client = ClientView.of(await self._client(uow.session, booking))
        therapist_id = await repository.therapist_of_booking(uow.session, booking.id)
        names = await repository.therapist_names(uow.session, {therapist_id})
        therapist = TherapistNameView(therapist_id, names.get(therapist_id, ""))
        return PracticeBookingView(booking, client, therapist)

    async def _client(self, session: AsyncSession, booking: BookingView) -> User:
        client = await repository.user_by_id(session, booking.user_id)
        if client is None:  # users with bookings cannot be deleted (ondelete RESTRICT)
            raise BookingNotFound()
        return client

    async def _booking_counts(
        self, session: AsyncSession, user_id: int, therapist_id: int | None = None
    ) -> BookingCountsView:
        counts = await repository.booking_counts(session, user_id, therapist_id)
        return BookingCountsView(
            total=sum(counts.values()),
            scheduled=counts.get(BookingStatus.scheduled, 0),
            completed=counts.get(BookingStatus.completed, 0),
            no_show=counts.get(BookingStatus.no_show, 0),
            cancelled=counts.get(BookingStatus.cancelled, 0),
        )


def _apply(user: User, body: AccountUpdate) -> bool:
    """Set what the body changes of the account; whether anything changed."""
    changed = False
    if body.is_admin is not None and body.is_admin != user.is_admin:
        user.is_admin = body.is_admin
        changed = True
    if body.is_active is not None and body.is_active != user.is_active:
        user.is_active = body.is_active
        changed = True
    return changed


admin_service = AdminService()
