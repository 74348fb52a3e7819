"""Whose calendar a new slot goes on and which services it offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from attune.models import Delivery
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.practice.terms import terms_of
from attune.scheduling.errors import InvalidSchedule
from attune.scheduling.schemas import DEFAULT_SESSION_MINUTES


@dataclass(frozen=True)
class Offering:
    therapist_id: int
    service_ids: list[int]
    # What a new slot offering these services is by default: as many seats as the largest
    # of them seats, and the services' length when they all share one.
    seats: int = 1
    session_minutes: int = DEFAULT_SESSION_MINUTES


async def _therapist_id(uow: UnitOfWork, actor: Actor, wanted: int | None) -> int:
    if wanted is None:
        wanted = await practice.own_or_only_therapist(uow.session, actor.user_id)
    if wanted is None:
        raise InvalidSchedule(
            details="Say whose time it is: therapist_id names one of the practice's therapists.",
            field="therapist_id",
        )
    profile = await practice.therapist(uow.session, wanted)
    if profile is None or not profile.is_active:
        raise InvalidSchedule(details="No active therapist has this id.", field="therapist_id")
    if not policy.may_manage_calendar_of(actor, wanted):
        raise policy.AdminRequired(details="You may change only your own calendar.")
    return wanted


async def offering(
    uow: UnitOfWork,
    actor: Actor,
    therapist_id: int | None,
    service_ids: Sequence[int] | None,
    delivery: str = Delivery.video,
) -> Offering:
    """The therapist (the caller when they are one, or the practice's only one) and the
    services (default: every active one the therapist offers) of new slots, which must all
    be offered the slots' way (`delivery`)."""
    therapist = await _therapist_id(uow, actor, therapist_id)
    offered = await practice.service_ids_of_therapist(uow.session, therapist)
    if service_ids is None:
        if not offered:
            raise InvalidSchedule(
                details="This therapist offers no service yet; name one in service_ids.",
                field="service_ids",
            )
        return await _with_defaults(uow, therapist, offered, delivery)
    not_offered = sorted(set(service_ids) - set(offered))
    if not_offered:
        raise InvalidSchedule(
            details=f"This therapist does not offer service(s) {not_offered}.",
            field="service_ids",
        )
    return await _with_defaults(uow, therapist, list(service_ids), delivery)


async def _with_defaults(
    uow: UnitOfWork, therapist_id: int, service_ids: list[int], delivery: str
) -> Offering:
    services = await practice.services(uow.session, service_ids)
    held_otherwise = sorted(
        one.name for one in services.values() if one.delivery not in (delivery, Delivery.both)
    )
    if held_otherwise:
        how = "in person" if delivery == Delivery.in_person else "by video"
        raise InvalidSchedule(
            details=f"Not offered {how}: {', '.join(held_otherwise)}. Name services offered "
            "this way in service_ids, or change delivery.",
            field="delivery",
        )
    terms = [terms_of(one, uow.settings) for one in services.values()]
    lengths = {one.duration_minutes for one in terms}
    return Offering(
        therapist_id,
        service_ids,
        seats=max((one.seats for one in terms), default=1),
        session_minutes=lengths.pop() if len(lengths) == 1 else DEFAULT_SESSION_MINUTES,
    )
