"""The rules of weekly availability and of the dates open to appointment requests.

Dates are the practice's (`PracticeCalendar`): "today" is the practice's calendar day, and the
dates open to requests are today and the 29 days after it (docs/decisions.md, "Appointment
requests and availability"), on the weekdays the practice has set. Today is included: the
therapist can still review a request and schedule it later the same day.

The appointment-requests package validates preferred dates with `date_range`,
`available_days` and `is_available_day`; the endpoints call `availability_service`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attune.availability import repository
from attune.models import DEFAULT_AVAILABLE_DAYS
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.policy import Permission, require
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.unit_of_work import UnitOfWork

REACH_DAYS = 30


def date_range(today: date) -> tuple[date, date]:
    """The first and the last date open to appointment requests, both included."""
    return today, today + timedelta(days=REACH_DAYS - 1)


def is_available_day(day: date, available_days: Collection[int]) -> bool:
    """Whether `day` falls on one of the weekdays (0 = Monday) the practice takes requests."""
    return day.weekday() in available_days


async def available_days(session: AsyncSession) -> list[int]:
    """The weekdays the practice takes requests on: Monday to Friday until it says otherwise."""
    stored = await repository.stored_days(session)
    return list(DEFAULT_AVAILABLE_DAYS) if stored is None else sorted(stored)


async def available_dates(session: AsyncSession, today: date) -> list[date]:
    """The dates from `today` (a practice-zone date) through the next 29 days, in order, that
    fall on an available weekday. Existing appointments do not remove a date: a date is a
    preference the therapist schedules around, not a slot.
    """
    days = await available_days(session)
    first, _last = date_range(today)
    candidates = (first + timedelta(days=offset) for offset in range(REACH_DAYS))
    return [day for day in candidates if is_available_day(day, days)]


class AvailabilityService:
    async def weekly(self, uow: UnitOfWork, actor: Actor) -> list[int]:
        require(actor, Permission.manage_practice)
        return await available_days(uow.session)

    async def set_weekly(self, uow: UnitOfWork, actor: Actor, days: list[int] | None) -> list[int]:
        """Replace the weekdays (None leaves them as they are); an empty list closes the
        practice to new requests."""
        require(actor, Permission.manage_practice)
        if days is None:
            return await available_days(uow.session)
        days = sorted(set(days))
        await repository.store_days(uow.session, days, uow.now)
        uow.audit(
            actor, AuditAction.availability_changed, AuditTarget.availability, available_days=days
        )
        return days

    async def available_dates(self, uow: UnitOfWork, actor: Actor) -> list[date]:
        """The dates open to requests from the practice's today on; anyone may ask."""
        today = PracticeCalendar.of(uow.settings).today(uow.now)
        return await available_dates(uow.session, today)


availability_service = AvailabilityService()
