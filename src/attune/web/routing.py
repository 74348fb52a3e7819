"""Page routes: every page route checks the CSRF token of a POST before anything runs, sends a
visitor who must sign in to the sign-in page, and renders a service's refusal as a page."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from attune.platform.errors import AttuneError
from attune.platform.validation_messages import describe_validation_errors
from attune.web import csrf
from attune.web.auth import SignInRequired, sign_in_url
from attune.web.forms import sentence
from attune.web.templates import render


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "status_code": status_code},
        status_code=status_code,
    )


def refusal_page(request: Request, error: AttuneError) -> Response:
    """The page that answers a service's refusal no page handler showed itself.

    The app's error handler calls this once the refusal has left the route, so the request's
    unit of work has ended as it does for the API: rolled back, or committed for a refusal that
    must count. Caught inside the route, the unit would commit whatever the refused call had
    written (a page that shows the refusal itself runs the call in `uow.attempt()`)."""
    return error_page(request, error.status_code, error.error, sentence(error))


def see_other(url: str) -> RedirectResponse:
    """After a form is posted: go to `url` with a GET (so a reload does not post it again)."""
    return RedirectResponse(url, status_code=303)


class PageRoute(APIRoute):
    """A page: the CSRF token of a POST is checked before anything runs, and a visitor who
    must sign in is sent to sign in. A service's refusal leaves the route, to `refusal_page`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                if request.method == "POST":
                    csrf.check(request, await request.form())
                return await handler(request)
            except SignInRequired as needed:
                return see_other(sign_in_url(needed.next_path))
            except RequestValidationError as error:
                details, _ = describe_validation_errors(error.errors())
                return error_page(request, 400, "Check the address", details)

        return page_handler


def page_router(**kwargs: Any) -> APIRouter:
    """A router of pages: not in the API's OpenAPI document, every route a PageRoute."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **kwargs)
