"""The financial report: money that came in and went back, per day of the practice's zone.

The figures are the payments and refunds as they settled (their `succeeded_at`), not the
bookings: a payment counts on the day it succeeded and a refund on the day it did, so a report
on a past range never changes when a booking is cancelled later. Rows are grouped by local day
in Python, which gives the same answer on SQLite and PostgreSQL and is right on the 23- and
25-hour days of a daylight-saving change. The dashboard's revenue uses the same conditions
(`repository.paid_in`, `repository.refunded_in`), so the two always agree.

Each payment and refund counts for the therapist and the service of the booking it was for: a
therapist's report is their own calendar's money, and the practice's is broken down by
therapist and by service.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.admin import repository
from attune.admin.report_schemas import ReportQuery
from attune.admin.repository import Period, on_calendar_of, paid_in, paid_within, refunded_in
from attune.admin.service import day_range
from attune.admin.views import FinancialReportView, ReportDayView, ReportShareView
from attune.models import Booking, Payment, Refund
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class _Money:
    """A payment or refund as the report counts it: when, how much, and whose booking for."""

    at: dt.datetime
    amount_cents: int
    therapist_id: int
    service_id: int


async def _payments(
    session: AsyncSession, currency: str, period: Period, therapist_id: int | None
) -> list[_Money]:
    rows = await session.execute(
        select(Payment.succeeded_at, Payment.amount_cents, Booking.therapist_id, Booking.service_id)
        .join(Booking, Payment.booking_id == Booking.id)
        .where(*paid_in(currency, period), *on_calendar_of(therapist_id))
    )
    # The conditions exclude a NULL `succeeded_at`; the check only narrows the type.
    return [_Money(at, cents, who, what) for at, cents, who, what in rows.all() if at is not None]


async def _refunds(
    session: AsyncSession, currency: str, period: Period, therapist_id: int | None
) -> list[_Money]:
    rows = await session.execute(
        select(Refund.succeeded_at, Refund.amount_cents, Booking.therapist_id, Booking.service_id)
        .join(Payment, Refund.payment_id == Payment.id)
        .join(Booking, Refund.booking_id == Booking.id)
        .where(*refunded_in(currency, period), *on_calendar_of(therapist_id))
    )
    # The conditions exclude a NULL `succeeded_at`; the check only narrows the type.
    return [_Money(at, cents, who, what) for at, cents, who, what in rows.all() if at is not None]


async def _other_currency_payments(
    session: AsyncSession, currency: str, period: Period, therapist_id: int | None
) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Payment)
        .join(Booking, Payment.booking_id == Booking.id)
        .where(Payment.currency != currency, *paid_within(period), *on_calendar_of(therapist_id))
    )
    return int(count or 0)


def _shares(
    payments: list[_Money], refunds: list[_Money], key: str, names: dict[int, str]
) -> list[ReportShareView]:
    """The money grouped by the booking's therapist or service (`key`), highest net first."""
    gross: Counter[int] = Counter()
    back: Counter[int] = Counter()
    sessions: Counter[int] = Counter()
    for payment in payments:
        gross[getattr(payment, key)] += payment.amount_cents
        sessions[getattr(payment, key)] += 1
    for refund in refunds:
        back[getattr(refund, key)] += refund.amount_cents
    shares = [
        ReportShareView(
            id=owner,
            name=names.get(owner, ""),
            gross_cents=gross[owner],
            refunds_cents=back[owner],
            paid_sessions=sessions[owner],
        )
        for owner in {*gross, *back}
    ]
    return sorted(shares, key=lambda share: (-share.net_cents, share.name, share.id))


class ReportService:
    async def financial(
        self, uow: UnitOfWork, actor: Actor, query: ReportQuery
    ) -> FinancialReportView:
        therapist = policy.listed_therapist(actor, query.therapist_id)
        calendar, currency = PracticeCalendar.of(uow.settings), uow.settings.currency
        period = day_range(query.start_date, query.end_date, calendar)
        payments = await _payments(uow.session, currency, period, therapist)
        refunded = await _refunds(uow.session, currency, period, therapist)
        gross: Counter[dt.date] = Counter()
        refunds: Counter[dt.date] = Counter()
        sessions: Counter[dt.date] = Counter()
        for payment in payments:
            day = calendar.date_of(payment.at)
            gross[day] += payment.amount_cents
            sessions[day] += 1
        for refund in refunded:
            refunds[calendar.date_of(refund.at)] += refund.amount_cents
        length = (query.end_date - query.start_date).days + 1
        days = [
            ReportDayView(day, gross[day], refunds[day], sessions[day])
            for day in (query.start_date + dt.timedelta(days=n) for n in range(length))
        ]
        money = [*payments, *refunded]
        therapists = await repository.therapist_names(
            uow.session, {item.therapist_id for item in money}
        )
        services = await repository.service_names(uow.session, {item.service_id for item in money})
        return FinancialReportView(
            start_date=query.start_date,
            end_date=query.end_date,
            timezone=uow.settings.practice_timezone,
            currency=currency,
            days=days,
            other_currency_payments=await _other_currency_payments(
                uow.session, currency, period, therapist
            ),
            therapist_id=therapist,
            by_therapist=_shares(payments, refunded, "therapist_id", therapists),
            by_service=_shares(payments, refunded, "service_id", services),
        )


report_service = ReportService()
