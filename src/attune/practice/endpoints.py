"""The practice: its therapists' public profiles and its services (`/api/therapists`,
`/api/services`), and the owner's management of staff and services (`/api/admin/therapists`,
`/api/admin/services`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from attune.accounts.errors import AlreadyStaff, EmailTaken
from attune.platform.actor import ANONYMOUS
from attune.platform.auth import InvalidToken, StaffActor, require_staff
from attune.platform.dependencies import Work
from attune.platform.fields import PathId
from attune.platform.openapi import documented_errors
from attune.platform.policy import AdminRequired
from attune.practice import schemas
from attune.practice.errors import (
    EmptyChange,
    LastOwner,
    NotATherapist,
    ServiceNotFound,
    StaffMemberNotFound,
    UnknownTherapist,
)
from attune.practice.schemas import (
    INVITE_EXAMPLES,
    SERVICE_CREATE_EXAMPLES,
    SERVICE_UPDATE_EXAMPLES,
    STAFF_UPDATE_EXAMPLES,
    AdminServiceList,
    ServiceCreate,
    ServiceList,
    ServiceRemoved,
    ServiceSaved,
    ServiceUpdate,
    StaffInvite,
    StaffInvited,
    StaffList,
    StaffUpdate,
    StaffUpdated,
    TherapistList,
)
from attune.practice.service import practice_service

router = APIRouter(tags=["practice"])
admin_router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_staff)])
ADMIN_ERRORS = (InvalidToken, AdminRequired)
ItemId = PathId


@router.get(
    "/api/therapists",
    summary="The practice's therapists",
    description="Every active therapist's public profile, by name, with the services each "
    "offers. A therapist's `id` is the `therapist_id` that slots, bookings and requests name.",
)
async def list_therapists(uow: Work) -> TherapistList:
    therapists = await practice_service.therapists(uow, ANONYMOUS)
    names = {one.id: one.name for one in await practice_service.services(uow, ANONYMOUS)}
    return TherapistList(therapists=[schemas.therapist_profile(one, names) for one in therapists])


@router.get(
    "/api/services",
    summary="The practice's services",
    description="Every service on offer, with its terms as they apply: its own length, price "
    "(`price_cents` in minor units of `currency`, `amount` as a decimal), seats and notice "
    "windows, or the practice's where it sets none; and the active therapists who offer it.",
)
async def list_services(uow: Work) -> ServiceList:
    services = await practice_service.services(uow, ANONYMOUS)
    currency = uow.settings.currency
    return ServiceList(services=[schemas.service_read(one, currency) for one in services])


# ---- the owner's: staff ----


@admin_router.get(
    "/therapists",
    summary="List the practice's staff (owner)",
    description="Every member of the practice (owners, therapists, front desk), active or "
    "not, with their role, whether they have a calendar, their public profile and the "
    "services they offer. `invitation_pending`: invited, no password chosen yet.",
    responses=documented_errors(*ADMIN_ERRORS, body=False),
)
async def list_staff(actor: StaffActor, uow: Work) -> StaffList:
    members = await practice_service.staff(uow, actor)
    return StaffList(therapists=[schemas.staff_member(one) for one in members])


@admin_router.post(
    "/therapists",
    status_code=201,
    summary="Invite a therapist or front-desk person (owner)",
    description="Creates the account with the role and mails a link that sets its password "
    "(once, within 7 days). An address that already has a client's account becomes staff "
    "and keeps its password; the mail tells them to sign in. `therapist` (default: when the "
    "role is `therapist`) gives them a calendar and a profile offering every service. "
    "Inviting again before they have chosen a password sends a new link (the old one stops "
    "working); a member who has one answers 409.",
    responses=documented_errors(*ADMIN_ERRORS, AlreadyStaff, EmailTaken),
)
async def invite_staff(
    body: Annotated[StaffInvite, Body(openapi_examples=INVITE_EXAMPLES)],
    actor: StaffActor,
    uow: Work,
) -> StaffInvited:
    invited = await practice_service.invite(uow, actor, body)
    return StaffInvited(
        message="Invitation sent",
        therapist=schemas.staff_member(invited.member),
        new_account=invited.new_account,
    )


@admin_router.patch(
    "/therapists/{user_id:int}",
    summary="Change a member's role, profile or calendar, or deactivate them (owner)",
    description="Fields left out keep their value. `is_active: false` ends every login of "
    "the account and takes the profile off the public pages; their future sessions stay and "
    "are listed in `sessions_to_reassign`, as they are when `therapist: false` takes the "
    "calendar away. The practice keeps at least one active owner (409).",
    responses=documented_errors(
        *ADMIN_ERRORS, StaffMemberNotFound, EmptyChange, NotATherapist, LastOwner
    ),
)
async def update_staff(
    user_id: ItemId,
    *,
    body: Annotated[StaffUpdate, Body(openapi_examples=STAFF_UPDATE_EXAMPLES)],
    actor: StaffActor,
    uow: Work,
) -> StaffUpdated:
    change = await practice_service.update_member(uow, actor, user_id, body)
    return StaffUpdated(
        message="Therapist updated",
        therapist=schemas.staff_member(change.member),
        sessions_to_reassign=[
            schemas.session_to_reassign(one) for one in change.sessions_to_reassign
        ],
    )


# ---- the owner's: services ----


@admin_router.get(
    "/services",
    summary="List every service (owner)",
    description="Active and retired services, with their terms as they apply and whether "
    "the price is the service's own.",
    responses=documented_errors(*ADMIN_ERRORS, body=False),
)
async def list_all_services(actor: StaffActor, uow: Work) -> AdminServiceList:
    services = await practice_service.managed_services(uow, actor)
    currency = uow.settings.currency
    return AdminServiceList(services=[schemas.admin_service(one, currency) for one in services])


@admin_router.post(
    "/services",
    status_code=201,
    summary="Create a service (owner)",
    description="A term left out or null (price, seats, notice windows, buffer) follows the "
    "practice's setting. `therapist_ids` are the therapists who offer it.",
    responses=documented_errors(*ADMIN_ERRORS, UnknownTherapist),
)
async def create_service(
    body: Annotated[ServiceCreate, Body(openapi_examples=SERVICE_CREATE_EXAMPLES)],
    actor: StaffActor,
    uow: Work,
) -> ServiceSaved:
    made = await practice_service.create_service(uow, actor, body)
    return ServiceSaved(
        message="Service created", service=schemas.admin_service(made, uow.settings.currency)
    )


@admin_router.patch(
    "/services/{service_id:int}",
    summary="Change a service (owner)",
    description="Fields left out keep their value; a term sent as null follows the practice's "
    "setting again. Bookings already made keep their price.",
    responses=documented_errors(*ADMIN_ERRORS, ServiceNotFound, UnknownTherapist, EmptyChange),
)
async def update_service(
    service_id: ItemId,
    *,
    body: Annotated[ServiceUpdate, Body(openapi_examples=SERVICE_UPDATE_EXAMPLES)],
    actor: StaffActor,
    uow: Work,
) -> ServiceSaved:
    changed = await practice_service.update_service(uow, actor, service_id, body)
    return ServiceSaved(
        message="Service updated", service=schemas.admin_service(changed, uow.settings.currency)
    )


@admin_router.delete(
    "/services/{service_id:int}",
    summary="Remove a service (owner)",
    description="Deletes a service nothing names yet. One that bookings, requests or slots "
    "name is retired instead (`outcome: deactivated`): no longer offered, kept by them.",
    responses=documented_errors(*ADMIN_ERRORS, ServiceNotFound, body=False),
)
async def remove_service(service_id: ItemId, actor: StaffActor, uow: Work) -> ServiceRemoved:
    retired = await practice_service.remove_service(uow, actor, service_id)
    if retired is None:
        return ServiceRemoved(message="Service deleted", outcome="deleted")
    return ServiceRemoved(
        message="Service deactivated: bookings, requests or slots name it",
        outcome="deactivated",
        service=schemas.admin_service(retired, uow.settings.currency),
    )
