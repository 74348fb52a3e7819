"""Every query of therapists and services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts.service import UNUSABLE_PASSWORD
from attune.models import (
    AppointmentRequest,
    AppointmentStatus,
    Booking,
    BookingStatus,
    Delivery,
    Service,
    Therapist,
    User,
    schedule_services,
    service_therapists,
)
from attune.platform.actor import STAFF_ROLES, Role

DEFAULT_SERVICE_NAME = "Session"


async def therapist(session: AsyncSession, user_id: int) -> Therapist | None:
    return await session.get(Therapist, user_id)


async def active_therapist_ids(session: AsyncSession) -> Sequence[int]:
    found = await session.scalars(
        select(Therapist.user_id).where(Therapist.is_active.is_(True)).order_by(Therapist.user_id)
    )
    return found.all()


async def service(session: AsyncSession, service_id: int) -> Service | None:
    return await session.get(Service, service_id)


async def services(session: AsyncSession, ids: Iterable[int]) -> dict[int, Service]:
    wanted = set(ids)
    if not wanted:
        return {}
    found = await session.scalars(select(Service).where(Service.id.in_(wanted)))
    return {one.id: one for one in found}


async def active_services(session: AsyncSession) -> Sequence[Service]:
    found = await session.scalars(
        select(Service).where(Service.is_active.is_(True)).order_by(Service.id)
    )
    return found.all()


async def service_ids_of_therapist(session: AsyncSession, therapist_id: int) -> list[int]:
    """The active services a therapist offers, in the practice's order."""
    found = await session.scalars(
        select(Service.id)
        .join(service_therapists, service_therapists.c.service_id == Service.id)
        .where(service_therapists.c.therapist_id == therapist_id, Service.is_active.is_(True))
        .order_by(Service.id)
    )
    return list(found)


async def therapist_ids_of_services(
    session: AsyncSession, service_ids: Iterable[int]
) -> dict[int, set[int]]:
    found = await session.execute(
        select(service_therapists.c.service_id, service_therapists.c.therapist_id).where(
            service_therapists.c.service_id.in_(set(service_ids))
        )
    )
    offered: dict[int, set[int]] = defaultdict(set)
    for service_id, therapist_id in found:
        offered[service_id].add(therapist_id)
    return offered


async def service_ids_of_slots(
    session: AsyncSession, schedule_ids: Iterable[int]
) -> dict[int, list[int]]:
    """The services each slot offers, in the practice's order."""
    ids = set(schedule_ids)
    offered: dict[int, list[int]] = {schedule_id: [] for schedule_id in ids}
    if not ids:
        return offered
    found = await session.execute(
        select(schedule_services.c.schedule_id, schedule_services.c.service_id)
        .where(schedule_services.c.schedule_id.in_(ids))
        .order_by(schedule_services.c.service_id)
    )
    for schedule_id, service_id in found:
        offered[schedule_id].append(service_id)
    return offered


async def services_of_slot(session: AsyncSession, schedule_id: int) -> Sequence[Service]:
    """The services a slot offers, in the practice's order, in one query."""
    found = await session.scalars(
        select(Service)
        .join(schedule_services, schedule_services.c.service_id == Service.id)
        .where(schedule_services.c.schedule_id == schedule_id)
        .order_by(Service.id)
    )
    return found.all()


async def offer_on_slots(
    session: AsyncSession, schedule_ids: Iterable[int], service_ids: Sequence[int]
) -> None:
    rows = [
        {"schedule_id": schedule_id, "service_id": service_id}
        for schedule_id in schedule_ids
        for service_id in service_ids
    ]
    if rows:
        await session.execute(insert(schedule_services), rows)


