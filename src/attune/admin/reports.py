"""The financial report: money that came in and went back, per day of the practice's zone.

The figures are the payments and refunds as they settled (their `succeeded_at`), not the
bookings: a payment counts on the day it succeeded and a refund on the day it did, so a report
on a past range never changes when a booking is cancelled later. Rows are grouped by local day
in Python, which gives the same answer on SQLite and PostgreSQL and is right on the 23- and
25-hour days of a daylight-saving change. The dashboard's revenue uses the same conditions
(`repository.paid_in`, `repository.refunded_in`), so the two always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.admin.report_schemas import ReportQuery
from attune.admin.repository import Period, paid_in, paid_within, refunded_in
from attune.admin.service import day_range
from attune.admin.views import FinancialReportView, ReportDayView
from attune.models import Payment, Refund
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.policy import Permission
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.unit_of_work import UnitOfWork


async def _payments(
    session: AsyncSession, currency: str, period: Period
) -> list[tuple[dt.datetime, int]]:
    rows = await session.execute(
        select(Payment.succeeded_at, Payment.amount_cents).where(*paid_in(currency, period))
    )
    # The conditions exclude a NULL `succeeded_at`; the check only narrows the type.
    return [(at, amount) for at, amount in rows.all() if at is not None]


async def _refunds(
    session: AsyncSession, currency: str, period: Period
) -> list[tuple[dt.datetime, int]]:
    rows = await session.execute(
        select(Refund.succeeded_at, Refund.amount_cents)
        .join(Payment, Refund.payment_id == Payment.id)
        .where(*refunded_in(currency, period))
    )
    # The conditions exclude a NULL `succeeded_at`; the check only narrows the type.
    return [(at, amount) for at, amount in rows.all() if at is not None]


async def _other_currency_payments(session: AsyncSession, currency: str, period: Period) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Payment)
        .where(Payment.currency != currency, *paid_within(period))
    )
    return int(count or 0)


class ReportService:
    async def financial(
        self, uow: UnitOfWork, actor: Actor, query: ReportQuery
    ) -> FinancialReportView:
        policy.require(actor, Permission.manage_practice)
        calendar, currency = PracticeCalendar.of(uow.settings), uow.settings.currency
        period = day_range(query.start_date, query.end_date, calendar)
        gross: Counter[dt.date] = Counter()
        refunds: Counter[dt.date] = Counter()
        sessions: Counter[dt.date] = Counter()
        for succeeded_at, amount in await _payments(uow.session, currency, period):
            day = calendar.date_of(succeeded_at)
            gross[day] += amount
            sessions[day] += 1
        for succeeded_at, amount in await _refunds(uow.session, currency, period):
            refunds[calendar.date_of(succeeded_at)] += amount
        length = (query.end_date - query.start_date).days + 1
        days = [
            ReportDayView(day, gross[day], refunds[day], sessions[day])
            for day in (query.start_date + dt.timedelta(days=n) for n in range(length))
        ]
        return FinancialReportView(
            start_date=query.start_date,
            end_date=query.end_date,
            timezone=uow.settings.practice_timezone,
            currency=currency,
            days=days,
            other_currency_payments=await _other_currency_payments(uow.session, currency, period),
        )


report_service = ReportService()
