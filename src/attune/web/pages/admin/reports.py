"""`/admin/reports`: sessions and revenue by month, as a chart, a table and a CSV file, and
the same money by therapist and by service (a therapist's report is their own).

The figures are the financial report's (`report_service.financial`, as `/api/admin/reports/
financial` gives them): the page adds up its days by month and draws them; the CSV download is
the API's own, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.admin.report_schemas import ReportQuery, csv_filename, report_csv
from attune.admin.reports import report_service
from attune.platform.dependencies import Work
from attune.platform.practice_calendar import PracticeCalendar
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, parse
from attune.web.pages.admin.therapist_filter import therapist_options
from attune.web.routing import page_router
from attune.web.templates import money, render

router = page_router(prefix="/admin")

# The range shown when none is asked for: this month and the eleven before it.
DEFAULT_MONTHS = 12
DateText = Annotated[str | None, Query(max_length=32)]

# The drawing's own units (it scales to the width of its box): one row a month, the month's
# name, its bar, and its figure after the bar, so that it reads on a phone as on a desktop.
CHART_WIDTH = 360
LABEL_WIDTH = 78
VALUE_WIDTH = 82
ROW_HEIGHT = 28
BAR_HEIGHT = 18
CHART_PADDING = 6


@dataclass(frozen=True)
class Bar:
    label: str  # the month
    value: str  # the figure, as written
    y: float
    width: float
    text_y: float
    value_x: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def chart(title: str, values: list[tuple[date, int, str]]) -> Chart:
    """A bar a month for `(first day of the month, value, value as written)`, scaled to the
    largest value; a negative value (refunds above payments) draws no bar but keeps its
    figure."""
    highest = max((value for _, value, _ in values), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (month, value, written) in enumerate(values):
        top = CHART_PADDING + index * ROW_HEIGHT
        width = round(max(value, 0) / highest * room, 1)
        bars.append(
            Bar(
                label=f"{month:%b %Y}",
                value=written,
                y=top,
                width=width,
                text_y=top + BAR_HEIGHT - 4,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    return Chart(title, bars, height=2 * CHART_PADDING + len(values) * ROW_HEIGHT)


def default_range(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    for _ in range(DEFAULT_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    last = (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def _query(
    uow: Work, start_date: str | None, end_date: str | None, therapist_id: str | None = None
) -> tuple[Form, ReportQuery]:
    if not start_date and not end_date:
        first, last = default_range(PracticeCalendar.of(uow.settings).today(uow.now))
        start_date, end_date = first.isoformat(), last.isoformat()
    form = Form(
        {
            "start_date": start_date or "",
            "end_date": end_date or "",
            "therapist_id": therapist_id or "",
        }
    )
    try:
        wanted = {name: value for name, value in form.values.items() if value}
        return form, parse(ReportQuery, wanted)
    except FormInvalid as invalid:
        raise _Refused(form.refused(invalid.errors)) from invalid


def _csv_params(query: ReportQuery) -> dict[str, str]:
    params = {"start_date": query.start_date.isoformat(), "end_date": query.end_date.isoformat()}
    if query.therapist_id is not None:
        params["therapist_id"] = str(query.therapist_id)
    return params


class _Refused(Exception):
    def __init__(self, form: Form) -> None:
        super().__init__("refused")
        self.form = form


@router.get("/reports")
async def reports(
    request: Request,
    visitor: Staff,
    uow: Work,
    *,
    start_date: DateText = None,
    end_date: DateText = None,
    therapist_id: DateText = None,
) -> Response:
    options = await therapist_options(uow, visitor.actor)
    try:
        form, query = _query(uow, start_date, end_date, therapist_id)
    except _Refused as refused:
        return render(
            request,
            "admin/reports.html",
            {"form": refused.form, "report": None, "therapist_options": options},
            status_code=400,
        )
    report = await report_service.financial(uow, visitor.actor, query)
    months = report.months
    currency = report.currency
    return render(
        request,
        "admin/reports.html",
        {
            "form": form,
            "report": report,
            "months": months,
            "sessions_chart": chart(
                "Paid sessions by month",
                [(m.month, m.paid_sessions, str(m.paid_sessions)) for m in months],
            ),
            "revenue_chart": chart(
                "Net revenue by month",
                [(m.month, m.net_cents, money(m.net_cents, currency)) for m in months],
            ),
            "csv_url": "/admin/reports/csv?" + urlencode(_csv_params(query)),
            "therapist_options": options,
        },
    )


@router.get("/reports/csv")
async def reports_csv(
    request: Request,
    visitor: Staff,
    uow: Work,
    *,
    start_date: DateText = None,
    end_date: DateText = None,
    therapist_id: DateText = None,
) -> Response:
    options = await therapist_options(uow, visitor.actor)
    try:
        _, query = _query(uow, start_date, end_date, therapist_id)
    except _Refused as refused:
        return render(
            request,
            "admin/reports.html",
            {"form": refused.form, "report": None, "therapist_options": options},
            status_code=400,
        )
    report = await report_service.financial(uow, visitor.actor, query)
    return Response(
        report_csv(report),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(report)}"'},
    )
