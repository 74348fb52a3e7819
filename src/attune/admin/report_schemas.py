"""The financial report's query and its two shapes: JSON, and CSV for a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from attune.admin.views import FinancialReportView, ReportDayView, ReportShareView
from attune.platform.fields import CalendarDate, Id

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
    therapist_id: Id | None = Field(
        default=None,
        description="Only the money paid for bookings on this therapist's calendar. A "
        "therapist's report is always their own; asking for another's is refused (403).",
    )

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


class ReportShare(BaseModel):
    id: int = Field(description="The therapist's or the service's id.", examples=[1])
    name: str = Field(examples=["Session"])
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
    therapist_id: int | None = Field(
        default=None,
        description="Whose calendar the figures are of: the `therapist_id` asked for, the "
        "therapist's own for a therapist, null for the whole practice.",
        examples=[None],
    )
    by_therapist: list[ReportShare] = Field(
        default_factory=list,
        description="The same figures by the therapist of the booking each payment and refund "
        "was for, highest net first; only those with money in the range.",
        examples=[[]],
    )
    by_service: list[ReportShare] = Field(
        default_factory=list,
        description="The same figures by the booking's service, highest net first.",
        examples=[[]],
    )


def financial_report(report: FinancialReportView) -> FinancialReport:
    return FinancialReport(
        start_date=report.start_date,
        end_date=report.end_date,
        timezone=report.timezone,
        currency=report.currency,
        gross=report.gross_cents / 100,
        gross_cents=report.gross_cents,
        refunds=report.refunds_cents / 100,
        refunds_cents=report.refunds_cents,
        net=report.net_cents / 100,
        net_cents=report.net_cents,
        paid_sessions=report.paid_sessions,
        other_currency_payments=report.other_currency_payments,
        days=[_day(day) for day in report.days],
        therapist_id=report.therapist_id,
        by_therapist=[_share(share) for share in report.by_therapist],
        by_service=[_share(share) for share in report.by_service],
    )


def _share(share: ReportShareView) -> ReportShare:
    return ReportShare(
        id=share.id,
        name=share.name,
        gross=share.gross_cents / 100,
        gross_cents=share.gross_cents,
        refunds=share.refunds_cents / 100,
        refunds_cents=share.refunds_cents,
        net=share.net_cents / 100,
        net_cents=share.net_cents,
        paid_sessions=share.paid_sessions,
    )


def _day(day: ReportDayView) -> ReportDay:
    return ReportDay(
        date=day.date,
        gross=day.gross_cents / 100,
        gross_cents=day.gross_cents,
        refunds=day.refunds_cents / 100,
        refunds_cents=day.refunds_cents,
        net=day.net_cents / 100,
        net_cents=day.net_cents,
        paid_sessions=day.paid_sessions,
    )


def _amount(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def report_csv(report: FinancialReportView) -> str:
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


def csv_filename(report: FinancialReportView) -> str:
    return f"financial-{report.start_date.isoformat()}-{report.end_date.isoformat()}.csv"


CSV_EXAMPLE = (
    "date,currency,gross,refunds,net,paid_sessions\r\n"
    "2024-12-01,usd,0.00,0.00,0.00,0\r\n"
    "2024-12-02,usd,200.00,100.00,100.00,2\r\n"
    "total,usd,200.00,100.00,100.00,2\r\n"
)
