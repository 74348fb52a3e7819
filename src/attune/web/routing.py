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


def see_other(url: str) -> RedirectResponse:
    """After a form is posted: go to `url` with a GET (so a reload does not post it again)."""
    return RedirectResponse(url, status_code=303)


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                if request.method == "POST":
                    csrf.check(request, await request.form())
                return await handler(request)
            except SignInRequired as needed:
                return see_other(sign_in_url(needed.next_path))
            except AttuneError as error:
                return error_page(request, error.status_code, error.error, sentence(error))
            except RequestValidationError as error:
                details, _ = describe_validation_errors(error.errors())
                return error_page(request, 400, "Check the address", details)

        return page_handler


def page_router(**kwargs: Any) -> APIRouter:
    """A router of pages: not in the API's OpenAPI document, every route a PageRoute."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **kwargs)
