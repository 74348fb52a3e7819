"""Query parameters, request and response bodies of the admin overview."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from attune.admin.views import (
    AccountDetailView,
    AccountView,
    AuditEntryView,
    BookingCountsView,
    DashboardView,
    Page,
    PracticeBookingView,
)
from attune.bookings.schemas import BookingRead, booking_read
from attune.models import BookingStatus
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.fields import (
    MAX_ID,
    CalendarDate,
    Id,
    Instant,
    Text,
    visible_lines,
    visible_text,
    whole_number,
)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
# Far beyond any practice's row count, and within every database's integer range.
MAX_OFFSET = MAX_ID


def _blank_to_none(value: str | None) -> str | None:
    return value or None


SearchText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(visible_text),
    AfterValidator(_blank_to_none),
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    AfterValidator(visible_lines),
    AfterValidator(_blank_to_none),
]
Limit = Annotated[
    int,
    Field(ge=1, le=MAX_PAGE_SIZE, description=f"1 to {MAX_PAGE_SIZE}."),
    BeforeValidator(whole_number),
]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(whole_number)]


class UserQuery(BaseModel):
    limit: Limit = DEFAULT_PAGE_SIZE
    offset: Offset = 0
    search: SearchText | None = Field(
        default=None,
        description="Part of the first name, last name, full name or e-mail address; "
        "case-insensitive, `%` and `_` match themselves.",
    )
    therapist_id: Id | None = Field(
        default=None,
        description="Only the clients this therapist has seen (a booking or an appointment "
        "request on their calendar). A therapist sees only their own clients whatever they "
        "ask for, and is refused another's (403).",
    )


class BookingQuery(BaseModel):
    limit: Limit = DEFAULT_PAGE_SIZE
    offset: Offset = 0
    status: BookingStatus | None = None
    user_id: Id | None = None
    from_date: CalendarDate | None = Field(
        default=None,
        alias="from",
        description="First day (YYYY-MM-DD, the practice's zone) on which a session starts.",
    )
    to_date: CalendarDate | None = Field(
        default=None,
        alias="to",
        description="Last day (YYYY-MM-DD, the practice's zone), inclusive.",
    )
    client: SearchText | None = Field(
        default=None,
        description="Part of the client's first name, last name, full name or e-mail address; "
        "case-insensitive, `%` and `_` match themselves.",
    )
    paid: bool | None = Field(
        default=None,
        description="`true`: the payment succeeded (and is not all refunded); `false`: not "
        "paid yet, or the payment failed.",
    )
    therapist_id: Id | None = Field(
        default=None,
        description="Only the bookings on this therapist's calendar. A therapist sees only "
        "their own calendar's bookings whatever they ask for, and is refused another's (403).",
    )
    service_id: Id | None = Field(default=None, description="Only the bookings of this service.")

    @model_validator(mode="after")
    def _ordered_range(self) -> BookingQuery:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise PydanticCustomError("date_range", "`from` must not be after `to`")
        return self


class AccountUpdate(BaseModel):
    """Only these two fields; anything else is refused, so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid")

    is_admin: StrictBool | None = Field(default=None, description="Grant (true) or revoke (false).")
    is_active: StrictBool | None = Field(
        default=None, description="Reactivate (true) or deactivate (false): ends every login."
    )


class AdminBookingCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(default=None, description="Quoted in the client's mail.")


class BookingOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["completed", "no_show"]


class DashboardStats(BaseModel):
    total_users: int = Field(description="Every account, admins included.", examples=[150])
    total_clients: int = Field(description="Accounts that are not admins.", examples=[148])
    total_bookings: int = Field(examples=[89])
    pending_bookings: int = Field(
        description="Scheduled and not paid (payment pending or failed).", examples=[12]
    )
    upcoming_bookings: int = Field(
        description="Scheduled and not yet started, paid or not.", examples=[9]
    )
    completed_bookings: int = Field(examples=[67])
    no_show_bookings: int = Field(examples=[2])
    cancelled_bookings: int = Field(examples=[10])
    total_revenue: float = Field(
        description="Net revenue of all time in `currency`: succeeded payments less succeeded "
        "refunds, as the financial report counts them.",
        examples=[8900.0],
    )
    monthly_revenue: float = Field(
        description="Net revenue of the current calendar month in the practice's zone.",
        examples=[2100.0],
    )
    total_revenue_cents: int = Field(examples=[890000])
    monthly_revenue_cents: int = Field(examples=[210000])
    currency: str = Field(examples=["usd"])
    month: str = Field(description="The month of `monthly_revenue`.", examples=["2024-12"])


class Dashboard(BaseModel):
    stats: DashboardStats


class BookingCounts(BaseModel):
    total: int = Field(examples=[5])
    scheduled: int = Field(examples=[1])
    completed: int = Field(examples=[3])
    no_show: int = Field(examples=[0])
    cancelled: int = Field(examples=[1])


class Account(BaseModel):
    id: int = Field(examples=[1])
    first_name: str = Field(examples=["John"])
    last_name: str = Field(examples=["Doe"])
    email: str = Field(examples=["john.doe@example.com"])
    phone: str | None = Field(examples=["+1234567890"])
    location: str | None = Field(examples=["New York, NY"])
    date_of_birth: date | None = Field(examples=[None])
    is_admin: bool = Field(examples=[False])
    is_active: bool = Field(examples=[True])
    email_verified: bool = Field(examples=[True])
    created_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])
    updated_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])


class AccountDetail(Account):
    bookings: BookingCounts


