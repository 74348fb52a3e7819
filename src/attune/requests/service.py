"""The rules of appointment requests (seed 003): asking, scheduling, declining, withdrawing.

Personal fields are sealed with the practice's Fernet keys before they reach the database and
opened only to build an answer for the requester or an admin. The requester's e-mail is found
through a keyed hash of the normalised address (`email_hash`), never by decrypting rows.

Asking is public, so an address typed into a request proves nothing: a request joins an account
only when its owner proves the address. A signed-in client's request is theirs and answers to
their own address, whatever was typed. Anyone else's (an anonymous one, or one an admin enters
for someone) stays unowned, takes no look at the accounts, so it answers the same for a
registered and an unknown address, and mails its address a claim code; the owner of that
address, signed in with it verified, adds the request to their account with the code.

Placing an appointment in the therapist's time takes the lock that slots take, then checks for
an overlap with every scheduled appointment and every slot that is booked or open for booking;
on PostgreSQL an exclusion constraint stands behind that check.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from attune.appointments.reminders import reminders_already_covered
from attune.appointments.window import join_window
from attune.availability.service import (
    available_days,
    date_range,
    is_available_day,
)
from attune.integrations.jitsi import Participant
from attune.models import AppointmentRequest, AppointmentStatus, User
from attune.platform.crypto import Encryptor, keyed_hash, same_secret
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.settings import Settings
from attune.platform.time_range import TimeRange
from attune.requests import mail, repository
from attune.requests.errors import (
    AppointmentCannotBeWithdrawn,
    AppointmentInPast,
    AppointmentNotFound,
    AppointmentNotPending,
    AppointmentNotScheduled,
    AppointmentOverlap,
    ClaimByAddressOwnerOnly,
    InvalidAppointmentRequest,
    RequestClaimedByAnother,
    WithdrawalByOwnerOnly,
)
from attune.scheduling.repository import refusing_overlap
from attune.video.join_links import JoinLinkKind, key_matches
from attune.video.rooms import (
    link_for,
    new_room_id,
    what_is_needed,
    window_enforced,
)

EMAIL_INDEX_PURPOSE = "email-index"
CLAIM_CODE_PURPOSE = "appointment-claim"
# Hex digits of the claim code: 128 bits of an HMAC, beyond guessing.
CLAIM_CODE_LENGTH = 32
# Minutes of an appointment scheduled without a length (seed 003).
DEFAULT_DURATION = 60


class AppointmentMeetingStatus(StrEnum):
    pending = "pending"
    scheduled = "scheduled"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


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


@dataclass(frozen=True)
class AppointmentView:
    """A request with its personal fields opened and its meeting worked out for one moment."""

    request: AppointmentRequest
    first_name: str
    last_name: str
    email: str
    phone: str | None
    reason: str | None
    rejection_reason: str | None
    has_meeting: bool
    meeting_url: str | None
    room_id: str | None
    meeting_status: AppointmentMeetingStatus
    meeting_opens_at: datetime | None
    can_join: bool
    window_enforced: bool


@dataclass(frozen=True)
class Meeting:
    request: AppointmentRequest
    scheduled_at: datetime
    ends_at: datetime
    url: str | None
    room_id: str | None
    status: AppointmentMeetingStatus
    can_join: bool
    opens_at: datetime
    closes_at: datetime
    instructions: str
    window_enforced: bool


@dataclass(frozen=True)
class Stats:
    counts: dict[AppointmentStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: AppointmentStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def completion_rate(self) -> float:
        if self.total == 0:
            return 0.0
        return round(self.count(AppointmentStatus.scheduled) / self.total * 100, 2)


def email_hash(settings: Settings, email: str) -> str:
    return keyed_hash(settings.derived_key(EMAIL_INDEX_PURPOSE), email.strip().lower())


def meeting_state(
    request: AppointmentRequest, now: datetime
) -> tuple[AppointmentMeetingStatus, bool]:
    """The meeting's status and whether its room admits people at `now` (docs/decisions.md,
    "Slots and bookings": the meeting link follows one rule)."""
    if request.status in (AppointmentStatus.rejected, AppointmentStatus.withdrawn):
        return AppointmentMeetingStatus.cancelled, False
    if (
        request.status != AppointmentStatus.scheduled
        or request.scheduled_at is None
        or request.scheduled_end_at is None
    ):
        return AppointmentMeetingStatus.pending, False
    opens_at, closes_at = join_window(request.scheduled_at, request.scheduled_end_at)
    if now < opens_at:
        return AppointmentMeetingStatus.scheduled, False
    if now > closes_at:
        return AppointmentMeetingStatus.completed, False
    return AppointmentMeetingStatus.active, True


def meeting_window(request: AppointmentRequest) -> tuple[datetime, datetime] | None:
    """The join window of a scheduled request's meeting; None when it has no meeting (a
    withdrawn request keeps its room name in the table, for the record)."""
    if (
        request.status != AppointmentStatus.scheduled
        or request.room_id is None
        or request.scheduled_at is None
        or request.scheduled_end_at is None
    ):
        return None
    return join_window(request.scheduled_at, request.scheduled_end_at)


def meeting_link(
    settings: Settings,
    request: AppointmentRequest,
    person: mail.Requester,
    viewer: User | None,
    now: datetime,
) -> str | None:
    """The link `viewer` is given at `now` (video.rooms.link_for): the requester inside the
    join window, an admin (as moderator) whenever the request is scheduled."""
    window = meeting_window(request)
    if window is None:
        return None
    if viewer is not None and viewer.is_admin:
        name, email, moderator = f"{viewer.first_name} {viewer.last_name}", viewer.email, True
    else:
        name, email, moderator = person.full_name, person.email, False
    participant = Participant(name=name, email=email, moderator=moderator)
    status, _ = meeting_state(request, now)
    return link_for(
        settings,
        request.room_id,
        window,
        participant,
        released=status is AppointmentMeetingStatus.active,
        now=now,
    )


def claim_code(settings: Settings, request: AppointmentRequest) -> str:
    """The code mailed to an unowned request's address, which adds it to that address's account.

    Derived, not stored: a keyed hash of the request and its address, so it proves that whoever
    holds it read the mail sent to that address about that request.
    """
    value = f"{request.id}:{request.email_hash}"
    return keyed_hash(settings.derived_key(CLAIM_CODE_PURPOSE), value)[:CLAIM_CODE_LENGTH]


def _is_owner(request: AppointmentRequest, user: User) -> bool:
    return request.user_id is not None and request.user_id == user.id


def _asker(wanted: NewAppointment, caller: User | None) -> tuple[User | None, str]:
    """Whose request it is, and the address it answers to.

    A signed-in caller asks for themselves, at their own address, whatever address they typed:
    a request must never mail someone who did not ask. An admin who enters one for somebody
    else (after a phone call, say) leaves it unowned at the typed address, as an anonymous one
    is. Both addresses are normalised (trimmed, lower case) before they get here.
    """
    if caller is None or (caller.is_admin and wanted.email != caller.email):
        return None, wanted.email
    return caller, caller.email


class AppointmentService:
    def view(
        self,
        settings: Settings,
        request: AppointmentRequest,
        viewer: User | None,
        now: datetime,
    ) -> AppointmentView:
        """The request as `viewer` (its requester, an admin, or an anonymous requester just
        after asking) sees it at `now`."""
        encryptor = Encryptor.from_settings(settings)
        status, can_join = meeting_state(request, now)
        person = mail.Requester(
            first_name=encryptor.decrypt(request.first_name_encrypted),
            last_name=encryptor.decrypt(request.last_name_encrypted),
            email=encryptor.decrypt(request.email_encrypted),
        )
        window = meeting_window(request)
        url = meeting_link(settings, request, person, viewer, now)
        return AppointmentView(
            request=request,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            phone=encryptor.decrypt_optional(request.phone_encrypted),
            reason=encryptor.decrypt_optional(request.reason_encrypted),
            rejection_reason=encryptor.decrypt_optional(request.rejection_reason_encrypted),
            has_meeting=window is not None,
            meeting_url=url,
            room_id=request.room_id if url is not None else None,
            meeting_status=status,
            meeting_opens_at=window[0] if window is not None else None,
            can_join=can_join,
            window_enforced=window_enforced(settings),
        )

    async def create(
        self,
        session: AsyncSession,
        settings: Settings,
        wanted: NewAppointment,
        caller: User | None,
        *,
        now: datetime,
    ) -> AppointmentRequest:
        await self._check_dates(session, settings, wanted, now)
        owner, address = _asker(wanted, caller)
        encryptor = Encryptor.from_settings(settings)
        request = AppointmentRequest(
            id=str(uuid.uuid4()),
            user_id=owner.id if owner is not None else None,
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
        await repository.add(session, request)
        person = mail.Requester(wanted.first_name, wanted.last_name, address)
        code = claim_code(settings, request) if owner is None else None
        await mail.queue_received(session, settings, request, person, claim_code=code)
        for admin in await repository.admins(session):
            await mail.queue_admin_notice(session, settings, request, admin, person)
        return request

    async def _check_dates(
        self, session: AsyncSession, settings: Settings, wanted: NewAppointment, now: datetime
    ) -> None:
        first, last = date_range(PracticeCalendar.of(settings).today(now))
        days = await available_days(session)
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
                "Invalid preferred dates", details="preferred_dates: " + "; ".join(problems)
            )

    async def visible(
        self, session: AsyncSession, settings: Settings, request_id: str, viewer: User
    ) -> AppointmentRequest:
        """The request for its owner or an admin; anyone else is told it does not exist."""
        request = await repository.by_id(session, request_id)
        if request is None or not (viewer.is_admin or _is_owner(request, viewer)):
            raise AppointmentNotFound()
        return request

    async def listed(
        self,
        session: AsyncSession,
        settings: Settings,
        viewer: User,
        status: AppointmentStatus | None,
    ) -> Sequence[AppointmentRequest]:
        if viewer.is_admin:
            return await repository.listed(session, status=status)
        return await self.own(session, viewer, status)

    async def by_email(
        self, session: AsyncSession, hashed_email: str, status: AppointmentStatus | None
    ) -> Sequence[AppointmentRequest]:
        return await repository.listed(session, status=status, email_hash=hashed_email)

    async def own(
        self, session: AsyncSession, viewer: User, status: AppointmentStatus | None = None
    ) -> Sequence[AppointmentRequest]:
        return await repository.listed(session, status=status, owner=viewer)

    async def claim(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        code: str,
        viewer: User,
        *,
        now: datetime,
    ) -> AppointmentRequest:
        """Add an unowned request to the account of the address it was sent from.

        A wrong code is answered as an unknown request is, so ids cannot be probed with it. The
        right code from an account with another (or an unverified) address is refused: the code
        may have been forwarded, and the request answers to its address.
        """
        request = await repository.by_id(session, request_id)
        if request is None or not same_secret(code, claim_code(settings, request)):
            raise AppointmentNotFound()
        if not (viewer.is_verified and email_hash(settings, viewer.email) == request.email_hash):
            raise ClaimByAddressOwnerOnly(
                details="A request joins the account whose verified e-mail address it was "
                "sent from."
            )
        if request.user_id is None:
            request.user_id = viewer.id
            request.updated_at = now
            await session.flush()
        elif request.user_id != viewer.id:
            raise RequestClaimedByAnother(details="Nothing was changed.")
        return request

    async def schedule(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        starts_at: datetime,
        minutes: int,
        *,
        now: datetime,
    ) -> AppointmentRequest:
        # The lock comes before the read, so that of two admins the second sees the first's work.
        await repository.lock_therapist_time(session)
        request = await self._existing(session, request_id)
        if request.status != AppointmentStatus.pending_review:
            raise AppointmentNotPending(details=f"Its status is {request.status}.")
        starts_at = starts_at.astimezone(UTC)
        ends_at = await self._free_time(session, request, starts_at, minutes, now)
        async with refusing_overlap(session, _scheduled_meanwhile()):
            request.status = AppointmentStatus.scheduled
            request.scheduled_at = starts_at
            request.scheduled_duration = minutes
            request.scheduled_end_at = ends_at
            request.room_id = new_room_id()
            request.rejection_reason_encrypted = None
            request.updated_at = now
            # Scheduled less than a day ahead, the scheduling mail stands for the day-before
            # reminder, as it does for a moved appointment.
            for mark, value in reminders_already_covered(starts_at, now).items():
                setattr(request, mark, value)
        await mail.queue_scheduled(session, settings, request, mail.Requester.of(settings, request))
        return request

    async def reschedule(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        starts_at: datetime,
        minutes: int | None,
        *,
        now: datetime,
    ) -> AppointmentRequest:
        await repository.lock_therapist_time(session)
        request = await self._existing(session, request_id)
        if request.status != AppointmentStatus.scheduled:
            raise AppointmentNotScheduled(details=f"Its status is {request.status}.")
        starts_at = starts_at.astimezone(UTC)
        # Left out, the appointment keeps its length.
        minutes = minutes or request.scheduled_duration or DEFAULT_DURATION
        ends_at = await self._free_time(session, request, starts_at, minutes, now)
        async with refusing_overlap(session, _scheduled_meanwhile()):
            request.scheduled_at = starts_at
            request.scheduled_duration = minutes
            request.scheduled_end_at = ends_at
            request.calendar_sequence += 1
            request.updated_at = now
            # The new time is reminded in its own windows, as a moved booking is: the move's
            # mail stands for a reminder whose window is already open. Both marks are written
            # even when they read the same: a sweep may have stamped the old time since this
            # request read the row.
            for mark, value in reminders_already_covered(starts_at, now).items():
                setattr(request, mark, value)
                flag_modified(request, mark)
        await mail.queue_rescheduled(
            session, settings, request, mail.Requester.of(settings, request)
        )
        return request

    async def reject(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        reason: str | None,
        *,
        now: datetime,
    ) -> AppointmentRequest:
        await repository.lock_therapist_time(session)
        request = await self._existing(session, request_id)
        if request.status != AppointmentStatus.pending_review:
            raise AppointmentNotPending(details=f"Its status is {request.status}.")
        request.status = AppointmentStatus.rejected
        request.rejection_reason_encrypted = Encryptor.from_settings(settings).encrypt_optional(
            reason
        )
        request.scheduled_at = request.scheduled_end_at = request.scheduled_duration = None
        request.room_id = None
        request.updated_at = now
        await session.flush()
        await mail.queue_rejected(
            session, settings, request, mail.Requester.of(settings, request), reason
        )
        return request

    async def withdraw(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        viewer: User,
        *,
        now: datetime,
    ) -> AppointmentRequest:
        await repository.lock_therapist_time(session)
        request = await self._existing(session, request_id)
        if not _is_owner(request, viewer):
            if viewer.is_admin:
                raise WithdrawalByOwnerOnly(details="Reject a pending request instead.")
            raise AppointmentNotFound()
        if request.status not in (AppointmentStatus.pending_review, AppointmentStatus.scheduled):
            raise AppointmentCannotBeWithdrawn(details=f"Its status is {request.status}.")
        was_scheduled = request.status == AppointmentStatus.scheduled
        request.status = AppointmentStatus.withdrawn
        request.updated_at = now
        await session.flush()
        person = mail.Requester.of(settings, request)
        await mail.queue_withdrawn(session, settings, request, person, was_scheduled=was_scheduled)
        for admin in await repository.admins(session):
            await mail.queue_withdrawn_notice(session, settings, request, admin, person)
        return request

    async def stats(self, session: AsyncSession) -> Stats:
        return Stats(await repository.status_counts(session))

    async def meeting(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        viewer: User,
        *,
        now: datetime,
    ) -> Meeting:
        request = await self.visible(session, settings, request_id, viewer)
        return self._meeting(settings, request, viewer, now)

    async def by_join_link(
        self,
        session: AsyncSession,
        settings: Settings,
        request_id: str,
        key: str,
        *,
        now: datetime,
    ) -> Meeting:
        """The meeting as its requester sees it, for whoever holds the link mailed to them; a
        wrong key is told the request does not exist."""
        request = await repository.by_id(session, request_id)
        if request is None or not key_matches(settings, JoinLinkKind.appointment, request_id, key):
            raise AppointmentNotFound()
        return self._meeting(settings, request, None, now)

    def _meeting(
        self,
        settings: Settings,
        request: AppointmentRequest,
        viewer: User | None,
        now: datetime,
    ) -> Meeting:
        if (
            request.status != AppointmentStatus.scheduled
            or request.scheduled_at is None
            or request.scheduled_end_at is None
            or request.room_id is None
        ):
            raise AppointmentNotScheduled(
                details=f"Its status is {request.status}; only a scheduled request has a meeting."
            )
        status, can_join = meeting_state(request, now)
        window = join_window(request.scheduled_at, request.scheduled_end_at)
        url = meeting_link(settings, request, mail.Requester.of(settings, request), viewer, now)
        return Meeting(
            request=request,
            scheduled_at=request.scheduled_at,
            ends_at=request.scheduled_end_at,
            url=url,
            room_id=request.room_id if url is not None else None,
            status=status,
            can_join=can_join,
            opens_at=window[0],
            closes_at=window[1],
            instructions=_instructions(settings, status, *window),
            window_enforced=window_enforced(settings),
        )

    async def _existing(self, session: AsyncSession, request_id: str) -> AppointmentRequest:
        request = await repository.by_id(session, request_id)
        if request is None:
            raise AppointmentNotFound()
        return request

    async def _free_time(
        self,
        session: AsyncSession,
        request: AppointmentRequest,
        starts_at: datetime,
        minutes: int,
        now: datetime,
    ) -> datetime:
        """The end of [starts_at, +minutes) once it is known to be in the future and free."""
        if starts_at <= now:
            raise AppointmentInPast(details=f"It is now {now.isoformat()}.")
        time = TimeRange(starts_at, starts_at + timedelta(minutes=minutes))
        if await repository.overlapping_appointment(session, time, excluding=request.id):
            raise AppointmentOverlap(details="Another appointment is scheduled at this time.")
        if await repository.overlapping_offered_slot(session, time):
            raise AppointmentOverlap(
                details="A slot that is booked or open for booking takes this time; "
                "close or move it first."
            )
        return time.end


def _scheduled_meanwhile() -> AppointmentOverlap:
    return AppointmentOverlap(details="Another appointment was scheduled at this time meanwhile.")


def _instructions(
    settings: Settings, status: AppointmentMeetingStatus, opens_at: datetime, closes_at: datetime
) -> str:
    opens = opens_at.astimezone(settings.zone)
    closes = closes_at.astimezone(settings.zone)
    zone = settings.practice_timezone
    if status is AppointmentMeetingStatus.completed:
        return "This appointment is over and its room is closed."
    if status is AppointmentMeetingStatus.active:
        lead = f"The room is open until {closes:%H:%M} ({zone}): join with the meeting URL."
    else:
        lead = (
            f"The room opens at {opens:%H:%M} on {opens:%A %d %B %Y} ({zone}), 10 minutes "
            f"before the appointment starts, and closes at {closes:%H:%M}, 15 minutes after it "
            "ends."
        )
    return f"{lead} {what_is_needed(settings)}"


appointment_service = AppointmentService()
