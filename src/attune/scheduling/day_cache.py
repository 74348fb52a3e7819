"""A short-lived cache of the public day view (`GET /api/schedules?date=`), per process.

The day view is the one read that anyone may send as often as they like, and the one a
practice's booking page sends most; its answer changes only when slots or bookings do. So each
process keeps each day's answer, serialised, in a `ReadCache` (attune.platform.read_cache): for
`ATTUNE_AVAILABILITY_CACHE_SECONDS` (1 s by default; 0 turns the cache off), forgotten as soon
as a write transaction of this process commits. An answer is kept per day and per filter (a
therapist, a service), so the filtered views of one day never answer for each other. A change
made by another process shows here within that many seconds at the latest. Only what people
are shown is cached: taking a seat is always decided by the database (attune.scheduling.seats),
so a stale `remaining_slots` can never let a slot be overbooked.

An answer is kept under the request's query string as sent, so that a request asking exactly
what an answer was made for is answered by `CachedDayViewMiddleware` before routing: no
validation, dependency, unit of work or serialisation runs again for it. Only a request that
passed validation reaches the endpoint, so only valid queries are ever kept.
"""

from __future__ import annotations

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from attune.platform.clock import Clock
from attune.platform.read_cache import MAX_ENTRIES, ReadCache, send_answer

PATH = "/api/schedules"
# Far more than the days anyone looks at within a second (attune.platform.read_cache).
MAX_DAYS = MAX_ENTRIES

# The cache of the day view: answers kept under the query string as sent.
DayViewCache = ReadCache


class CachedDayViewMiddleware:
    """Answers `GET /api/schedules` from the cache when it holds the answer to this exact query
    string; anything else goes on to the routes (and a miss, through the endpoint, fills it).

    It sits inside the edge middleware, so a remembered answer still gets its request id,
    security headers, access log line and metrics, labelled by `route` as the endpoint's are.
    """

    def __init__(self, app: ASGIApp, cache: DayViewCache, clock: Clock, route: BaseRoute) -> None:
        self.app = app
        self.cache = cache
        self.clock = clock
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            body = self.cache.get(scope["query_string"], self.clock.now())
            if body is not None:
                scope["route"] = self.route
                await send_answer(send, body)
                return
        await self.app(scope, receive, send)
