"""The web pages wired into the app: their routers, their static assets, their session reader,
and HTML for a page path that nothing answers or that a service refuses."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from attune.accounts.page_sessions import PageSessionAuthenticator
from attune.platform.database import Database
from attune.platform.errors import AttuneError
from attune.platform.middleware import is_page_path
from attune.platform.settings import Settings
from attune.web.pages import (
    account,
    appointment_request,
    booking,
    home,
    invitation,
    my_bookings,
    payment,
    practice,
    sign_in,
)
from attune.web.pages.admin import (
    audit_log,
    availability,
    calendar,
    clients,
    reports,
    requests,
    services,
    therapists,
    today,
)
from attune.web.pages.admin import bookings as admin_bookings
from attune.web.pages.admin import settings as admin_settings
from attune.web.routing import PageRoute, error_page, refusal_page

STATIC_DIRECTORY = Path(__file__).parent / "static"
PAGE_NOT_FOUND = "Check the address, or start from the home page."

# In the order their routes are matched.
PAGE_ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    practice.router,
    sign_in.router,
    account.router,
    invitation.router,
    booking.router,
    payment.router,
    my_bookings.router,
    appointment_request.router,
    today.router,
    calendar.router,
    admin_bookings.router,
    requests.router,
    clients.router,
    availability.router,
    therapists.router,
    services.router,
    reports.router,
    audit_log.router,
    admin_settings.router,
)


def install_web(app: FastAPI, settings: Settings, database: Database) -> None:
    app.state.page_authenticator = PageSessionAuthenticator(settings, database)
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def not_a_page(request: Request, error: Exception) -> Response:
        if (
            isinstance(error, StarletteHTTPException)
            and error.status_code == 404
            and is_page_path(request.url.path)
        ):
            return error_page(request, 404, "Page not found", PAGE_NOT_FOUND)
        response = api_handler(request, error)
        return await response if inspect.isawaitable(response) else response

    app.exception_handler(StarletteHTTPException)(not_a_page)
    api_refusal = app.exception_handlers[AttuneError]

    async def page_refusal(request: Request, error: Exception) -> Response:
        # A page's refusal is a page; a refusal of any other route keeps the API's JSON body.
        if isinstance(error, AttuneError) and isinstance(request.scope.get("route"), PageRoute):
            return refusal_page(request, error)
        response = api_refusal(request, error)
        return await response if inspect.isawaitable(response) else response

    app.exception_handler(AttuneError)(page_refusal)
