"""`/admin/audit-log`: who did what to whose records, filtered and paged.

The entries are `admin_service.audit_log`'s, as `/api/admin/audit` gives them. "From" and "To"
are days in the practice's zone, as the API's dates are; "Who" is an account's number or its
e-mail address.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response

from attune.admin.schemas import AuditQuery
from attune.admin.service import admin_service, day_range
from attune.platform.audit import AuditAction
from attune.platform.dependencies import Work
from attune.platform.fields import CalendarDate
from attune.platform.practice_calendar import PracticeCalendar
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, parse
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")

ENTRIES_PER_PAGE = 25
Filter = Annotated[str | None, Query(max_length=254)]
ACTIONS = [("", "Any action"), *((action.value, action.value) for action in AuditAction)]


class _Days(BaseModel):
    """The days typed in "From" and "To" (YYYY-MM-DD, the practice's zone), both included."""

    from_date: CalendarDate | None = Field(default=None, alias="from")
    to_date: CalendarDate | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> _Days:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise PydanticCustomError("date_range", "`From` must not be after `To`")
        return self


@router.get("/audit-log")
async def audit_log(
    request: Request,
    *,
    visitor: Staff,
    uow: Work,
    action: Filter = None,
    who: Filter = None,
    from_day: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    to_day: Annotated[str | None, Query(alias="to", max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    values = {"action": action, "who": who, "from": from_day, "to": to_day}
    form = Form({name: value or "" for name, value in values.items()})
    context = {"form": form, "actions": ACTIONS, "entries": None, "page": page}
    try:
        query, actor_email = _query(uow, form, page)
    except FormInvalid as invalid:
        context["form"] = form.refused(invalid.errors)
        return render(request, "admin/audit_log.html", context, status_code=400)
    found = await admin_service.audit_log(uow, visitor.actor, query, actor_email=actor_email)
    kept = {name: value for name, value in form.values.items() if value}
    context.update(
        entries=found,
        has_next=found.offset + len(found.items) < found.total,
        pager_params=urlencode(kept) + "&" if kept else "",
    )
    return render(request, "admin/audit_log.html", context)


def _query(uow: Work, form: Form, page: int) -> tuple[AuditQuery, str | None]:
    """The API's query for the filters, and the e-mail address "Who" gives, if it is one."""
    who = form.values["who"]
    actor_id, actor_email = (who, None) if who.isdigit() else (None, who or None)
    if actor_email is not None and "@" not in actor_email:
        raise FormInvalid({"who": "Give an e-mail address or an account number"})
    days = parse(
        _Days,
        {"from": form.values["from"] or None, "to": form.values["to"] or None},
    )
    calendar = PracticeCalendar.of(uow.settings)
    period = day_range(days.from_date, days.to_date, calendar)
    try:
        query = parse(
            AuditQuery,
            {
                "action": form.values["action"] or None,
                "actor_id": actor_id,
                "since": period.starts.isoformat() if period.starts else None,
                "until": period.ends.isoformat() if period.ends else None,
                "limit": ENTRIES_PER_PAGE,
                "offset": (page - 1) * ENTRIES_PER_PAGE,
            },
        )
    except FormInvalid as invalid:
        renamed = {"actor_id": "who", "since": "from", "until": "to"}
        raise FormInvalid(
            {renamed.get(name, name): message for name, message in invalid.errors.items()}
        ) from invalid
    return query, actor_email
