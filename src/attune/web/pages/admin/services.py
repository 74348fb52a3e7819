"""`/admin/services` (the owner's): the practice's services, adding one, changing one and
removing it (retired instead when bookings, requests or slots name it); through the services
`/api/admin/services` calls."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import PathId
from attune.practice.schemas import ServiceCreate, ServiceUpdate
from attune.practice.service import practice_service
from attune.practice.views import OWN_TERMS, ServiceView
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, errors_of, parse, read_form
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router(prefix="/admin")

DELIVERIES = [("video", "By video"), ("in_person", "In person"), ("both", "Video or in person")]
PRICE_IS_WRONG = "Enter the price as an amount such as 85 or 85.50, or leave it empty."
# The form's names for the API's fields where they differ.
FORM_NAMES = {"price_cents": "price"}


async def _context(uow: Work, visitor: Staff) -> dict[str, Any]:
    therapists = await practice_service.staff(uow, visitor.actor)
    return {
        "deliveries": DELIVERIES,
        "therapists": [one for one in therapists if one.therapist],
    }


async def _list_page(
    request: Request, uow: Work, visitor: Staff, form: Form, status_code: int = 200
) -> Response:
    services = await practice_service.managed_services(uow, visitor.actor)
    context = {**await _context(uow, visitor), "services": services, "form": form}
    return render(request, "admin/services.html", context, status_code=status_code)


def _body_of(form: Form) -> dict[str, Any]:
    """The form as the API's body: empty terms follow the practice, the price in cents."""
    values = form.values
    body: dict[str, Any] = {
        "name": values.get("name", ""),
        "description": values.get("description") or None,
        "duration_minutes": values.get("duration_minutes") or None,
        "delivery": values.get("delivery") or None,
        "therapist_ids": [int(one) for one in values["therapist_ids"] if one.isdecimal()],
        "price_cents": _cents(values.get("price", "")),
    }
    for name in OWN_TERMS:
        body[name] = values.get(name) or None
    return body


def _cents(typed: str) -> int | None:
    if not typed:
        return None
    try:
        amount = Decimal(typed.replace(",", ""))
    except InvalidOperation as error:
        raise FormInvalid({"price": PRICE_IS_WRONG}) from error
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise FormInvalid({"price": PRICE_IS_WRONG})
    return int(amount * 100)


def _renamed(errors: dict[str, str]) -> dict[str, str]:
    return {FORM_NAMES.get(name, name): message for name, message in errors.items()}


@router.get("/services")
async def services(request: Request, visitor: Staff, uow: Work) -> Response:
    return await _list_page(
        request, uow, visitor, Form({"duration_minutes": "60", "therapist_ids": []})
    )


@router.post("/services")
async def add_service(request: Request, visitor: Staff, uow: Work) -> Response:
    form = await read_form(request, lists=("therapist_ids",))
    try:
        body = parse(ServiceCreate, {k: v for k, v in _body_of(form).items() if v is not None})
        async with uow.attempt():
            await practice_service.create_service(uow, visitor.actor, body)
    except FormInvalid as invalid:
        return await _list_page(request, uow, visitor, form.refused(_renamed(invalid.errors)), 400)
    except AttuneError as error:
        refused = form.refused(errors_of(error, fields=FORM_NAMES))
        return await _list_page(request, uow, visitor, refused, error.status_code)
    return see_other(with_notice("/admin/services", "service-added"))


def _service_form(service: ServiceView) -> Form:
    terms = service.terms
    return Form(
        {
            "name": service.name,
            "description": service.description or "",
            "duration_minutes": str(terms.duration_minutes),
            "price": f"{Decimal(terms.price_cents) / 100:.2f}" if service.own_price else "",
            "delivery": service.delivery,
            "therapist_ids": [str(one) for one in service.therapist_ids],
            "is_active": service.is_active,
            # Empty where the service follows the practice's setting.
            **{
                name: "" if value is None else str(value)
                for name, value in service.own_terms.items()
            },
        }
    )


async def _service_page(
    request: Request,
    uow: Work,
    visitor: Staff,
    service_id: int,
    form: Form | None = None,
    *,
    status_code: int = 200,
) -> Response:
    service = await practice_service.service(uow, visitor.actor, service_id)
    context = {
        **await _context(uow, visitor),
        "service": service,
        "form": form or _service_form(service),
    }
    return render(request, "admin/service.html", context, status_code=status_code)


@router.get("/services/{service_id}")
async def service(request: Request, service_id: PathId, visitor: Staff, uow: Work) -> Response:
    return await _service_page(request, uow, visitor, service_id)


@router.post("/services/{service_id}")
async def change_service(
    request: Request, service_id: PathId, visitor: Staff, uow: Work
) -> Response:
    form = await read_form(request, lists=("therapist_ids",))
    shown = Form({**form.values, "is_active": form.values.get("is_active") == "on"})
    try:
        body = parse(
            ServiceUpdate, {**_body_of(form), "is_active": form.values.get("is_active") == "on"}
        )
        async with uow.attempt():
            await practice_service.update_service(uow, visitor.actor, service_id, body)
    except FormInvalid as invalid:
        refused = shown.refused(_renamed(invalid.errors))
        return await _service_page(request, uow, visitor, service_id, refused, status_code=400)
    except AttuneError as error:
        refused = shown.refused(errors_of(error, fields=FORM_NAMES))
        return await _service_page(
            request, uow, visitor, service_id, refused, status_code=error.status_code
        )
    return see_other(with_notice(f"/admin/services/{service_id}", "service-saved"))


@router.post("/services/{service_id}/remove")
async def remove_service(
    request: Request, service_id: PathId, visitor: Staff, uow: Work
) -> Response:
    async with uow.attempt():
        retired = await practice_service.remove_service(uow, visitor.actor, service_id)
    notice = "service-deleted" if retired is None else "service-retired"
    return see_other(with_notice("/admin/services", notice))
