"""Who is looking at a page: the cookie session's actor (`accounts.page_sessions`).

`Visitor` is anyone (None when signed out), `SignedIn` sends a visitor to the sign-in page and
back, `Staff` also refuses a client (the back office is the practice's alone).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import Response

from attune.accounts.page_sessions import PageSession, PageSessionAuthenticator
from attune.platform import policy
from attune.platform.actor import ANONYMOUS, Actor
from attune.platform.dependencies import Work
from attune.platform.errors import Forbidden
from attune.platform.settings import Environment, Settings
from attune.web.csrf import SESSION_COOKIE

PAGE_SESSION_STATE = "page_session"


class SignInRequired(Exception):
    """The page needs a signed-in person: PageRoute sends the visitor to /login and back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class StaffOnly(Forbidden):
    error = "This page is for the practice"
    details = "You are signed in as a client. Your bookings are under My bookings."


async def page_session(request: Request, uow: Work) -> PageSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    found = None
    if cookie:
        authenticator: PageSessionAuthenticator = request.app.state.page_authenticator
        found = await authenticator.session(uow, cookie)
    setattr(request.state, PAGE_SESSION_STATE, found)
    return found


Visitor = Annotated[PageSession | None, Depends(page_session)]


def actor_of(visitor: PageSession | None) -> Actor:
    return ANONYMOUS if visitor is None else visitor.actor


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def signed_in(request: Request, visitor: Visitor) -> PageSession:
    if visitor is None:
        raise SignInRequired(_here(request))
    return visitor


SignedIn = Annotated[PageSession, Depends(signed_in)]


async def staff(visitor: SignedIn) -> PageSession:
    if not policy.is_staff(visitor.actor):
        raise StaffOnly()
    return visitor


Staff = Annotated[PageSession, Depends(staff)]


def sign_in_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def safe_next(next_path: str | None, default: str = "/") -> str:
    """A path on this site to go on to after signing in; anything else (another host,
    `//evil.example`, a scheme) goes to `default`."""
    if not next_path or not next_path.startswith("/") or next_path.startswith(("//", "/\\")):
        return default
    return next_path


def set_session_cookie(response: Response, settings: Settings, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=settings.env is Environment.production,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
