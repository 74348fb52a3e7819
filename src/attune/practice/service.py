"""The practice's own rules about its therapists and services."""

from __future__ import annotations

from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.policy import Permission
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository
from attune.practice.views import ServiceView, TherapistView, service_view, therapist_view


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
