"""What the admin overview's services hand back: plain values, decided once, that the schemas
turn into the contract's shapes (docs/architecture.md, "Actor and policy")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from attune.bookings.views import BookingView
from attune.models import User

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list, and how many items match across every page."""

    items: Sequence[Item]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class DashboardView:
    total_users: int
    total_clients: int
    total_bookings: int
    pending_bookings: int
    upcoming_bookings: int
    completed_bookings: int
    no_show_bookings: int
    cancelled_bookings: int
    revenue_cents: int
    monthly_revenue_cents: int
    currency: str
    month: str


@dataclass(frozen=True)
class BookingCountsView:
    total: int
    scheduled: int
    completed: int
    no_show: int
    cancelled: int


@dataclass(frozen=True)
class AccountView:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    location: str | None
    date_of_birth: dt.date | None
    is_admin: bool
    is_active: bool
    email_verified: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, user: User) -> AccountView:
        return cls(
            id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            phone=user.phone,
            location=user.location,
            date_of_birth=user.date_of_birth,
            is_admin=user.is_admin,
            is_active=user.is_active,
            email_verified=user.is_verified,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


@dataclass(frozen=True)
class AccountDetailView:
    account: AccountView
    bookings: BookingCountsView


@dataclass(frozen=True)
class ClientView:
    """Who a booking is for, as the practice's lists name them."""

    id: int
    first_name: str
    last_name: str
    email: str

    @classmethod
    def of(cls, user: User) -> ClientView:
        return cls(
            id=user.id, first_name=user.first_name, last_name=user.last_name, email=user.email
        )


@dataclass(frozen=True)
class TherapistNameView:
    id: int
    name: str


@dataclass(frozen=True)
class PracticeBookingView:
    # As the bookings package shows it to the practice: decrypted, with its refunds, and with
    # the room's link whenever the booking is not cancelled.
    booking: BookingView
    client: ClientView
    # Whose calendar the booking is on.
    therapist: TherapistNameView | None = None


@dataclass(frozen=True)
class AuditEntryView:
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_email: str | None
    action: str
    target_type: str
    target_id: str | None
    address: str
    details: dict[str, Any]


@dataclass(frozen=True)
class ReportDayView:
    date: dt.date
    gross_cents: int
    refunds_cents: int
    paid_sessions: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunds_cents


@dataclass(frozen=True)
class ReportMonthView:
    """The days of one calendar month of a report (those in its range), added up."""

    month: dt.date  # the first day of the month
    gross_cents: int
    refunds_cents: int
    paid_sessions: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunds_cents


@dataclass(frozen=True)
class ReportShareView:
    """One therapist's or one service's part of a report's range."""

    id: int
    name: str
    gross_cents: int
    refunds_cents: int
    paid_sessions: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunds_cents


@dataclass(frozen=True)
class FinancialReportView:
    """Money in and back per day of the practice's zone; every day of the range, in order."""

    start_date: dt.date
    end_date: dt.date
    timezone: str
    currency: str
    days: Sequence[ReportDayView]
    # Payments in the range in another currency, left out of every figure.
    other_currency_payments: int
    # Whose calendar's figures these are; None for the whole practice.
    therapist_id: int | None = None
    # The same money by the therapist and by the service of the booking it paid for.
    by_therapist: Sequence[ReportShareView] = ()
    by_service: Sequence[ReportShareView] = ()

    @property
    def gross_cents(self) -> int:
        return sum(day.gross_cents for day in self.days)

    @property
    def refunds_cents(self) -> int:
        return sum(day.refunds_cents for day in self.days)

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunds_cents

    @property
    def paid_sessions(self) -> int:
        return sum(day.paid_sessions for day in self.days)

    @property
    def months(self) -> list[ReportMonthView]:
        """The same figures by calendar month, in order: each month's sums of its days in the
        range, so the months always add up to the report's totals."""
        months: dict[dt.date, list[ReportDayView]] = {}
        for day in self.days:
            months.setdefault(day.date.replace(day=1), []).append(day)
        return [
            ReportMonthView(
                month=first,
                gross_cents=sum(day.gross_cents for day in days),
                refunds_cents=sum(day.refunds_cents for day in days),
                paid_sessions=sum(day.paid_sessions for day in days),
            )
            for first, days in months.items()
        ]


@dataclass(frozen=True)
class PracticeSettingsView:
    """How the practice is configured, for its admins to read: values people set, and whether
    each outside service is configured; never a secret or an address that carries one."""

    practice_name: str
    timezone: str
    session_price_cents: int
    currency: str
    payments_enabled: bool
    cancel_notice_hours: int
    reschedule_notice_hours: int
    join_opens_minutes_before: int
    join_closes_minutes_after: int
    email_verification_required: bool
    mail_configured: bool
    stripe_configured: bool
    stripe_webhook_configured: bool
    jitsi_tokens_configured: bool
    redis_configured: bool