async def default_service(session: AsyncSession, now: datetime) -> Service:
    """The practice's first active service, made ("Session": 60 minutes by video at the
    practice's price) when the practice offers none."""
    first = await session.scalar(
        select(Service).where(Service.is_active.is_(True)).order_by(Service.id).limit(1)
    )
    if first is not None:
        return first
    made = Service(
        name=DEFAULT_SERVICE_NAME,
        description="A one-to-one session by video.",
        duration_minutes=60,
        delivery=Delivery.video,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(made)
    await session.flush()
    return made


async def make_therapist(session: AsyncSession, user_id: int, now: datetime) -> Therapist:
    """Give an account a therapist's profile, offering every active service (the practice's
    first is made when there is none); an existing profile is switched back on."""
    existing = await session.get(Therapist, user_id)
    if existing is not None:
        existing.is_active = True
        existing.updated_at = now
        return existing
    await default_service(session, now)
    profile = Therapist(
        user_id=user_id, languages=[], is_active=True, created_at=now, updated_at=now
    )
    session.add(profile)
    await session.flush()
    rows = [
        {"service_id": one.id, "therapist_id": user_id} for one in await active_services(session)
    ]
    await session.execute(insert(service_therapists), rows)
    return profile


async def own_or_only_therapist(session: AsyncSession, user_id: int | None) -> int | None:
    """The therapist an unnamed calendar means: the caller's own when they are an active
    therapist, else the practice's only active therapist; None when that is not one."""
    own = await session.get(Therapist, user_id) if user_id is not None else None
    if own is not None and own.is_active:
        return own.user_id
    active = await active_therapist_ids(session)
    return active[0] if len(active) == 1 else None


async def therapists_with_accounts(
    session: AsyncSession, *, active_only: bool
) -> Sequence[tuple[Therapist, User]]:
    """Therapists and their accounts, by name; `active_only`: those clients may see, active and
    joined (an invited member who has not chosen a password yet is not shown)."""
    query = select(Therapist, User).join(User, User.id == Therapist.user_id)
    if active_only:
        query = query.where(
            Therapist.is_active.is_(True),
            User.is_active.is_(True),
            User.password_hash != UNUSABLE_PASSWORD,
        )
    found = await session.execute(query.order_by(User.last_name, User.first_name, User.id))
    return [(profile, account) for profile, account in found]


async def service_ids_by_therapist(session: AsyncSession) -> dict[int, list[int]]:
    """Every therapist's active services, in the practice's order."""
    found = await session.execute(
        select(service_therapists.c.therapist_id, Service.id)
        .join(Service, Service.id == service_therapists.c.service_id)
        .where(Service.is_active.is_(True))
        .order_by(Service.id)
    )
    offered: dict[int, list[int]] = defaultdict(list)
    for therapist_id, service_id in found:
        offered[therapist_id].append(service_id)
    return offered


async def all_services(session: AsyncSession, *, active_only: bool) -> Sequence[Service]:
    query = select(Service)
    if active_only:
        query = query.where(Service.is_active.is_(True))
    return (await session.scalars(query.order_by(Service.id))).all()


async def staff_with_profiles(session: AsyncSession) -> Sequence[tuple[User, Therapist | None]]:
    """Every member of the practice, active or not, with their therapist's profile if any, by
    name."""
    found = await session.execute(
        select(User, Therapist)
        .outerjoin(Therapist, Therapist.user_id == User.id)
        .where(User.role.in_([role.value for role in STAFF_ROLES]))
        .order_by(User.last_name, User.first_name, User.id)
    )
    return [(account, profile) for account, profile in found]


async def lock_member_and_owners(session: AsyncSession, user_id: int) -> dict[int, User]:
    """This account and every active owner, read afresh and (on PostgreSQL) locked in id order,
    so two changes that would each leave the practice without an owner take turns."""
    found = await session.scalars(
        select(User)
        .where(
            or_(
                User.id == user_id,
                (User.role == Role.owner.value) & User.is_active.is_(True),
            )
        )
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {account.id: account for account in found}


async def future_bookings(
    session: AsyncSession, therapist_id: int, now: datetime
) -> Sequence[Booking]:
    found = await session.scalars(
        select(Booking)
        .where(
            Booking.therapist_id == therapist_id,
            Booking.status == BookingStatus.scheduled,
            Booking.ends_at > now,
        )
        .order_by(Booking.scheduled_at, Booking.id)
    )
    return found.all()


async def future_scheduled_requests(
    session: AsyncSession, therapist_id: int, now: datetime
) -> Sequence[AppointmentRequest]:
    found = await session.scalars(
        select(AppointmentRequest)
        .where(
            AppointmentRequest.therapist_id == therapist_id,
            AppointmentRequest.status == AppointmentStatus.scheduled,
            AppointmentRequest.scheduled_end_at > now,
        )
        .order_by(AppointmentRequest.scheduled_at, AppointmentRequest.id)
    )
    return found.all()


async def therapist_ids_existing(session: AsyncSession, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    found = await session.scalars(select(Therapist.user_id).where(Therapist.user_id.in_(wanted)))
    return set(found)


async def set_service_therapists(
    session: AsyncSession, service_id: int, therapist_ids: Iterable[int]
) -> None:
    await session.execute(
        delete(service_therapists).where(service_therapists.c.service_id == service_id)
    )
    rows = [{"service_id": service_id, "therapist_id": one} for one in sorted(set(therapist_ids))]
    if rows:
        await session.execute(insert(service_therapists), rows)


async def service_in_use(session: AsyncSession, service_id: int) -> bool:
    """Whether any booking, request or slot names the service (then it can only be retired)."""
    used = await session.scalar(
        select(
            exists().where(Booking.service_id == service_id)
            | exists().where(AppointmentRequest.service_id == service_id)
            | exists().where(schedule_services.c.service_id == service_id)
        )
    )
    return bool(used)


async def delete_service(session: AsyncSession, service: Service) -> None:
    await session.execute(
        delete(service_therapists).where(service_therapists.c.service_id == service.id)
    )
    await session.delete(service)
    await session.flush()
