"""The "Therapist" filter of the back office's lists, for those who see every therapist's
records (the owner and the front desk); a therapist's lists are always their own, so they get
no filter."""

from __future__ import annotations

from attune.admin.service import admin_service
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.unit_of_work import UnitOfWork

EVERY_THERAPIST = ("", "Every therapist")


async def therapist_options(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]] | None:
    """The filter's choices, every therapist of the practice by name; None when the actor sees
    only their own calendar, or the practice has only one therapist (nothing to choose)."""
    if not policy.back_office(actor).sees_every_therapist:
        return None
    therapists = await admin_service.therapist_names(uow, actor)
    if len(therapists) < 2:
        return None
    return [EVERY_THERAPIST, *((str(one.id), one.name) for one in therapists)]


def chosen_therapist(typed: str | None, options: list[tuple[str, str]] | None) -> int | None:
    """The therapist picked in the filter (`?therapist=`), when the actor has the filter and
    the choice is one of it; anything else shows the whole practice."""
    if options is None or not typed:
        return None
    return int(typed) if typed in {value for value, _ in options if value} else None
