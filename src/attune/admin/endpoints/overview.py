"""The practice's figures: the dashboard and the financial report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from attune.admin import report_schemas, schemas
from attune.admin.errors import CALLER_ERRORS
from attune.admin.report_schemas import (
    CSV_EXAMPLE,
    FinancialReport,
    ReportQuery,
    csv_filename,
    report_csv,
)
from attune.admin.reports import report_service
from attune.admin.service import admin_service
from attune.platform.auth import PracticeMember
from attune.platform.dependencies import Work
from attune.platform.fields import Id
from attune.platform.openapi import documented_errors

router = APIRouter()


@router.get(
    "/dashboard",
    summary="Practice dashboard",
    description="Seed 000's `stats`, with extras. `total_users` counts every account, admins "
    "included (`total_clients` leaves them out). `pending_bookings` are scheduled and not "
    "paid. Revenue is the financial report's net in the practice's currency (payments that "
    "succeeded less refunds that did): `total_revenue` of all time, `monthly_revenue` of the "
    "current calendar month of the practice's zone. A therapist sees the figures of their "
    "own calendar (its bookings, the clients they have seen, the money paid for them); the "
    "owner and the front desk the whole practice's, or one therapist's with `therapist_id`.",
    responses=documented_errors(*CALLER_ERRORS, body=False),
)
async def dashboard(
    actor: PracticeMember,
    uow: Work,
    therapist_id: Annotated[
        Id | None,
        Query(
            description="Only this therapist's calendar. A therapist's dashboard is always "
            "their own; asking for another's is refused (403)."
        ),
    ] = None,
) -> schemas.Dashboard:
    return schemas.dashboard(await admin_service.dashboard(uow, actor, therapist_id=therapist_id))


@router.get(
    "/reports/financial",
    summary="Financial report for a range of days",
    description="Days are YYYY-MM-DD in the practice's zone, both ends included, at most "
    "366 of them. `gross` sums the payments that succeeded on those days and `refunds` the "
    "refunds that succeeded on them (whenever the payment was made); `net` is the "
    "difference. Only payments in the practice's `currency` count; "
    "`other_currency_payments` says how many others were left out. `days` has every day of "
    "the range, zeros included. `format=csv` returns the same as a download: a header, one "
    "row a day and a `total` row, amounts with two decimals. `by_therapist` and `by_service` "
    "break the same money down by the booking each payment was for. A therapist's report is "
    "of their own calendar; the owner and the front desk may ask for one therapist's with "
    "`therapist_id`.",
    response_model=FinancialReport,
    responses={
        **documented_errors(*CALLER_ERRORS),
        200: {"content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}},
    },
)
async def financial_report(
    query: Annotated[ReportQuery, Query()], actor: PracticeMember, uow: Work
) -> FinancialReport | Response:
    report = await report_service.financial(uow, actor, query)
    if query.format == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{csv_filename(report)}"'},
        )
    return report_schemas.financial_report(report)
