"""`/admin/therapists` (the owner's): the practice's members, inviting one by e-mail, and one
member's role, refunds, calendar and profile, or their deactivation with the sessions left to
reassign; through the services `/api/admin/therapists` calls."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import PathId
from attune.practice.schemas import StaffInvite, StaffUpdate
from attune.practice.service import practice_service
from attune.practice.views import StaffMemberView
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, errors_of, parse, read_form
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router(prefix="/admin")

ROLES = [("therapist", "Therapist"), ("front_desk", "Front desk"), ("owner", "Owner")]
CHECKED = "on"


async def _list_page(
    request: Request, uow: Work, visitor: Staff, form: Form, status_code: int = 200
) -> Response:
    members = await practice_service.staff(uow, visitor.actor)
    return render(
        request,
        "admin/therapists.html",
        {"members": members, "form": form, "roles": ROLES},
        status_code=status_code,
    )


@router.get("/therapists")
async def therapists(request: Request, visitor: Staff, uow: Work) -> Response:
    return await _list_page(request, uow, visitor, Form({"role": "therapist"}))


@router.post("/therapists")
async def invite(request: Request, visitor: Staff, uow: Work) -> Response:
    form = await read_form(request)
    values: dict[str, Any] = {**form.values, "therapist": form.values.get("therapist") == CHECKED}
    try:
        body = parse(StaffInvite, values)
        async with uow.attempt():
            await practice_service.invite(uow, visitor.actor, body)
    except FormInvalid as invalid:
        return await _list_page(request, uow, visitor, form.refused(invalid.errors), 400)
    except AttuneError as error:
        refused = form.refused(errors_of(error))
        return await _list_page(request, uow, visitor, refused, error.status_code)
    return see_other(with_notice("/admin/therapists", "staff-invited"))


def _member_form(member: StaffMemberView) -> Form:
    return Form(
        {
            "role": member.role,
            "may_refund": member.may_refund,
            "therapist": member.therapist,
            "is_active": member.is_active,
            "title": member.title or "",
            "bio": member.bio or "",
            "languages": ", ".join(member.languages),
            "photo_url": member.photo_url or "",
        }
    )


async def _member_page(
    request: Request,
    uow: Work,
    visitor: Staff,
    user_id: int,
    form: Form | None = None,
    *,
    sessions: list[Any] | None = None,
    status_code: int = 200,
) -> Response:
    member = await practice_service.staff_member(uow, visitor.actor, user_id)
    return render(
        request,
        "admin/therapist.html",
        {
            "member": member,
            "form": form or _member_form(member),
            "roles": ROLES,
            "sessions": sessions,
        },
        status_code=status_code,
    )


@router.get("/therapists/{user_id}")
async def member(request: Request, user_id: PathId, visitor: Staff, uow: Work) -> Response:
    return await _member_page(request, uow, visitor, user_id)


def _update_of(values: dict[str, Any]) -> dict[str, Any]:
    """The form as the API's body: a box not ticked is `false`, an empty field clears it."""
    languages = [one.strip() for one in str(values.get("languages", "")).split(",")]
    return {
        "role": values.get("role") or None,
        "may_refund": values.get("may_refund") == CHECKED,
        "therapist": values.get("therapist") == CHECKED,
        "is_active": values.get("is_active") == CHECKED,
        "title": values.get("title") or None,
        "bio": values.get("bio") or None,
        "languages": [one for one in languages if one],
        "photo_url": values.get("photo_url") or None,
    }


@router.post("/therapists/{user_id}")
async def update_member(request: Request, user_id: PathId, visitor: Staff, uow: Work) -> Response:
    form = await read_form(request)
    shown = Form({**form.values, **{name: form.values.get(name) == CHECKED for name in _BOXES}})
    try:
        body = parse(StaffUpdate, _update_of(form.values))
        async with uow.attempt():
            change = await practice_service.update_member(uow, visitor.actor, user_id, body)
    except FormInvalid as invalid:
        refused = shown.refused(invalid.errors)
        return await _member_page(request, uow, visitor, user_id, refused, status_code=400)
    except AttuneError as error:
        refused = shown.refused(errors_of(error))
        return await _member_page(
            request, uow, visitor, user_id, refused, status_code=error.status_code
        )
    if change.sessions_to_reassign:
        # Said on the page itself: the owner has sessions to move or cancel.
        return await _member_page(
            request, uow, visitor, user_id, sessions=change.sessions_to_reassign
        )
    return see_other(with_notice(f"/admin/therapists/{user_id}", "staff-saved"))


_BOXES = ("may_refund", "therapist", "is_active")
