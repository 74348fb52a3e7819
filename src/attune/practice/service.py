"""The practice's own rules about its therapists and services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attune.accounts import repository as account_repository
from attune.accounts.service import account_service
from attune.models import OtpPurpose, Service, Therapist, User
from attune.platform import policy
from attune.platform.actor import Actor, Role
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.policy import AdminRequired, Permission
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository
from attune.practice.errors import (
    EmptyChange,
    LastOwner,
    NotATherapist,
    ServiceNotFound,
    StaffMemberNotFound,
    UnknownTherapist,
)
from attune.practice.schemas import ServiceCreate, ServiceUpdate, StaffInvite, StaffUpdate
from attune.practice.views import (
    FutureSession,
    ServiceView,
    StaffChange,
    StaffMemberView,
    TherapistView,
    service_view,
    staff_member_view,
    therapist_view,
)

DEACTIVATED = "deactivated by the practice's owner"
PROFILE_FIELDS = ("title", "bio", "languages", "photo_url")


class PracticeService:
    async def therapists(
        self, uow: UnitOfWork, actor: Actor, *, include_inactive: bool = False
    ) -> list[TherapistView]:
        """The practice's therapists with the services each offers; anyone may look at the
        active ones, and the practice's staff at every one."""
        if include_inactive and not policy.is_staff(actor):
            include_inactive = False
        found = await repository.therapists_with_accounts(
            uow.session, active_only=not include_inactive
        )
        offered = await repository.service_ids_by_therapist(uow.session)
        return [
            therapist_view(profile, account, offered.get(profile.user_id, []))
            for profile, account in found
        ]

    async def services(
        self, uow: UnitOfWork, actor: Actor, *, include_inactive: bool = False
    ) -> list[ServiceView]:
        """The practice's services with who offers each; anyone may look at the active ones
        (the therapists listed are only the active ones for a visitor)."""
        staff = policy.is_staff(actor)
        found = await repository.all_services(
            uow.session, active_only=not (include_inactive and staff)
        )
        offering = await repository.therapist_ids_of_services(uow.session, (s.id for s in found))
        shown = None if staff else set(await repository.active_therapist_ids(uow.session))
        return [
            service_view(
                one,
                uow.settings,
                offering.get(one.id, set())
                if shown is None
                else offering.get(one.id, set()) & shown,
            )
            for one in found
        ]

    async def add_therapist(self, uow: UnitOfWork, actor: Actor, user_id: int) -> None:
        """Give a member of the practice a therapist's profile and calendar, offering every
        service the practice has (its first, "Session", is made when it has none)."""
        policy.require(actor, Permission.manage_practice)
        await repository.make_therapist(uow.session, user_id, uow.now)
        uow.audit(actor, AuditAction.therapist_added, AuditTarget.user, user_id)

    # ---- the owner's: staff ----

    async def staff(self, uow: UnitOfWork, actor: Actor) -> list[StaffMemberView]:
        """Every member of the practice, active or not, with their profiles."""
        policy.require(actor, Permission.manage_practice)
        found = await repository.staff_with_profiles(uow.session)
        offered = await repository.service_ids_by_therapist(uow.session)
        invited = await account_repository.users_with_live_codes(
            uow.session, OtpPurpose.invitation, uow.now
        )
        return [
            staff_member_view(
                account,
                profile,
                offered.get(account.id, []),
                invitation_pending=account.id in invited,
            )
            for account, profile in found
        ]

    async def staff_member(self, uow: UnitOfWork, actor: Actor, user_id: int) -> StaffMemberView:
        policy.require(actor, Permission.manage_practice)
        for member in await self.staff(uow, actor):
            if member.id == user_id:
                return member
        raise StaffMemberNotFound()

    async def invite(self, uow: UnitOfWork, actor: Actor, body: StaffInvite) -> StaffInvitation:
        """Make a member of staff and mail them a link that sets their password (an existing
        account keeps its own); a therapist gets a calendar offering every service."""
        policy.require(actor, Permission.manage_practice)
        account, created = await account_service.invite_staff(
            uow,
            actor,
            email=body.email,
            first_name=body.first_name,
            last_name=body.last_name,
            role=Role(body.role),
        )
        if body.therapist if body.therapist is not None else body.role == Role.therapist:
            await repository.make_therapist(uow.session, account.id, uow.now)
        uow.audit(
            actor,
            AuditAction.staff_invited,
            AuditTarget.user,
            account.id,
            owner_id=account.id,
            role=body.role,
            new_account=created,
        )
        return StaffInvitation(await self.staff_member(uow, actor, account.id), created)

    async def update_member(
        self, uow: UnitOfWork, actor: Actor, user_id: int, body: StaffUpdate
    ) -> StaffChange:
        """Change a member's role, refunds, profile or calendar, or deactivate them.

        A deactivated member cannot sign in and leaves the public pages; their future sessions
        stay where they are and are listed, to be moved or cancelled. The practice always keeps
        an active owner: the accounts are read again under lock, so two owners demoting each
        other at once cannot both succeed.
        """
        policy.require(actor, Permission.manage_practice)
        changes = body.model_dump(exclude_unset=True)
        if not changes:
            raise EmptyChange(
                details="Send role, may_refund, is_active, therapist or a profile field."
            )
        locked = await repository.lock_member_and_owners(uow.session, user_id)
        if actor.user_id is not None:
            acting = locked.get(actor.user_id) or await uow.session.get(User, actor.user_id)
            if not policy.still_allows(acting, Permission.manage_practice):
                raise AdminRequired()
        account = locked.get(user_id)
        if account is None or not account.is_admin:
            raise StaffMemberNotFound()
        await _apply_to_account(uow, account, body)
        if not any(one.is_active and one.role == Role.owner for one in locked.values()):
            raise LastOwner()
        profile = await _apply_to_profile(uow, account.id, body, changes)
        account.updated_at = uow.now
        await uow.session.flush()
        uow.audit(
            actor,
            AuditAction.therapist_changed,
            AuditTarget.user,
            account.id,
            owner_id=account.id,
            **{name: value for name, value in changes.items() if name not in ("bio",)},
        )
        left = not account.is_active or profile is None or not profile.is_active
        sessions = await self._sessions_ahead(uow, account.id) if left else []
        return StaffChange(await self.staff_member(uow, actor, account.id), sessions)

    async def _sessions_ahead(self, uow: UnitOfWork, therapist_id: int) -> list[FutureSession]:
        bookings = await repository.future_bookings(uow.session, therapist_id, uow.now)
        requests = await repository.future_scheduled_requests(uow.session, therapist_id, uow.now)
        ahead = [
            FutureSession("booking", one.id, one.scheduled_at, one.ends_at) for one in bookings
        ] + [
            FutureSession("appointment_request", one.id, one.scheduled_at, one.scheduled_end_at)
            for one in requests
            if one.scheduled_at is not None and one.scheduled_end_at is not None
        ]
        return sorted(ahead, key=lambda one: (one.starts_at, one.kind, one.id))

    # ---- the owner's: services ----

    async def managed_services(self, uow: UnitOfWork, actor: Actor) -> list[ServiceView]:
        """Every service, retired ones too, for the owner."""
        policy.require(actor, Permission.manage_practice)
        return await self.services(uow, actor, include_inactive=True)

    async def service(self, uow: UnitOfWork, actor: Actor, service_id: int) -> ServiceView:
        policy.require(actor, Permission.manage_practice)
        found = await repository.service(uow.session, service_id)
        if found is None:
            raise ServiceNotFound()
        offering = await repository.therapist_ids_of_services(uow.session, [found.id])
        return service_view(found, uow.settings, offering.get(found.id, set()))

    async def create_service(
        self, uow: UnitOfWork, actor: Actor, body: ServiceCreate
    ) -> ServiceView:
        policy.require(actor, Permission.manage_practice)
        await self._known_therapists(uow, body.therapist_ids)
        made = Service(
            **body.model_dump(exclude={"therapist_ids"}),
            is_active=True,
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(made)
        await uow.session.flush()
        await repository.set_service_therapists(uow.session, made.id, body.therapist_ids)
        uow.audit(actor, AuditAction.service_created, AuditTarget.service, made.id, name=made.name)
        return await self.service(uow, actor, made.id)

    async def update_service(
        self, uow: UnitOfWork, actor: Actor, service_id: int, body: ServiceUpdate
    ) -> ServiceView:
        """Change what was sent; a term sent as null follows the practice's setting again.
        Bookings already made keep the price they were made at."""
        policy.require(actor, Permission.manage_practice)
        changes = body.model_dump(exclude_unset=True)
        if not changes:
            raise EmptyChange()
        found = await repository.service(uow.session, service_id)
        if found is None:
            raise ServiceNotFound()
        for name in ("name", "duration_minutes", "delivery", "is_active"):
            if name in changes and changes[name] is None:
                del changes[name]
        therapist_ids = changes.pop("therapist_ids", None)
        if therapist_ids is not None:
            await self._known_therapists(uow, therapist_ids)
            await repository.set_service_therapists(uow.session, found.id, therapist_ids)
        for name, value in changes.items():
            setattr(found, name, value)
        found.updated_at = uow.now
        await uow.session.flush()
        uow.audit(
            actor,
            AuditAction.service_changed,
            AuditTarget.service,
            found.id,
            **body.model_dump(mode="json", exclude_unset=True),
        )
        return await self.service(uow, actor, found.id)

    async def remove_service(
        self, uow: UnitOfWork, actor: Actor, service_id: int
    ) -> ServiceView | None:
        """Delete a service nothing names yet; retire (deactivate) one that bookings, requests
        or slots name, which they keep. The retired service is returned, None when deleted."""
        policy.require(actor, Permission.manage_practice)
        found = await repository.service(uow.session, service_id)
        if found is None:
            raise ServiceNotFound()
        if await repository.service_in_use(uow.session, found.id):
            found.is_active = False
            found.updated_at = uow.now
            await uow.session.flush()
            uow.audit(
                actor, AuditAction.service_changed, AuditTarget.service, found.id, is_active=False
            )
            return await self.service(uow, actor, found.id)
        await repository.delete_service(uow.session, found)
        uow.audit(actor, AuditAction.service_removed, AuditTarget.service, service_id)
        return None

    async def _known_therapists(self, uow: UnitOfWork, ids: list[int]) -> None:
        unknown = set(ids) - await repository.therapist_ids_existing(uow.session, ids)
        if unknown:
            raise UnknownTherapist(
                details=f"No therapist has the id {min(unknown)}.", field="therapist_ids"
            )


async def _apply_to_account(uow: UnitOfWork, account: User, body: StaffUpdate) -> None:
    if body.role is not None:
        account.role = Role(body.role)
    if body.may_refund is not None:
        account.may_refund = body.may_refund
    if body.is_active is not None and body.is_active != account.is_active:
        account.is_active = body.is_active
        if not body.is_active:
            await account_repository.revoke_user_sessions(
                uow.session, account.id, reason=DEACTIVATED, now=uow.now
            )


async def _apply_to_profile(
    uow: UnitOfWork, user_id: int, body: StaffUpdate, changes: dict[str, Any]
) -> Therapist | None:
    """Give, take back or edit the member's calendar and profile; the profile as it is now."""
    profile = await repository.therapist(uow.session, user_id)
    if body.therapist is True or (body.is_active is True and profile is not None):
        profile = await repository.make_therapist(uow.session, user_id, uow.now)
    elif profile is not None and (body.therapist is False or body.is_active is False):
        profile.is_active = False
    profile_fields = {name: changes[name] for name in PROFILE_FIELDS if name in changes}
    if profile is None:
        # Clearing a profile one does not have changes nothing (a form sends every field).
        if any(profile_fields.values()):
            raise NotATherapist()
        return None
    if profile_fields:
        for name, value in profile_fields.items():
            setattr(profile, name, [] if name == "languages" and value is None else value)
        profile.updated_at = uow.now
    return profile


@dataclass(frozen=True)
class StaffInvitation:
    member: StaffMemberView
    new_account: bool


practice_service = PracticeService()
