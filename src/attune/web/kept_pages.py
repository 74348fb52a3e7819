"""The booking page as a visitor who is not signed in sees it, answered from memory.

Such a visitor's `/book` is the same for every one of them who asks the same address with the
same zone cookie: it names nobody, carries no CSRF token (it has no form that posts) and sets no
cookie. So the page is kept in the day view's cache (`scheduling.day_cache`: forgotten as soon
as a write of this process commits, at most `ATTUNE_AVAILABILITY_CACHE_SECONDS` old otherwise)
under the query string as sent, and `platform.read_cache.KeptReadsMiddleware` answers the same
request again before routing, as the day view's own answers are. Only a request that passed
validation renders the page, so only valid queries are ever kept.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import HTTPConnection
from starlette.types import Scope

from attune.web.csrf import SESSION_COOKIE
from attune.web.notices import PARAMETER as NOTICE_PARAMETER
from attune.web.zones import ZONE_COOKIE, ZONE_PARAMETER

PATH = "/book"
CONTENT_TYPE = b"text/html; charset=utf-8"
# Asking for these makes a page of its own: a notice shows at its top, and a zone picked in the
# address is remembered in a cookie that the answer sets.
_OWN_PAGE = (f"{NOTICE_PARAMETER}=".encode(), f"{ZONE_PARAMETER}=".encode())

KeptPage = tuple[str, bytes, str | None]


def kept_page_key(scope: Scope, _now: datetime) -> KeptPage | None:
    """What the page of this request is kept under; None when it is not kept (a signed-in
    visitor's page names them and carries their CSRF token)."""
    query: bytes = scope["query_string"]
    if any(parameter in query for parameter in _OWN_PAGE):
        return None
    cookies = HTTPConnection(scope).cookies
    if cookies.get(SESSION_COOKIE):
        return None
    return PATH, query, cookies.get(ZONE_COOKIE)
