"""Which of a slot's services a booking is for, on that service's terms."""

from __future__ import annotations

from collections.abc import Iterable

from attune.bookings.errors import ServiceNotOffered, ServiceRequired
from attune.models import Booking, Schedule
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.practice.terms import ServiceTerms, terms_of


async def service_booked(uow: UnitOfWork, schedule: Schedule, wanted: int | None) -> ServiceTerms:
    """The service asked for, which the slot must offer; when none is asked for, the slot's
    only one (a slot of several needs the choice)."""
    offered = await practice.services_of_slot(uow.session, schedule.id)
    if wanted is None and len(offered) > 1:
        raise ServiceRequired(field="service_id")
    service = next((one for one in offered if wanted is None or one.id == wanted), None)
    if service is None or not service.is_active:
        raise ServiceNotOffered(field="service_id")
    return terms_of(service, uow.settings)


async def terms_of_booking(uow: UnitOfWork, booking: Booking) -> ServiceTerms:
    """The terms of the service a booking is for, as the practice sets them now."""
    service = await practice.service(uow.session, booking.service_id)
    if service is None:
        # A service that bookings refer to cannot be deleted (ondelete RESTRICT).
        raise ServiceNotOffered(field="service_id")
    return terms_of(service, uow.settings)


async def terms_of_bookings(
    uow: UnitOfWork, bookings: Iterable[Booking]
) -> dict[int, ServiceTerms]:
    """The terms of the services these bookings are for, by service id."""
    found = await practice.services(uow.session, {booking.service_id for booking in bookings})
    return {one.id: terms_of(one, uow.settings) for one in found.values()}


async def service_offered(
    uow: UnitOfWork, schedule: Schedule, wanted: int | None
) -> tuple[ServiceTerms, list[ServiceTerms]]:
    """The service a booking of this slot would be for, and every one the slot offers: the
    one asked for, else the slot's first (a slot of several lets the client choose)."""
    offered = await practice.services_of_slot(uow.session, schedule.id)
    every = [terms_of(one, uow.settings) for one in offered if one.is_active]
    chosen = next((one for one in every if one.service_id == wanted), None)
    if chosen is None and wanted is not None:
        raise ServiceNotOffered(field="service_id")
    if chosen is None and every:
        chosen = every[0]
    if chosen is None:
        raise ServiceNotOffered()
    return chosen, every
