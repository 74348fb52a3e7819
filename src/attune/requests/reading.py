"""Reading appointment requests: lists, one request, its meeting, the statistics.

The owner and the front desk see every request, a therapist those on their own calendar, a
client only their own (another's is not found, as is another therapist's), and nobody
looks requests up by e-mail without signing in. Every look by the practice at a client's
request is written to the audit log, and committed, before the request is handed out.
"""

from __future__ import annotations

from collections.abc import Sequence

from attune.models import AppointmentRequest, AppointmentStatus
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.unit_of_work import UnitOfWork
from attune.requests import repository
from attune.requests.access import view_for, views_for, visible_request
from attune.requests.addresses import email_hash
from attune.requests.errors import AppointmentNotFound, AppointmentNotScheduled
from attune.requests.views import AppointmentStatsView, AppointmentView, appointment_view
from attune.video.join_links import JoinLinkKind, key_matches


class ReadingService:
    async def listed(
        self,
        uow: UnitOfWork,
        actor: Actor,
        status: AppointmentStatus | None = None,
        email: str | None = None,
        therapist_id: int | None = None,
    ) -> list[AppointmentView]:
        """Newest first: the practice's requests the actor sees (a therapist only those on
        their own calendar; the owner and the front desk every one), by the requester's
        address when `email` is given and by therapist when `therapist_id` is; a client's own
        otherwise, whatever `email` and `therapist_id` say."""
        session = uow.session
        if not (
            policy.allows(actor, policy.Permission.see_any_client)
            or policy.allows(actor, policy.Permission.see_own_clients)
        ):
            requests = await _owned_by(uow, actor, status)
            await _record_views(uow, actor, requests, via="list")
            return await views_for(uow, actor, requests)
        scope = policy.client_scope(actor)
        if scope is not policy.ANY_THERAPIST and therapist_id not in (None, scope):
            # Another therapist's calendar is not the actor's to look at: it has nothing.
            return []
        wanted = therapist_id if scope is policy.ANY_THERAPIST else scope
        hashed = email_hash(uow.settings, email) if email else None
        requests = await repository.listed(
            session, status=status, email_hash=hashed, therapist_id=wanted
        )
        await _record_views(uow, actor, requests, via="email search" if email else "list")
        return await views_for(uow, actor, requests)

    async def own(self, uow: UnitOfWork, actor: Actor) -> list[AppointmentView]:
        """The actor's own requests, newest first: asked for while signed in, or claimed."""
        return await views_for(uow, actor, await _owned_by(uow, actor))

    async def read(self, uow: UnitOfWork, actor: Actor, request_id: str) -> AppointmentView:
        request = await visible_request(uow, actor, request_id)
        await _record_views(uow, actor, [request], via="detail")
        return await view_for(uow, actor, request)

    async def meeting(self, uow: UnitOfWork, actor: Actor, request_id: str) -> AppointmentView:
        """The request with its meeting, which it must have (scheduled, with a room)."""
        request = await visible_request(uow, actor, request_id)
        view = _require_meeting(await view_for(uow, actor, request))
        await _record_views(uow, actor, [request], via="meeting")
        return view

    async def by_join_link(self, uow: UnitOfWork, request_id: str, key: str) -> AppointmentView:
        """The request as its requester sees it, for whoever holds the link mailed to them; a
        wrong key is told the request does not exist."""
        request = await repository.by_id(uow.session, request_id)
        settings = uow.settings
        if request is None or not key_matches(settings, JoinLinkKind.appointment, request_id, key):
            raise AppointmentNotFound()
        return _require_meeting(appointment_view(settings, request, None, uow.now))

    async def stats(self, uow: UnitOfWork, actor: Actor) -> AppointmentStatsView:
        """The counts of the requests the actor sees: a therapist's own calendar's, or the
        whole practice's; a client is refused (403)."""
        scope = policy.client_scope(actor)
        return AppointmentStatsView(await repository.status_counts(uow.session, scope))


async def _owned_by(
    uow: UnitOfWork, actor: Actor, status: AppointmentStatus | None = None
) -> Sequence[AppointmentRequest]:
    if actor.user_id is None:
        # Nobody signed in owns a request.
        return []
    return await repository.listed(uow.session, status=status, owner_id=actor.user_id)


async def _record_views(
    uow: UnitOfWork, actor: Actor, requests: Sequence[AppointmentRequest], *, via: str
) -> None:
    """The practice's look at clients' requests, committed before they are handed out."""
    await uow.audit_reads(
        actor,
        AuditAction.appointment_viewed,
        AuditTarget.appointment_request,
        [(request.id, request.user_id) for request in requests],
        via=via,
    )


def _require_meeting(view: AppointmentView) -> AppointmentView:
    if view.meeting is None:
        raise AppointmentNotScheduled(
            details=f"Its status is {view.status}; only a scheduled request has a meeting."
        )
    return view


reading_service = ReadingService()