class AccountList(BaseModel):
    users: list[Account]
    total: int = Field(description="Matching users, across every page.", examples=[150])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class AccountRead(BaseModel):
    user: AccountDetail


class AccountUpdated(BaseModel):
    message: str = Field(examples=["User updated successfully"])
    user: AccountDetail


class BookingClient(BaseModel):
    id: int = Field(examples=[1])
    first_name: str = Field(examples=["John"])
    last_name: str = Field(examples=["Doe"])
    email: str = Field(examples=["john.doe@example.com"])


class AdminBooking(BookingRead):
    """A booking as the practice sees it: with its client, and with the room of any booking
    that is not cancelled, paid or not (the therapist hosts every session)."""

    user: BookingClient


class AdminBookingRead(BaseModel):
    booking: AdminBooking


class AdminBookingList(BaseModel):
    bookings: list[AdminBooking]
    total: int = Field(description="Matching bookings, across every page.", examples=[89])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class AdminBookingChanged(BaseModel):
    message: str = Field(examples=["Booking cancelled successfully"])
    booking: AdminBooking


def dashboard(view: DashboardView) -> Dashboard:
    return Dashboard(
        stats=DashboardStats(
            total_users=view.total_users,
            total_clients=view.total_clients,
            total_bookings=view.total_bookings,
            pending_bookings=view.pending_bookings,
            upcoming_bookings=view.upcoming_bookings,
            completed_bookings=view.completed_bookings,
            no_show_bookings=view.no_show_bookings,
            cancelled_bookings=view.cancelled_bookings,
            total_revenue=view.revenue_cents / 100,
            monthly_revenue=view.monthly_revenue_cents / 100,
            total_revenue_cents=view.revenue_cents,
            monthly_revenue_cents=view.monthly_revenue_cents,
            currency=view.currency,
            month=view.month,
        )
    )


def account(view: AccountView) -> Account:
    return Account(**asdict(view))


def account_detail(view: AccountDetailView) -> AccountDetail:
    return AccountDetail(**asdict(view.account), bookings=booking_counts(view.bookings))


def booking_counts(view: BookingCountsView) -> BookingCounts:
    return BookingCounts(**asdict(view))


def account_list(page: Page[AccountView]) -> AccountList:
    return AccountList(
        users=[account(view) for view in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


def admin_booking(view: PracticeBookingView) -> AdminBooking:
    return AdminBooking(
        **booking_read(view.booking).model_dump(),
        user=BookingClient(
            id=view.client.id,
            first_name=view.client.first_name,
            last_name=view.client.last_name,
            email=view.client.email,
        ),
    )


def admin_booking_list(page: Page[PracticeBookingView]) -> AdminBookingList:
    return AdminBookingList(
        bookings=[admin_booking(view) for view in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


USER_UPDATE_EXAMPLES: dict[str, Any] = {
    "grant_admin": {"summary": "Make a therapist an admin", "value": {"is_admin": True}},
    "deactivate": {"summary": "Deactivate an account", "value": {"is_active": False}},
}
CANCEL_EXAMPLES: dict[str, Any] = {
    "with_reason": {
        "summary": "With a reason for the client",
        "value": {"reason": "The therapist is ill today; we will be in touch to rebook."},
    },
    "without_reason": {"summary": "No reason", "value": {}},
}
RESCHEDULE_EXAMPLES: dict[str, Any] = {
    "seed_000": {"summary": "Move to another slot", "value": {"new_schedule_id": 2}}
}
OUTCOME_EXAMPLES: dict[str, Any] = {
    "completed": {"summary": "The session took place", "value": {"status": "completed"}},
    "no_show": {"summary": "The client did not come", "value": {"status": "no_show"}},
}


class AuditQuery(BaseModel):
    limit: Limit = DEFAULT_PAGE_SIZE
    offset: Offset = 0
    actor_id: Id | None = Field(default=None, description="The acting admin.")
    action: AuditAction | None = None
    target_type: AuditTarget | None = None
    target_id: Text | None = Field(
        default=None,
        max_length=64,
        description="A booking's, slot's or user's number, or a "
        "request's UUID; with `target_type`, every entry about that record.",
    )
    since: Instant | None = Field(
        default=None, description="Entries at or after this instant (RFC 3339 with an offset)."
    )
    until: Instant | None = Field(
        default=None, description="Entries before this instant (RFC 3339 with an offset)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> AuditQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise PydanticCustomError("range_order", "`until` must be after `since`")
        return self


class AuditEntryRead(BaseModel):
    id: int = Field(examples=[42])
    at: datetime = Field(examples=["2026-03-02T14:05:09Z"])
    actor_id: int | None = Field(
        examples=[1], description="Null when the acting account was deleted since."
    )
    actor_email: str | None = Field(examples=["therapist@example.com"])
    action: str = Field(examples=[AuditAction.appointment_scheduled.value])
    target_type: str = Field(examples=[AuditTarget.appointment_request.value])
    target_id: str | None = Field(examples=["7c9e6679-7425-40de-944b-e07fc1f90ae7"])
    address: str = Field(examples=["203.0.113.7"], description="The client address of the call.")
    details: dict[str, Any] = Field(
        examples=[{"scheduled_at": "2026-03-09T10:00:00+00:00", "duration_minutes": 60}],
        description="What changed; never a personal field.",
    )


class AuditLog(BaseModel):
    entries: list[AuditEntryRead]
    total: int = Field(description="Matching entries, across every page.", examples=[120])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


def audit_log(page: Page[AuditEntryView]) -> AuditLog:
    return AuditLog(
        entries=[AuditEntryRead(**asdict(entry)) for entry in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
