"""The requester's side of an appointment request: asking, claiming it, withdrawing it.

Asking is public, so an address typed into a request proves nothing: a request joins an account
only when its owner proves the address. A signed-in client's request is theirs and answers to
their own address, whatever was typed. Anyone else's (an anonymous one, or one the practice
enters for someone) stays unowned, takes no look at the accounts, so it answers the same for a
registered and an unknown address, and mails its address a claim code; the owner of that
address, signed in with it verified, adds the request to their account with the code.

Personal fields are sealed with the practice's Fernet keys before they reach the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from attune.availability.service import (
    available_days,
    date_range,
    is_available_day,
)
from attune.models import AppointmentRequest, AppointmentStatus
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.crypto import Encryptor, keyed_hash, same_secret
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork
from attune.requests import mail, repository
from attune.requests.access import account_of, existing_request, view_for
from attune.requests.addresses import claim_code, email_hash
from attune.requests.assignment import check_choice
from attune.requests.errors import (
    AppointmentCannotBeWithdrawn,
    AppointmentNotFound,
    ClaimByAddressOwnerOnly,
    InvalidAppointmentRequest,
    RequestClaimedByAnother,
    WithdrawalByOwnerOnly,
)
from attune.requests.views import AppointmentView

WITHDRAWABLE = (AppointmentStatus.pending_review, AppointmentStatus.scheduled)
RECEIPT_PURPOSE = "appointment-receipt"
# How long the one who sent a request may see it again with its receipt (the confirmation page
# of the web form): long enough to read it and reload, short enough that a shared computer
# does not keep showing it.
RECEIPT_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class NewAppointment:
    """What a requester asks for, already checked for shape by the schema."""

    first_name: str
    last_name: str
    email: str
    phone: str | None
    reason: str | None
    preferred_dates: Sequence[date]
    preferred_time_slots: Sequence[str]
    # Whom and what the requester asks for, when they say (the practice decides otherwise).
    therapist_id: int | None = None
    service_id: int | None = None


class IntakeService:
    async def create(
        self, uow: UnitOfWork, actor: Actor, wanted: NewAppointment
    ) -> AppointmentView:
        """Ask for an appointment: the request is stored sealed, its requester gets an
        acknowledgement (with a claim code when it belongs to no account) and the owners and
        the therapist it names a notice."""
        await _check_dates(uow, wanted)
        await check_choice(uow.session, wanted.therapist_id, wanted.service_id)
        owner_id, address = await _asker(uow, actor, wanted)
        settings, now = uow.settings, uow.now
        encryptor = Encryptor.from_settings(settings)
        request = AppointmentRequest(
            id=str(uuid.uuid4()),
            user_id=owner_id,
            therapist_id=wanted.therapist_id,
            service_id=wanted.service_id,
            first_name_encrypted=encryptor.encrypt(wanted.first_name),
            last_name_encrypted=encryptor.encrypt(wanted.last_name),
            email_encrypted=encryptor.encrypt(address),
            email_hash=email_hash(settings, address),
            phone_encrypted=encryptor.encrypt_optional(wanted.phone),
            reason_encrypted=encryptor.encrypt_optional(wanted.reason),
            preferred_dates=[day.isoformat() for day in sorted(wanted.preferred_dates)],
            preferred_time_slots=list(wanted.preferred_time_slots),
            status=AppointmentStatus.pending_review,
            created_at=now,
            updated_at=now,
        )
        await repository.add(uow.session, request)
        person = mail.Requester(wanted.first_name, wanted.last_name, address)
        code = claim_code(settings, request) if owner_id is None else None
        await mail.queue_received(uow.session, settings, request, person, claim_code=code)
        for admin in await repository.notified_of(uow.session, request):
            await mail.queue_admin_notice(uow.session, settings, request, admin, person)
        return await view_for(uow, actor, request)

    def receipt(self, settings: Settings, request_id: str) -> str:
        """What the sender of a request keeps to see it again for a while, without an account:
        a keyed hash of the request's id, which nobody else can make."""
        return keyed_hash(settings.derived_key(RECEIPT_PURPOSE), request_id)

    async def sent(
        self, uow: UnitOfWork, actor: Actor, request_id: str, receipt: str
    ) -> AppointmentView:
        """The request just sent, for whoever holds its receipt, within RECEIPT_LIFETIME of
        sending it; a wrong or stale receipt is answered as an unknown request."""
        request = await repository.by_id(uow.session, request_id)
        if (
            request is None
            or not same_secret(receipt, self.receipt(uow.settings, request.id))
            or uow.now - request.created_at > RECEIPT_LIFETIME
        ):
            raise AppointmentNotFound()
        return await view_for(uow, actor, request)

    async def claim(
        self, uow: UnitOfWork, actor: Actor, request_id: str, code: str
    ) -> AppointmentView:
        """Add an unowned request to the account of the address it was sent from.

        A wrong code is answered as an unknown request is, so ids cannot be probed with it. The
        right code from an account with another (or an unverified) address is refused: the code
        may have been forwarded, and the request answers to its address.
        """
        request = await repository.by_id(uow.session, request_id)
        if request is None or not same_secret(code, claim_code(uow.settings, request)):
            raise AppointmentNotFound()
        account = await account_of(uow, actor)
        if not (
            account is not None
            and actor.verified
            and email_hash(uow.settings, account.email) == request.email_hash
        ):
            raise ClaimByAddressOwnerOnly(
                details="A request joins the account whose verified e-mail address it was "
                "sent from."
            )
        if request.user_id is None:
            request.user_id = account.id
            request.updated_at = uow.now
            await uow.session.flush()
        elif request.user_id != account.id:
            raise RequestClaimedByAnother(details="Nothing was changed.")
        return await view_for(uow, actor, request)

    async def withdraw(self, uow: UnitOfWork, actor: Actor, request_id: str) -> AppointmentView:
        """The requester calls it off: they get a confirmation (with a calendar cancellation
        when it was scheduled) and the admins a notice. The practice declines instead."""
        await repository.lock_therapist_time(uow.session)
        request = await existing_request(uow, request_id)
        if not actor.owns(request.user_id):
            if policy.may_see(actor, request.user_id, request.therapist_id):
                raise WithdrawalByOwnerOnly(details="Reject a pending request instead.")
            raise AppointmentNotFound()
        if request.status not in WITHDRAWABLE:
            raise AppointmentCannotBeWithdrawn(details=f"Its status is {request.status}.")
        was_scheduled = request.status == AppointmentStatus.scheduled
        request.status = AppointmentStatus.withdrawn
        request.updated_at = uow.now
        await uow.session.flush()
        session, settings = uow.session, uow.settings
        person = mail.Requester.of(settings, request)
        await mail.queue_withdrawn(session, settings, request, person, was_scheduled=was_scheduled)
        for admin in await repository.notified_of(session, request):
            await mail.queue_withdrawn_notice(session, settings, request, admin, person)
        return await view_for(uow, actor, request)


