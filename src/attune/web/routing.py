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


# Where a page handler leaves the page that answers a service's refusal (see `refused`).
_REFUSED_PAGE = "attune_refused_page"


def refused(request: Request, error: AttuneError, page: Response) -> AttuneError:
    """`error` to raise again, answered with `page` (the form shown again with its message).

    Raising it lets the unit of work end as it does for the API's refusal: whatever the refused
    call wrote is rolled back, except for the refusals a service marks to commit (a wrong code
    still counts as a try). A handler that returned the page instead would commit what the
    refused call had written (`refusal_page`).
    """
    setattr(request.state, _REFUSED_PAGE, page)
    return error


def refusal_page(request: Request, error: AttuneError) -> Response:
    """The page that answers a service's refusal: the form the handler rendered for it (see
    `refused`), else a page that says what went wrong.

    The app's error handler calls this once the refusal has left the route, so the request's
    unit of work has ended as it does for the API: rolled back, or committed for a refusal that
    must count. A route that caught the error itself would end it committed, with whatever the
    refused call had written."""
    page: Response | None = getattr(request.state, _REFUSED_PAGE, None)
    if page is not None:
        return page
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
