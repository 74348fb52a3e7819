"""CSRF tokens for every form: a signed double-submit token bound to the visitor's session.

The browser holds a random nonce in an HttpOnly cookie; a form carries an HMAC of that nonce
and the session cookie, under a key only the server has. A site that posts a form here cannot
read the nonce, and cannot forge the token without the key; signing in changes the session
cookie and so every token (OWASP's "signed double-submit cookie").
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from attune.platform.crypto import keyed_hash, same_secret
from attune.platform.errors import Forbidden
from attune.platform.settings import Environment, Settings

NONCE_COOKIE = "attune_csrf"
SESSION_COOKIE = "attune_session"
FIELD = "csrf_token"
_NEW_NONCE = "attune_new_csrf_nonce"


class CsrfRejected(Forbidden):
    error = "This form has expired"
    details = "Nothing was changed. Go back, reload the page and send the form again."


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _nonce(request: Request) -> str:
    nonce = request.cookies.get(NONCE_COOKIE)
    if nonce:
        return nonce
    new: str | None = getattr(request.state, _NEW_NONCE, None)
    if new is None:
        new = secrets.token_urlsafe(24)
        setattr(request.state, _NEW_NONCE, new)
    return new


def _token(settings: Settings, nonce: str, session_cookie: str) -> str:
    return keyed_hash(settings.derived_key("csrf"), f"{nonce}|{session_cookie}")


def csrf_token(request: Request, *, session_cookie: str | None = None) -> str:
    """The token for the forms of this response. `session_cookie` when the response itself
    sets a new session cookie (signing in)."""
    session = request.cookies.get(SESSION_COOKIE, "") if session_cookie is None else session_cookie
    return _token(_settings(request), _nonce(request), session)


def check(request: Request, form: FormData) -> None:
    """Refuse (403) a form whose token is missing or is not this visitor's."""
    nonce = request.cookies.get(NONCE_COOKIE)
    sent = form.get(FIELD)
    if not nonce or not isinstance(sent, str) or not sent:
        raise CsrfRejected()
    expected = _token(_settings(request), nonce, request.cookies.get(SESSION_COOKIE, ""))
    if not same_secret(sent, expected):
        raise CsrfRejected()


def set_cookies(request: Request, response: Response) -> None:
    """Give the browser the nonce that this response's tokens were made with, if it is new."""
    new: str | None = getattr(request.state, _NEW_NONCE, None)
    if new is not None:
        response.set_cookie(
            NONCE_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=_settings(request).env is Environment.production,
            path="/",
        )