async def _asker(uow: UnitOfWork, actor: Actor, wanted: NewAppointment) -> tuple[int | None, str]:
    """Which account the request belongs to, and the address it answers to.

    A signed-in caller asks for themselves, at their own address, whatever address they typed:
    a request must never mail someone who did not ask. A member of the practice who enters one
    for somebody else (after a phone call, say) leaves it unowned at the typed address, as an
    anonymous one is. Both addresses are normalised (trimmed, lower case) before they get here.
    """
    account = await account_of(uow, actor)
    if account is None or (policy.is_staff(actor) and wanted.email != account.email):
        return None, wanted.email
    return account.id, account.email


async def _check_dates(uow: UnitOfWork, wanted: NewAppointment) -> None:
    first, last = date_range(PracticeCalendar.of(uow.settings).today(uow.now))
    days = await available_days(uow.session)
    problems = []
    for day in sorted(wanted.preferred_dates):
        if day < first:
            problems.append(f"{day.isoformat()} is in the past")
        elif day > last:
            problems.append(
                f"{day.isoformat()} is too far ahead (the last date is {last.isoformat()})"
            )
        elif not is_available_day(day, days):
            problems.append(
                f"{day.isoformat()} is a {day:%A}, when the practice takes no appointments"
            )
    if problems:
        raise InvalidAppointmentRequest(
            "Invalid preferred dates",
            details="preferred_dates: " + "; ".join(problems),
            field="preferred_dates",
        )


intake_service = IntakeService()
