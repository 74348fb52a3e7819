"""What slots offer and whether their services' terms let them be booked now.

A slot belongs to a therapist and offers one or more services. Each service has a booking
notice (nobody books a session starting sooner) and a buffer the therapist keeps between a
booked session and the next; both follow the practice's settings unless the service sets its
own (practice.terms). A slot is offered when at least one of its services (or the one asked
about) allows it; a booking is held to the terms of the service it is for, again in its
transaction (`refuse_by_terms`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import Schedule
from attune.platform.settings import Settings
from attune.platform.time_range import TimeRange
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.practice.terms import ServiceTerms, terms_of
from attune.scheduling import repository
from attune.scheduling.errors import InsideBookingNotice, InsideBuffer
from attune.scheduling.views import OfferedService, SlotOffer, SlotView, slot_view


@dataclass(frozen=True)
class _Spacing:
    """The most lenient terms among the services a slot is offered for."""

    notice: timedelta
    buffer: timedelta


def _spacing(terms: Sequence[ServiceTerms], settings: Settings) -> _Spacing:
    if not terms:
        return _Spacing(
            timedelta(hours=settings.booking_notice_hours),
            timedelta(minutes=settings.buffer_minutes),
        )
    return _Spacing(min(one.booking_notice for one in terms), min(one.buffer for one in terms))


def _within_buffer(
    slot: Schedule, buffer: timedelta, booked: Sequence[repository.BookedTime]
) -> bool:
    if buffer <= timedelta(0):
        return False
    return any(
        other.schedule_id != slot.id
        and other.time.start < slot.end_at + buffer
        and other.time.end > slot.start_at - buffer
        for other in booked
    )


async def describe(
    uow: UnitOfWork,
    slots: Sequence[Schedule],
    *,
    service_id: int | None = None,
    offered: Sequence[int] | None = None,
) -> list[SlotView]:
    """The slots as views: their therapist's name, their services, and whether they can be
    booked now. With `service_id`, only that service's terms count; `offered` gives the
    services of slots not stored yet (a generator's preview)."""
    if not slots:
        return []
    session = uow.session
    if offered is None:
        by_slot = await practice.service_ids_of_slots(session, [slot.id for slot in slots])
    else:
        by_slot = {slot.id: list(offered) for slot in slots}
    found = repository.OfferedSlots(
        slots=list(slots),
        service_ids=by_slot,
        services=await practice.services(session, {one for ids in by_slot.values() for one in ids}),
        therapist_names=await repository.therapist_names(
            session, {slot.therapist_id for slot in slots}
        ),
    )
    return await describe_offered(uow, found, service_id=service_id)


async def describe_offered(
    uow: UnitOfWork, found: repository.OfferedSlots, *, service_id: int | None = None
) -> list[SlotView]:
    """`describe` for slots read with what describing them needs (`open_slots_offered`); only
    a buffer around booked sessions may take one more statement."""
    slots, by_slot, services = found.slots, found.service_ids, found.services
    if not slots:
        return []
    settings, now = uow.settings, uow.now
    terms = {one.id: terms_of(one, settings) for one in services.values()}
    names = found.therapist_names
    spacing: dict[int, _Spacing] = {}
    for slot in slots:
        counted = [
            terms[one]
            for one in by_slot.get(slot.id, [])
            if one in terms and (service_id is None or one == service_id)
        ]
        spacing[slot.id] = _spacing(counted, settings)
    booked = await _booked_near(uow.session, slots, spacing)
    views: list[SlotView] = []
    for slot in slots:
        rules = spacing[slot.id]
        held_back = (rules.notice > timedelta(0) and slot.start_at < now + rules.notice) or (
            _within_buffer(slot, rules.buffer, booked.get(slot.therapist_id, []))
        )
        offer = SlotOffer(
            therapist_name=names.get(slot.therapist_id, ""),
            services=tuple(
                OfferedService(one, services[one].name)
                for one in by_slot.get(slot.id, [])
                if one in services
            ),
            held_back=held_back,
        )
        views.append(slot_view(slot, now, offer))
    return views


async def _booked_near(
    session: AsyncSession, slots: Sequence[Schedule], spacing: dict[int, _Spacing]
) -> dict[int, list[repository.BookedTime]]:
    """The booked sessions of the slots' therapists that a buffer could reach, by therapist;
    nothing is read when no slot has a buffer."""
    widest = max(rules.buffer for rules in spacing.values())
    found: dict[int, list[repository.BookedTime]] = defaultdict(list)
    if widest <= timedelta(0):
        return found
    around = TimeRange(
        min(slot.start_at for slot in slots) - widest, max(slot.end_at for slot in slots) + widest
    )
    for booked in await repository.booked_slots_near(
        session, {slot.therapist_id for slot in slots}, around
    ):
        found[booked.therapist_id].append(booked)
    return found


async def refuse_by_terms(
    session: AsyncSession, slot: Schedule, terms: ServiceTerms, now: datetime
) -> None:
    """Refuse a booking of `slot` for a service whose notice or buffer forbids it now.

    Run in the booking's transaction before its seat is taken. With a buffer, the therapist's
    row is locked first (PostgreSQL), so two clients booking neighbouring slots at once are
    checked one after the other and cannot both pass; SQLite runs one write at a time.
    """
    if terms.booking_notice > timedelta(0) and slot.start_at < now + terms.booking_notice:
        hours = int(terms.booking_notice.total_seconds() // 3600)
        raise InsideBookingNotice(
            details=f"{terms.name} is booked at least {hours} hours ahead; choose a later time."
        )
    if terms.buffer <= timedelta(0):
        return
    await repository.lock_therapist(session, slot.therapist_id)
    around = TimeRange(slot.start_at - terms.buffer, slot.end_at + terms.buffer)
    booked = await repository.booked_slots_near(session, [slot.therapist_id], around)
    if _within_buffer(slot, terms.buffer, booked):
        minutes = int(terms.buffer.total_seconds() // 60)
        raise InsideBuffer(
            details=f"The therapist keeps {minutes} minutes free around a booked session; "
            "choose another time."
        )
