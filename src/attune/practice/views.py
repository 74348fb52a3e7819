"""What the practice services answer: a therapist's public profile, a service as offered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from attune.models import Service, Therapist, User
from attune.platform.settings import Settings
from attune.practice.terms import ServiceTerms, terms_of

# The terms a service may set itself or leave to the practice's settings (NULL columns).
OWN_TERMS = (
    "seats",
    "booking_notice_hours",
    "buffer_minutes",
    "cancel_notice_hours",
    "reschedule_notice_hours",
)


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    description: str | None
    delivery: str
    is_active: bool
    terms: ServiceTerms
    therapist_ids: list[int]
    # Which of the terms the service sets itself (the others follow the practice's settings).
    own_price: bool
    # The terms as the service sets them, None where it follows the practice (for its form).
    own_terms: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TherapistView:
    id: int
    first_name: str
    last_name: str
    title: str | None
    bio: str | None
    languages: list[str]
    photo_url: str | None
    is_active: bool
    service_ids: list[int]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def service_view(service: Service, settings: Settings, therapist_ids: set[int]) -> ServiceView:
    return ServiceView(
        id=service.id,
        name=service.name,
        description=service.description,
        delivery=service.delivery,
        is_active=service.is_active,
        terms=terms_of(service, settings),
        therapist_ids=sorted(therapist_ids),
        own_price=service.price_cents is not None,
        own_terms={name: getattr(service, name) for name in OWN_TERMS},
    )


def therapist_view(profile: Therapist, account: User, service_ids: list[int]) -> TherapistView:
    return TherapistView(
        id=profile.user_id,
        first_name=account.first_name,
        last_name=account.last_name,
        title=profile.title,
        bio=profile.bio,
        languages=list(profile.languages),
        photo_url=profile.photo_url,
        is_active=profile.is_active and account.is_active,
        service_ids=service_ids,
    )


@dataclass(frozen=True)
class StaffMemberView:
    """A member of the practice as the owner manages them."""

    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    is_active: bool
    may_refund: bool
    invitation_pending: bool
    therapist: bool
    title: str | None
    bio: str | None
    languages: list[str]
    photo_url: str | None
    service_ids: list[int]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class FutureSession:
    """A booking or scheduled request still ahead on a calendar, to reassign or cancel."""

    kind: str  # "booking" or "appointment_request"
    id: int | str  # a request's id is a UUID
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class StaffChange:
    member: StaffMemberView
    sessions_to_reassign: list[FutureSession]


def staff_member_view(
    account: User, profile: Therapist | None, service_ids: list[int], *, invitation_pending: bool
) -> StaffMemberView:
    return StaffMemberView(
        id=account.id,
        email=account.email,
        first_name=account.first_name,
        last_name=account.last_name,
        role=account.role,
        is_active=account.is_active,
        may_refund=account.may_refund,
        invitation_pending=invitation_pending,
        therapist=profile is not None and profile.is_active,
        title=None if profile is None else profile.title,
        bio=None if profile is None else profile.bio,
        languages=[] if profile is None else list(profile.languages),
        photo_url=None if profile is None else profile.photo_url,
        service_ids=service_ids if profile is not None and profile.is_active else [],
    )
