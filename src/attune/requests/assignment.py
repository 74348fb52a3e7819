"""Which therapist and service a request is for: what the requester named, and whom the
practice gives it to when it is scheduled.

A requester may name a therapist, a service or both; each must be offered now (an active
therapist whose account can sign in, an active service) and the therapist must offer the
service. The practice may give a request to another therapist when scheduling it, under the
same rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import AppointmentRequest, Service, Therapist, User, service_therapists
from attune.requests.errors import InvalidAppointmentRequest


@dataclass(frozen=True)
class PracticeNames:
    """The names of the therapists and services some requests are for, by id."""

    therapists: dict[int, str]
    services: dict[int, str]

    def therapist(self, therapist_id: int | None) -> str | None:
        return self.therapists.get(therapist_id) if therapist_id is not None else None

    def service(self, service_id: int | None) -> str | None:
        return self.services.get(service_id) if service_id is not None else None


NO_NAMES = PracticeNames({}, {})


async def check_choice(
    session: AsyncSession, therapist_id: int | None, service_id: int | None
) -> None:
    """Refuse (400, naming the field) a therapist or service that is not offered now, or a
    therapist who does not offer the service."""
    if therapist_id is not None and not await _active_therapist(session, therapist_id):
        raise InvalidAppointmentRequest(
            "Unknown therapist",
            details=f"therapist_id: {therapist_id} is not one of the practice's therapists.",
            field="therapist_id",
        )
    if service_id is None:
        return
    service = await session.get(Service, service_id)
    if service is None or not service.is_active:
        raise InvalidAppointmentRequest(
            "Unknown service",
            details=f"service_id: {service_id} is not one of the practice's services.",
            field="service_id",
        )
    if therapist_id is not None and not await _offers(session, therapist_id, service_id):
        raise InvalidAppointmentRequest(
            "The therapist does not offer this service",
            details=f"service_id: therapist {therapist_id} does not offer {service.name}.",
            field="service_id",
        )


async def names_of(session: AsyncSession, requests: Iterable[AppointmentRequest]) -> PracticeNames:
    """The names the requests' therapists and services go by, in one query each."""
    therapist_ids = {one.therapist_id for one in requests if one.therapist_id is not None}
    service_ids = {one.service_id for one in requests if one.service_id is not None}
    therapists: dict[int, str] = {}
    services: dict[int, str] = {}
    if therapist_ids:
        rows = await session.execute(
            select(User.id, User.first_name, User.last_name).where(User.id.in_(therapist_ids))
        )
        therapists = {user_id: f"{first} {last}" for user_id, first, last in rows}
    if service_ids:
        found = await session.execute(
            select(Service.id, Service.name).where(Service.id.in_(service_ids))
        )
        services = {row.id: row.name for row in found}
    return PracticeNames(therapists, services)


async def _active_therapist(session: AsyncSession, therapist_id: int) -> bool:
    found = await session.scalar(
        select(Therapist.user_id)
        .join(User, User.id == Therapist.user_id)
        .where(
            Therapist.user_id == therapist_id,
            Therapist.is_active.is_(True),
            User.is_active.is_(True),
        )
    )
    return found is not None


async def _offers(session: AsyncSession, therapist_id: int, service_id: int) -> bool:
    offered = await session.scalar(
        select(
            exists().where(
                service_therapists.c.therapist_id == therapist_id,
                service_therapists.c.service_id == service_id,
            )
        )
    )
    return bool(offered)
