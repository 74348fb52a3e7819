"""The booking page as a visitor who is not signed in sees it, answered from memory.

Such a visitor's `/book` is the same for every one of them who asks the same address with the
same zone cookie: it names nobody, carries no CSRF token (it has no form that posts) and sets no
cookie. So the page is kept in the day view's cache (`scheduling.day_cache`: forgotten as soon
as a write of this process commits, at most `ATTUNE_AVAILABILITY_CACHE_SECONDS` old otherwise)
under the query string as sent, and `KeptPageMiddleware` answers the same request again before
routing, as the day view's own answers are. Only a request that passed validation renders the
page, so only valid queries are ever kept.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from attune.platform.clock import Clock
from attune.scheduling.day_cache import DayViewCache
from attune.web.csrf import SESSION_COOKIE
from attune.web.notices import PARAMETER as NOTICE_PARAMETER
from attune.web.zones import ZONE_COOKIE, ZONE_PARAMETER

PATH = "/book"
CONTENT_TYPE = b"text/html; charset=utf-8"
# Asking for these makes a page of its own: a notice shows at its top, and a zone picked in the
# address is remembered in a cookie that the answer sets.
_OWN_PAGE = (f"{NOTICE_PARAMETER}=".encode(), f"{ZONE_PARAMETER}=".encode())

KeptPage = tuple[str, bytes, str | None]


def kept_page_key(scope: Scope) -> KeptPage | None:
    """What the page of this request is kept under; None when it is not kept (a signed-in
    visitor's page names them and carries their CSRF token)."""
    query: bytes = scope["query_string"]
    if any(parameter in query for parameter in _OWN_PAGE):
        return None
    cookies = HTTPConnection(scope).cookies
    if cookies.get(SESSION_COOKIE):
        return None
    return PATH, query, cookies.get(ZONE_COOKIE)


class KeptPageMiddleware:
    """Answers `GET /book` from the cache when it keeps this request's page; anything else
    goes on to the routes (and a miss, through the page, fills it).

    It sits inside the edge middleware, so a kept page still gets its request id, security
    headers, access log line and metrics, labelled by `route` as the page's are.
    """

    def __init__(self, app: ASGIApp, cache: DayViewCache, clock: Clock, route: BaseRoute) -> None:
        self.app = app
        self.cache = cache
        self.clock = clock
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            key = kept_page_key(scope)
            body = None if key is None else self.cache.get(key, self.clock.now())
            if body is not None:
                scope["route"] = self.route
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", CONTENT_TYPE),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
