"""Finding a booking for an actor, and the accounts a booking's answer needs."""

from __future__ import annotations

from attune.bookings import repository
from attune.bookings.errors import BookingNotFound
from attune.models import Booking, User
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.policy import AdminRequired
from attune.platform.unit_of_work import UnitOfWork


async def visible_booking(uow: UnitOfWork, actor: Actor, booking_id: int) -> Booking:
    """The booking if the actor may see it: its client, and the practice's people whose
    calendar it is on (a therapist sees their own calendar's only); anyone else learns
    nothing (404, never 403)."""
    booking = await repository.booking_by_id(uow.session, booking_id)
    if booking is None or not policy.may_see(actor, booking.user_id, booking.therapist_id):
        raise BookingNotFound()
    return booking


async def changeable_booking(uow: UnitOfWork, actor: Actor, booking_id: int) -> Booking:
    """The booking if the actor may change it (cancel, move, record how it went); one they
    may see but not change is refused (403)."""
    booking = await visible_booking(uow, actor, booking_id)
    _refuse_change(actor, booking)
    return booking


async def changeable_booking_and_client(
    uow: UnitOfWork, actor: Actor, booking_id: int
) -> tuple[Booking, User]:
    """`changeable_booking`, with its client's account (whose mail the change sends), read in
    the same query."""
    found = await repository.booking_and_client(uow.session, booking_id)
    if found is None or not policy.may_see(actor, found[0].user_id, found[0].therapist_id):
        raise BookingNotFound()
    _refuse_change(actor, found[0])
    return found


def _refuse_change(actor: Actor, booking: Booking) -> None:
    if not policy.may_act_for(actor, booking.user_id, booking.therapist_id):
        raise AdminRequired()


async def account_of(uow: UnitOfWork, actor: Actor) -> User:
    """The signed-in actor's account (the authenticator reads only who the actor is)."""
    account = await uow.session.get(User, actor.user_id) if actor.user_id else None
    if account is None:
        raise BookingNotFound()
    return account


async def locked_account_of(uow: UnitOfWork, actor: Actor) -> User:
    """The signed-in actor's account, read in the unit's transaction with its row locked
    (`repository.lock_client`)."""
    account = await repository.locked_client(uow.session, actor.user_id) if actor.user_id else None
    if account is None:
        raise BookingNotFound()
    return account


async def client_of(uow: UnitOfWork, booking: Booking) -> User:
    client = await uow.session.get(User, booking.user_id)
    if client is None:  # users with bookings cannot be deleted (ondelete RESTRICT)
        raise BookingNotFound()
    return client
