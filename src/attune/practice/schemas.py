"""Request and response bodies of the practice's endpoints: therapists' public profiles, the
services as offered, and the owner's management of staff and services.

Money is integer minor units (`*_cents`); `amount` beside it is the seeds' decimal. A service's
term left null follows the practice's setting, and answers give the term as it applies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from attune.accounts.schemas import Email, Name
from attune.platform.fields import Id, Text, visible_lines, whole_number
from attune.practice.views import (
    FutureSession,
    ServiceView,
    StaffMemberView,
    TherapistView,
)

MAX_LANGUAGES = 20
StaffRole = Literal["owner", "therapist", "front_desk"]
DeliveryName = Literal["video", "in_person", "both"]


def _unique_ids(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat an id")
    return values


Minutes = Annotated[int, Field(ge=5, le=720), BeforeValidator(whole_number)]
Cents = Annotated[int, Field(ge=0, le=10_000_000), BeforeValidator(whole_number)]
Seats = Annotated[int, Field(ge=1, le=100), BeforeValidator(whole_number)]
NoticeHours = Annotated[int, Field(ge=0, le=24 * 90), BeforeValidator(whole_number)]
BufferMinutes = Annotated[int, Field(ge=0, le=240), BeforeValidator(whole_number)]
ShortText = Annotated[Text, Field(min_length=1, max_length=100)]
LongText = Annotated[str, Field(max_length=2000), AfterValidator(visible_lines)]
Language = Annotated[Text, Field(min_length=1, max_length=40)]
PhotoUrl = Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]
TherapistIds = Annotated[list[Id], AfterValidator(_unique_ids), Field(max_length=200)]


class Body(BaseModel):
    """A body that refuses fields it does not know (400), so a typo is never ignored."""

    model_config = ConfigDict(extra="forbid")


# ---- public ----


class OfferedService(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["Session"])


class TherapistProfile(BaseModel):
    id: int = Field(examples=[1], description="The therapist's id (`therapist_id` elsewhere).")
    first_name: str = Field(examples=["Ada"])
    last_name: str = Field(examples=["Moss"])
    title: str | None = Field(examples=["Licensed psychotherapist"])
    bio: str | None = Field(examples=["Works with couples and with anxiety."])
    languages: list[str] = Field(examples=[["English", "German"]])
    photo_url: str | None = Field(examples=[None])
    services: list[OfferedService]


class TherapistList(BaseModel):
    therapists: list[TherapistProfile]


class ServiceRead(BaseModel):
    """A service with its terms as they apply (its own, or the practice's where it sets none)."""

    id: int = Field(examples=[1])
    name: str = Field(examples=["Session"])
    description: str | None = Field(examples=["A one-to-one session by video."])
    duration_minutes: int = Field(examples=[60])
    price_cents: int = Field(examples=[10000])
    amount: float = Field(examples=[100.0], description="`price_cents` as a decimal.")
    currency: str = Field(examples=["usd"])
    delivery: str = Field(examples=["video"], description="`video`, `in_person` or `both`.")
    seats: int = Field(examples=[1])
    booking_notice_hours: int = Field(examples=[0])
    buffer_minutes: int = Field(examples=[0])
    cancel_notice_hours: int = Field(examples=[24])
    reschedule_notice_hours: int = Field(examples=[2])
    therapist_ids: list[int] = Field(examples=[[1]])


class ServiceList(BaseModel):
    services: list[ServiceRead]


# ---- the owner's: staff ----


class StaffMember(BaseModel):
    id: int = Field(examples=[2])
    email: str = Field(examples=["ada@example.com"])
    first_name: str = Field(examples=["Ada"])
    last_name: str = Field(examples=["Moss"])
    role: str = Field(examples=["therapist"])
    is_active: bool = Field(examples=[True])
    may_refund: bool = Field(examples=[False])
    invitation_pending: bool = Field(
        examples=[False], description="Invited, and no password chosen yet."
    )
    therapist: bool = Field(examples=[True], description="Has an active calendar and profile.")
    title: str | None = Field(examples=["Licensed psychotherapist"])
    bio: str | None = Field(examples=[None])
    languages: list[str] = Field(examples=[["English"]])
    photo_url: str | None = Field(examples=[None])
    service_ids: list[int] = Field(examples=[[1]])


class StaffList(BaseModel):
    therapists: list[StaffMember]


class StaffInvite(Body):
    email: Email
    first_name: Name
    last_name: Name
    role: StaffRole = "therapist"
    therapist: StrictBool | None = Field(
        default=None,
        description="Whether they get a calendar and a public profile. Default: when the role "
        "is `therapist`.",
    )


class StaffInvited(BaseModel):
    message: str = Field(examples=["Invitation sent"])
    therapist: StaffMember
    new_account: bool = Field(
        description="False when the address already had an account: it keeps its password and "
        "its owner is told to sign in with it."
    )


class StaffUpdate(Body):
    """The fields to change; a field left out keeps its value."""

    role: StaffRole | None = None
    may_refund: StrictBool | None = Field(default=None, description="For the front desk.")
    is_active: StrictBool | None = Field(
        default=None, description="`false`: cannot sign in, off the public pages."
    )
    therapist: StrictBool | None = Field(
        default=None, description="Give (`true`) or take away (`false`) a calendar."
    )
    title: Annotated[Text, Field(max_length=100)] | None = None
    bio: LongText | None = None
    languages: Annotated[list[Language], Field(max_length=MAX_LANGUAGES)] | None = None
    photo_url: PhotoUrl | None = None


class SessionToReassign(BaseModel):
    kind: str = Field(examples=["booking"], description="`booking` or `appointment_request`.")
    id: int | str = Field(examples=[12], description="A request's id is a UUID.")
    start_time: datetime = Field(examples=["2024-12-15T10:00:00Z"])
    end_time: datetime = Field(examples=["2024-12-15T11:00:00Z"])


class StaffUpdated(BaseModel):
    message: str = Field(examples=["Therapist updated"])
    therapist: StaffMember
    sessions_to_reassign: list[SessionToReassign] = Field(
        description="When the member no longer sees clients (deactivated, or their calendar "
        "taken away): their future bookings and scheduled requests, which stay until someone "
        "moves them to another therapist or cancels them."
    )


# ---- the owner's: services ----


class ServiceCreate(Body):
    name: ShortText
    description: LongText | None = None
    duration_minutes: Minutes = 60
    price_cents: Cents | None = Field(
        default=None, description="For `duration_minutes`. Null: the practice's price pro rata."
    )
    delivery: DeliveryName = "video"
    seats: Seats | None = None
    booking_notice_hours: NoticeHours | None = None
    buffer_minutes: BufferMinutes | None = None
    cancel_notice_hours: NoticeHours | None = None
    reschedule_notice_hours: NoticeHours | None = None
    therapist_ids: TherapistIds = Field(default_factory=list)


class ServiceUpdate(Body):
    """The fields to change; a field left out keeps its value, and a term sent as null
    follows the practice's setting again."""

    name: ShortText | None = None
    description: LongText | None = None
    duration_minutes: Minutes | None = None
    price_cents: Cents | None = None
    delivery: DeliveryName | None = None
    seats: Seats | None = None
    booking_notice_hours: NoticeHours | None = None
    buffer_minutes: BufferMinutes | None = None
    cancel_notice_hours: NoticeHours | None = None
    reschedule_notice_hours: NoticeHours | None = None
    therapist_ids: TherapistIds | None = None
    is_active: StrictBool | None = None


class AdminService(ServiceRead):
    is_active: bool = Field(examples=[True])
    price_follows_practice: bool = Field(
        examples=[True], description="No price of its own: the practice's, pro rata."
    )


class AdminServiceList(BaseModel):
    services: list[AdminService]


class ServiceSaved(BaseModel):
    message: str = Field(examples=["Service created"])
    service: AdminService


class ServiceRemoved(BaseModel):
    message: str = Field(examples=["Service deleted"])
    outcome: Literal["deleted", "deactivated"] = Field(
        description="`deactivated` when bookings, requests or slots name the service: it is no "
        "longer offered, and what was booked keeps it."
    )
    service: AdminService | None = None


# ---- from views ----


def service_read(view: ServiceView, currency: str) -> ServiceRead:
    terms = view.terms
    return ServiceRead(
        id=view.id,
        name=view.name,
        description=view.description,
        duration_minutes=terms.duration_minutes,
        price_cents=terms.price_cents,
        amount=terms.price_cents / 100,
        currency=currency,
        delivery=view.delivery,
        seats=terms.seats,
        booking_notice_hours=int(terms.booking_notice.total_seconds() // 3600),
        buffer_minutes=int(terms.buffer.total_seconds() // 60),
        cancel_notice_hours=terms.cancel_notice_hours,
        reschedule_notice_hours=terms.reschedule_notice_hours,
        therapist_ids=view.therapist_ids,
    )


def admin_service(view: ServiceView, currency: str) -> AdminService:
    return AdminService(
        **service_read(view, currency).model_dump(),
        is_active=view.is_active,
        price_follows_practice=not view.own_price,
    )


def therapist_profile(view: TherapistView, names: dict[int, str]) -> TherapistProfile:
    return TherapistProfile(
        id=view.id,
        first_name=view.first_name,
        last_name=view.last_name,
        title=view.title,
        bio=view.bio,
        languages=view.languages,
        photo_url=view.photo_url,
        services=[
            OfferedService(id=one, name=names[one]) for one in view.service_ids if one in names
        ],
    )


def staff_member(view: StaffMemberView) -> StaffMember:
    return StaffMember(
        id=view.id,
        email=view.email,
        first_name=view.first_name,
        last_name=view.last_name,
        role=view.role,
        is_active=view.is_active,
        may_refund=view.may_refund,
        invitation_pending=view.invitation_pending,
        therapist=view.therapist,
        title=view.title,
        bio=view.bio,
        languages=view.languages,
        photo_url=view.photo_url,
        service_ids=view.service_ids,
    )


def session_to_reassign(session: FutureSession) -> SessionToReassign:
    return SessionToReassign(
        kind=session.kind, id=session.id, start_time=session.starts_at, end_time=session.ends_at
    )


INVITE_EXAMPLES: dict[str, Any] = {
    "therapist": {
        "summary": "A therapist with a calendar of their own",
        "value": {
            "email": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Moss",
            "role": "therapist",
        },
    },
    "front_desk": {
        "summary": "A front-desk person (no calendar)",
        "value": {
            "email": "sam@example.com",
            "first_name": "Sam",
            "last_name": "Reyes",
            "role": "front_desk",
        },
    },
}
STAFF_UPDATE_EXAMPLES: dict[str, Any] = {
    "profile": {
        "summary": "Fill in the public profile",
        "value": {
            "title": "Licensed psychotherapist",
            "bio": "Works with couples and with anxiety.",
            "languages": ["English", "German"],
        },
    },
    "refunds": {"summary": "Let the front desk refund", "value": {"may_refund": True}},
    "deactivate": {"summary": "Deactivate a member who leaves", "value": {"is_active": False}},
}
SERVICE_CREATE_EXAMPLES: dict[str, Any] = {
    "couples": {
        "summary": "A 90-minute couples session, in person or by video",
        "value": {
            "name": "Couples session",
            "description": "For two partners together.",
            "duration_minutes": 90,
            "price_cents": 15000,
            "delivery": "both",
            "therapist_ids": [1],
        },
    },
    "group": {
        "summary": "A group session for eight, in the room, booked a day ahead",
        "value": {
            "name": "Group",
            "duration_minutes": 120,
            "price_cents": 4000,
            "delivery": "in_person",
            "seats": 8,
            "booking_notice_hours": 24,
            "therapist_ids": [1],
        },
    },
}
SERVICE_UPDATE_EXAMPLES: dict[str, Any] = {
    "price": {"summary": "A new price", "value": {"price_cents": 12000}},
    "follow": {
        "summary": "Follow the practice's price and notice again",
        "value": {"price_cents": None, "booking_notice_hours": None},
    },
    "therapists": {"summary": "Who offers it", "value": {"therapist_ids": [1, 2]}},
}
