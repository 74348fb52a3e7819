"""`/api/admin/*` (admin only): dashboard, users and bookings; the rules are in service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from attune.accounts.dependencies import AdminUser
from attune.admin import audit as audit_log
from attune.admin.audit import Audit, AuditFilter
from attune.admin.errors import EmptyUserUpdate, SelfLockout, UserNotFound
from attune.admin.reports import (
    CSV_EXAMPLE,
    FinancialReport,
    ReportQuery,
    csv_filename,
    report_csv,
    report_service,
)
from attune.admin.schemas import (
    CANCEL_EXAMPLES,
    OUTCOME_EXAMPLES,
    RESCHEDULE_EXAMPLES,
    USER_UPDATE_EXAMPLES,
    AccountList,
    AccountRead,
    AccountUpdate,
    AccountUpdated,
    AdminBookingCancel,
    AdminBookingChanged,
    AdminBookingList,
    AdminBookingRead,
    AuditLog,
    AuditQuery,
    BookingOutcome,
    BookingQuery,
    Dashboard,
    UserQuery,
    account,
    account_detail,
    admin_booking,
    audit_entry_read,
)
from attune.admin.service import admin_service
from attune.bookings.errors import (
    BookingNotFound,
    BookingNotScheduled,
    BookingOverlap,
    LengthMismatch,
    SameSlot,
    SessionNotStarted,
)
from attune.bookings.schemas import (
    REFUND_EXAMPLES,
    BookingRefundCreate,
    BookingRefundCreated,
    BookingReschedule,
    refund_read,
    with_refunds,
)
from attune.bookings.service import booking_service
from attune.models import BookingStatus
from attune.payments import refunds
from attune.payments.refunds import BookingNotPaid, NothingToRefund, RefundTooLarge
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.auth import InvalidToken, require_staff
from attune.platform.dependencies import AppClock, AppSettings, Session
from attune.platform.fields import PathId
from attune.platform.openapi import documented_errors
from attune.platform.policy import AdminRequired
from attune.scheduling.errors import ScheduleNotFound, SlotFull, SlotStarted

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_staff)])

# The body when none is sent: an optional body is the model, not required (a `null` is refused).
NO_CANCEL_REASON = AdminBookingCancel()
REFUND_ALL = BookingRefundCreate()

# Every route here answers these: no token (401), not an admin (403).
CALLER_ERRORS = (InvalidToken, AdminRequired)
UserId = PathId
BookingId = PathId


@router.get(
    "/dashboard",
    summary="Practice dashboard",
    description="Seed 000's `stats`, with extras. `total_users` counts every account, admins "
    "included (`total_clients` leaves them out). `pending_bookings` are scheduled and not "
    "paid. Revenue is the financial report's net in the practice's currency (payments that "
    "succeeded less refunds that did): `total_revenue` of all time, `monthly_revenue` of the "
    "current calendar month of the practice's zone.",
    responses=documented_errors(*CALLER_ERRORS, body=False),
)
async def dashboard(session: Session, settings: AppSettings, clock: AppClock) -> Dashboard:
    return Dashboard(stats=await admin_service.dashboard(session, settings, clock.now()))


@router.get(
    "/reports/financial",
    summary="Financial report for a range of days",
    description="Days are YYYY-MM-DD in the practice's zone, both ends included, at most "
    "366 of them. `gross` sums the payments that succeeded on those days and `refunds` the "
    "refunds that succeeded on them (whenever the payment was made); `net` is the "
    "difference. Only payments in the practice's `currency` count; "
    "`other_currency_payments` says how many others were left out. `days` has every day of "
    "the range, zeros included. `format=csv` returns the same as a download: a header, one "
    "row a day and a `total` row, amounts with two decimals.",
    response_model=FinancialReport,
    responses={
        **documented_errors(*CALLER_ERRORS),
        200: {"content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}},
    },
)
async def financial_report(
    query: Annotated[ReportQuery, Query()], session: Session, settings: AppSettings
) -> FinancialReport | Response:
    report = await report_service.financial(session, settings, query)
    if query.format == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{csv_filename(report)}"'},
        )
    return report


@router.get(
    "/users",
    summary="List users",
    description="Newest accounts first, `limit` (1 to 200, default 50) at a time from "
    "`offset`; `total` counts every match. `search` finds a part of a first, last or full "
    "name or of an e-mail address, ignoring case.",
    responses=documented_errors(*CALLER_ERRORS),
)
async def list_users(
    query: Annotated[UserQuery, Query()], session: Session, audit: Audit
) -> AccountList:
    users, total = await admin_service.list_accounts(
        session, search=query.search, limit=query.limit, offset=query.offset
    )
    await audit.record_views(
        AuditAction.user_viewed, AuditTarget.user, (user.id for user in users), via="list"
    )
    return AccountList(
        users=[account(user) for user in users],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@router.get(
    "/users/{user_id}",
    summary="Read a user",
    description="The account with the number of its bookings in each state.",
    responses=documented_errors(*CALLER_ERRORS, UserNotFound),
)
async def read_user(user_id: UserId, session: Session, audit: Audit) -> AccountRead:
    user, counts = await admin_service.account(session, user_id)
    await audit.record_views(AuditAction.user_viewed, AuditTarget.user, [user.id], via="detail")
    return AccountRead(user=account_detail(user, counts))


@router.put(
    "/users/{user_id}",
    summary="Grant or revoke admin, deactivate or reactivate a user",
    description="Deactivating ends every login of the account at once: its tokens stop "
    "working and it cannot log in until reactivated. No admin can revoke their own admin "
    "access or deactivate themselves (409), so the practice always keeps an admin.",
    responses=documented_errors(*CALLER_ERRORS, UserNotFound, SelfLockout, EmptyUserUpdate),
)
async def update_user(
    user_id: UserId,
    *,
    body: Annotated[AccountUpdate, Body(openapi_examples=USER_UPDATE_EXAMPLES)],
    admin: AdminUser,
    session: Session,
    clock: AppClock,
    audit: Audit,
) -> AccountUpdated:
    user, counts = await admin_service.update_account(
        session, admin, user_id, body, now=clock.now()
    )
    audit.record(
        AuditAction.user_changed,
        AuditTarget.user,
        user.id,
        **body.model_dump(mode="json", exclude_none=True),
    )
    return AccountUpdated(message="User updated successfully", user=account_detail(user, counts))


@router.get(
    "/bookings",
    summary="List every booking",
    description="Latest session first (by `scheduled_at`, descending), `limit` (1 to 200, "
    "default 50) at a time from `offset`; `total` counts every match. Filters: `status`, "
    "`user_id`, and `from` / `to`, days (YYYY-MM-DD, inclusive) in the practice's zone on "
    "which the session starts. Each booking carries its client and, unless cancelled, its "
    "meeting room, paid or not.",
    responses=documented_errors(*CALLER_ERRORS),
)
async def list_bookings(
    query: Annotated[BookingQuery, Query()],
    *,
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AdminBookingList:
    rows, total = await admin_service.list_bookings(session, settings, query)
    await audit.record_views(
        AuditAction.booking_viewed,
        AuditTarget.booking,
        (booking.id for booking, _ in rows),
        via="list",
    )
    shown = await booking_service.refunds_of(session, [booking for booking, _ in rows])
    return AdminBookingList(
        bookings=[
            with_refunds(
                admin_booking(settings, booking, client, viewer=admin, now=clock.now()),
                shown.get(booking.id),
            )
            for booking, client in rows
        ],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@router.get(
    "/bookings/{booking_id}",
    summary="Read any booking",
    responses=documented_errors(*CALLER_ERRORS, BookingNotFound),
)
async def read_booking(
    booking_id: BookingId,
    *,
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AdminBookingRead:
    booking, client = await admin_service.booking(session, admin, booking_id)
    await audit.record_views(
        AuditAction.booking_viewed, AuditTarget.booking, [booking.id], via="detail"
    )
    shown = await booking_service.refunds_of(session, [booking])
    return AdminBookingRead(
        booking=with_refunds(
            admin_booking(settings, booking, client, viewer=admin, now=clock.now()),
            shown.get(booking.id),
        )
    )


@router.put(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a booking for the practice",
    description="At any time, without the client's notice period. The seat is freed and the "
    "client is mailed, with the `reason` when one is given; a paid booking is queued for "
    "a refund. The body is optional.",
    responses=documented_errors(*CALLER_ERRORS, BookingNotFound, BookingNotScheduled),
)
async def cancel_booking(
    booking_id: BookingId,
    *,
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
    body: Annotated[AdminBookingCancel, Body(openapi_examples=CANCEL_EXAMPLES)] = NO_CANCEL_REASON,
) -> AdminBookingChanged:
    reason = body.reason
    booking, client = await admin_service.cancel_booking(
        session, settings, admin, booking_id, reason=reason, now=clock.now()
    )
    audit.record(
        AuditAction.booking_cancelled,
        AuditTarget.booking,
        booking.id,
        reason_given=reason is not None,
    )
    shown = await booking_service.refunds_of(session, [booking])
    return AdminBookingChanged(
        message="Booking cancelled successfully",
        booking=with_refunds(
            admin_booking(settings, booking, client, viewer=admin, now=clock.now()),
            shown.get(booking.id),
        ),
    )


@router.put(
    "/bookings/{booking_id}/reschedule",
    summary="Move a booking to another slot for the practice",
    description="At any time before the new slot starts, without the client's notice "
    "period. The new slot must last as long as the booking and have a free seat; the "
    "client is mailed an updated invitation.",
    responses=documented_errors(
        *CALLER_ERRORS,
        BookingNotFound,
        ScheduleNotFound,
        BookingNotScheduled,
        SlotFull,
        SlotStarted,
        SameSlot,
        LengthMismatch,
        BookingOverlap,
    ),
)
async def reschedule_booking(
    booking_id: BookingId,
    *,
    body: Annotated[BookingReschedule, Body(openapi_examples=RESCHEDULE_EXAMPLES)],
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AdminBookingChanged:
    booking, client = await admin_service.reschedule_booking(
        session,
        settings,
        admin,
        booking_id,
        new_schedule_id=body.new_schedule_id,
        now=clock.now(),
    )
    audit.record(
        AuditAction.booking_rescheduled,
        AuditTarget.booking,
        booking.id,
        new_schedule_id=body.new_schedule_id,
    )
    shown = await booking_service.refunds_of(session, [booking])
    return AdminBookingChanged(
        message="Booking rescheduled successfully",
        booking=with_refunds(
            admin_booking(settings, booking, client, viewer=admin, now=clock.now()),
            shown.get(booking.id),
        ),
    )


@router.put(
    "/bookings/{booking_id}/status",
    summary="Record how a session went: completed or no-show",
    description="Only once the session has started (409 before). Either may be corrected to "
    "the other later; a cancelled booking cannot be given an outcome.",
    responses=documented_errors(
        *CALLER_ERRORS, BookingNotFound, BookingNotScheduled, SessionNotStarted
    ),
)
async def record_outcome(
    booking_id: BookingId,
    *,
    body: Annotated[BookingOutcome, Body(openapi_examples=OUTCOME_EXAMPLES)],
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AdminBookingChanged:
    booking, client = await admin_service.record_outcome(
        session, admin, booking_id, outcome=BookingStatus(body.status), now=clock.now()
    )
    audit.record(
        AuditAction.booking_outcome_recorded, AuditTarget.booking, booking.id, status=body.status
    )
    shown = await booking_service.refunds_of(session, [booking])
    return AdminBookingChanged(
        message="Booking status updated successfully",
        booking=with_refunds(
            admin_booking(settings, booking, client, viewer=admin, now=clock.now()),
            shown.get(booking.id),
        ),
    )


@router.post(
    "/bookings/{booking_id}/refund",
    status_code=201,
    summary="Refund a paid booking, in part or in full",
    description="Refunds `amount_cents` (integer cents) of the booking's payment, or all that "
    "is left when it is left out, whatever the booking's state. The refund is sent to the "
    "payment provider by a job with its own idempotency key, so it is made once; it shows on "
    "the booking as `pending` until then, and the client is mailed once it is made. Once "
    "all of the payment is back the booking's `payment_status` is `refunded`.",
    responses=documented_errors(
        *CALLER_ERRORS, BookingNotFound, BookingNotPaid, NothingToRefund, RefundTooLarge
    ),
)
async def refund_booking(
    booking_id: BookingId,
    *,
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
    body: Annotated[BookingRefundCreate, Body(openapi_examples=REFUND_EXAMPLES)] = REFUND_ALL,
) -> BookingRefundCreated:
    refund = await refunds.refund_for_practice(
        session,
        settings,
        booking_id,
        admin,
        amount_cents=body.amount_cents,
        now=clock.now(),
    )
    audit.record(
        AuditAction.booking_refunded,
        AuditTarget.booking,
        booking_id,
        refund_id=refund.id,
        amount_cents=refund.amount_cents,
    )
    return BookingRefundCreated(message="Refund requested successfully", refund=refund_read(refund))


@router.get(
    "/audit",
    summary="The audit log",
    description="What admins did (scheduling, declining and moving appointment requests; "
    "weekly availability; slots; user changes; cancellations, moves, outcomes and refunds of "
    "bookings) and every time an admin opened a client's appointment request or booking: "
    "who (`actor_id`, `actor_email`), what (`action`), to which record (`target_type`, "
    "`target_id`), from which address and when. Newest first, `limit` (1 to 200, default 50) "
    "at a time from `offset`; `total` counts every match. Filters combine: `actor_id`, "
    "`action`, `target_type` and `target_id`, and the instants `since` (inclusive) and "
    "`until` (exclusive). Entries hold no personal field, only what changed.",
    responses=documented_errors(*CALLER_ERRORS),
)
async def read_audit_log(query: Annotated[AuditQuery, Query()], session: Session) -> AuditLog:
    wanted = AuditFilter(
        actor_id=query.actor_id,
        action=query.action,
        target_type=query.target_type,
        target_id=query.target_id,
        since=query.since,
        until=query.until,
    )
    rows, total = await audit_log.search(session, wanted, limit=query.limit, offset=query.offset)
    return AuditLog(
        entries=[audit_entry_read(entry, email) for entry, email in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )
