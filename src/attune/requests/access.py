"""Finding a request for the actor who asks, and the account behind the actor."""

from __future__ import annotations

from collections.abc import Sequence

from attune.integrations.jitsi import Participant
from attune.models import AppointmentRequest, User
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.unit_of_work import UnitOfWork
from attune.requests import repository
from attune.requests.assignment import names_of
from attune.requests.errors import AppointmentNotFound
from attune.requests.views import AppointmentView, appointment_view


async def existing_request(uow: UnitOfWork, request_id: str) -> AppointmentRequest:
    request = await repository.by_id(uow.session, request_id)
    if request is None:
        raise AppointmentNotFound()
    return request


async def visible_request(uow: UnitOfWork, actor: Actor, request_id: str) -> AppointmentRequest:
    """The request for its owner, or for the practice's staff who see its therapist's calendar
    (a therapist only their own, the owner and the front desk every one, and the requests
    given to nobody yet); anyone else is told it does not exist."""
    request = await repository.by_id(uow.session, request_id)
    if request is None or not policy.may_see(actor, request.user_id, request.therapist_id):
        raise AppointmentNotFound()
    return request


async def account_of(uow: UnitOfWork, actor: Actor) -> User | None:
    """The signed-in actor's account: the authenticator has already loaded it into the session,
    so this costs no query."""
    if actor.user_id is None:
        return None
    return await uow.session.get(User, actor.user_id)


async def host_of(uow: UnitOfWork, actor: Actor, therapist_id: int | None) -> Participant | None:
    """The actor as the host of a meeting on `therapist_id`'s calendar (its moderator), when
    they hold its room: a therapist their own meetings only."""
    if not policy.may_host(actor, therapist_id):
        return None
    account = await account_of(uow, actor)
    if account is None:
        return None
    name = f"{account.first_name} {account.last_name}"
    return Participant(name=name, email=account.email, moderator=True)


async def view_for(uow: UnitOfWork, actor: Actor, request: AppointmentRequest) -> AppointmentView:
    """The request as `actor` sees it now."""
    return (await views_for(uow, actor, [request]))[0]


async def views_for(
    uow: UnitOfWork, actor: Actor, requests: Sequence[AppointmentRequest]
) -> list[AppointmentView]:
    """The requests as `actor` sees them now: the reasons only for whom may read them, and the
    meeting as its host only for whom holds its room (a therapist their own)."""
    hosts = {
        therapist_id: await host_of(uow, actor, therapist_id)
        for therapist_id in {request.therapist_id for request in requests}
    }
    names = await names_of(uow.session, requests)
    return [
        appointment_view(
            uow.settings,
            request,
            hosts[request.therapist_id],
            uow.now,
            names=names,
            reasons_shown=not policy.hides_clinical_notes(actor, request.user_id),
        )
        for request in requests
    ]
