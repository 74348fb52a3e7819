"""Rendering a page: the Jinja2 environment (autoescaped), what every page knows, and filters
that show times in the viewer's zone and money in the practice's currency."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from attune import __version__
from attune.accounts.page_sessions import PageSession
from attune.platform import policy
from attune.platform.settings import Settings
from attune.web import csrf
from attune.web.auth import PAGE_SESSION_STATE
from attune.web.notices import notice_of
from attune.web.zones import remember_zone, viewer_zone

environment = Environment(
    loader=PackageLoader("attune.web", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    enable_async=False,
)


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def time_of_day(value: datetime, zone: ZoneInfo) -> str:
    """14:30 in `zone`."""
    return _local(value, zone).strftime("%H:%M")


def day(value: date | datetime, zone: ZoneInfo | None = None) -> str:
    """Monday 7 December 2026."""
    if isinstance(value, datetime):
        value = _local(value, zone) if zone else value
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_day(value: date | datetime, zone: ZoneInfo | None = None) -> str:
    """Mon 7 Dec."""
    if isinstance(value, datetime):
        value = _local(value, zone) if zone else value
    return f"{value:%a} {value.day} {value:%b}"


def moment(value: datetime, zone: ZoneInfo) -> str:
    """Mon 7 Dec 2026, 14:30."""
    local = _local(value, zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def money(cents: int | Decimal | None, currency: str) -> str:
    """`$100.00`, `€85.50`, or `100.00 CHF` for a currency without a sign here."""
    if cents is None:
        return ""
    amount = Decimal(cents) / 100
    signs = {"usd": "$", "eur": "€", "gbp": "£", "aud": "A$", "cad": "C$", "nzd": "NZ$"}
    sign = signs.get(currency.lower())
    return f"{sign}{amount:,.2f}" if sign else f"{amount:,.2f} {currency.upper()}"


def zone_label(zone: ZoneInfo) -> str:
    return str(zone.key).replace("_", " ")


environment.filters.update(
    time_of_day=time_of_day,
    day=day,
    short_day=short_day,
    moment=moment,
    money=money,
    zone_label=zone_label,
)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def page_context(request: Request) -> dict[str, Any]:
    """What every template may use: the practice, who is signed in, the CSRF token, zones."""
    settings = _settings(request)
    visitor: PageSession | None = getattr(request.state, PAGE_SESSION_STATE, None)
    zone = viewer_zone(request, settings)
    return {
        "request": request,
        "path": request.url.path,
        "practice_name": settings.practice_name,
        "practice_zone": settings.zone,
        "zone": zone,
        "currency": settings.currency,
        "visitor": visitor,
        "is_staff": visitor is not None and policy.is_staff(visitor.actor),
        # What the back office shows this member of the practice (None for anyone else).
        "can": (
            policy.back_office(visitor.actor)
            if visitor is not None and policy.is_staff(visitor.actor)
            else None
        ),
        "csrf_token": csrf.csrf_token(request),
        "version": __version__,
        # A sentence to show at the top of the page ("Your booking is cancelled."), and the
        # form a page shows, when it has one.
        "notice": notice_of(request),
        "form": None,
    }


def render_html(request: Request, template: str, context: Mapping[str, Any] | None = None) -> str:
    """The page's HTML, without a response: for a page that keeps what it rendered."""
    values = page_context(request)
    values.update(context or {})
    if values["notice"] is None:
        # A page with no notice of its own still shows the one its address names.
        values["notice"] = notice_of(request)
    return environment.get_template(template).render(values)


def page_response(
    request: Request,
    html: str | bytes,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """`html` as this request's answer, with the cookies its visitor needs (CSRF, zone)."""
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    csrf.set_cookies(request, response)
    remember_zone(request, response)
    return response


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    html = render_html(request, template, context)
    return page_response(request, html, status_code=status_code, headers=headers)
