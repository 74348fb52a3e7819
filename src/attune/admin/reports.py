"""The financial report: money that came in and went back, per day of the practice's zone.

The figures are the payments and refunds as they settled (their `succeeded_at`), not the
bookings: a payment counts on the day it succeeded and a refund on the day it did, so a report
on a past range never changes when a booking is cancelled later. Rows are grouped by local day
in Python, which gives the same answer on SQLite and PostgreSQL and is right on the 23- and
25-hour days of a daylight-saving change. The dashboard's revenue uses the same conditions
(`repository.paid_in`, `repository.refunded_in`), so the two always agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.admin.repository import Period, paid_in, paid_within, refunded_in
from attune.admin.service import day_range
from attune.models import Payment, Refund
from attune.platform.fields import CalendarDate
from attune.platform.settings import Settings

MAX_REPORT_DAYS = 366
CSV_COLUMNS = ("date", "currency", "gross", "refunds", "net", "paid_sessions")


class ReportQuery(BaseModel):
    start_date: CalendarDate = Field(
        description="First day (YYYY-MM-DD, the practice's zone).", examples=["2024-12-01"]
    )
    end_date: CalendarDate = Field(
        description=f"Last day, inclusive; at most {MAX_REPORT_DAYS} days after "
        "`start_date` counting both.",
        examples=["2024-12-31"],
    )
    format: Literal["json", "csv"] = Field(default="json", description="`csv` for a download.")

    @model_validator(mode="after")
    def _bounded_range(self) -> ReportQuery:
        if self.start_date > self.end_date:
            raise PydanticCustomError("date_range", "`start_date` must not be after `end_date`")
        if (self.end_date - self.start_date).days + 1 > MAX_REPORT_DAYS:
            raise PydanticCustomError(
                "date_range", f"the range must not be longer than {MAX_REPORT_DAYS} days"
            )
        return self


class ReportDay(BaseModel):
    date: dt.date = Field(examples=["2024-12-02"])
    gross: float = Field(examples=[200.0])
    gross_cents: int = Field(examples=[20000])
    refunds: float = Field(examples=[100.0])
    refunds_cents: int = Field(examples=[10000])
    net: float = Field(examples=[100.0])
    net_cents: int = Field(examples=[10000])
    paid_sessions: int = Field(examples=[2])


class FinancialReport(BaseModel):
    start_date: dt.date = Field(examples=["2024-12-01"])
    end_date: dt.date = Field(examples=["2024-12-31"])
    timezone: str = Field(description="The practice's zone the days are in.", examples=["UTC"])
    currency: str = Field(examples=["usd"])
    gross: float = Field(description="Payments that succeeded in the range.", examples=[2100.0])
    gross_cents: int = Field(examples=[210000])
    refunds: float = Field(
        description="Refunds that succeeded in the range, whenever their payment was made.",
        examples=[100.0],
    )
    refunds_cents: int = Field(examples=[10000])
    net: float = Field(description="`gross` less `refunds`.", examples=[2000.0])
    net_cents: int = Field(examples=[200000])
    paid_sessions: int = Field(description="Payments that succeeded in the range.", examples=[21])
    other_currency_payments: int = Field(
        description="Payments that succeeded in the range in a currency other than "
        "`currency`: left out of every figure here.",
        examples=[0],
    )
    days: list[ReportDay] = Field(description="Every day of the range, in order, zeros included.")


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


def _amount(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


class ReportService:
    async def financial(
        self, session: AsyncSession, settings: Settings, query: ReportQuery
    ) -> FinancialReport:
        zone, currency = settings.zone, settings.currency
        period = day_range(query.start_date, query.end_date, zone)
        gross: Counter[dt.date] = Counter()
        refunds: Counter[dt.date] = Counter()
        sessions: Counter[dt.date] = Counter()
        for succeeded_at, amount in await _payments(session, currency, period):
            day = succeeded_at.astimezone(zone).date()
            gross[day] += amount
            sessions[day] += 1
        for succeeded_at, amount in await _refunds(session, currency, period):
            refunds[succeeded_at.astimezone(zone).date()] += amount
        length = (query.end_date - query.start_date).days + 1
        days = [
            _day(day, gross[day], refunds[day], sessions[day])
            for day in (query.start_date + dt.timedelta(days=n) for n in range(length))
        ]
        gross_cents, refunds_cents = gross.total(), refunds.total()
        return FinancialReport(
            start_date=query.start_date,
            end_date=query.end_date,
            timezone=settings.practice_timezone,
            currency=currency,
            gross=gross_cents / 100,
            gross_cents=gross_cents,
            refunds=refunds_cents / 100,
            refunds_cents=refunds_cents,
            net=(gross_cents - refunds_cents) / 100,
            net_cents=gross_cents - refunds_cents,
            paid_sessions=sessions.total(),
            other_currency_payments=await _other_currency_payments(session, currency, period),
            days=days,
        )


def _day(day: dt.date, gross_cents: int, refunds_cents: int, paid_sessions: int) -> ReportDay:
    net_cents = gross_cents - refunds_cents
    return ReportDay(
        date=day,
        gross=gross_cents / 100,
        gross_cents=gross_cents,
        refunds=refunds_cents / 100,
        refunds_cents=refunds_cents,
        net=net_cents / 100,
        net_cents=net_cents,
        paid_sessions=paid_sessions,
    )


def report_csv(report: FinancialReport) -> str:
    """One row a day, then the totals; amounts with two decimals, as a spreadsheet reads them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day in report.days:
        writer.writerow(
            (
                day.date.isoformat(),
                report.currency,
                _amount(day.gross_cents),
                _amount(day.refunds_cents),
                _amount(day.net_cents),
                day.paid_sessions,
            )
        )
    writer.writerow(
        (
            "total",
            report.currency,
            _amount(report.gross_cents),
            _amount(report.refunds_cents),
            _amount(report.net_cents),
            report.paid_sessions,
        )
    )
    return out.getvalue()


def csv_filename(report: FinancialReport) -> str:
    return f"financial-{report.start_date.isoformat()}-{report.end_date.isoformat()}.csv"


CSV_EXAMPLE = (
    "date,currency,gross,refunds,net,paid_sessions\r\n"
    "2024-12-01,usd,0.00,0.00,0.00,0\r\n"
    "2024-12-02,usd,200.00,100.00,100.00,2\r\n"
    "total,usd,200.00,100.00,100.00,2\r\n"
)

report_service = ReportService()
