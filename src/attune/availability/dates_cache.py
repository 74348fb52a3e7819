"""A short-lived cache of the dates open to appointment requests
(`GET /api/meetings/appointments/available-dates`), per process.

Anyone may ask for the dates as often as they like; the answer changes only when the practice
sets its weekdays (a write, which clears the cache in this process at once) or at the
practice's midnight. So each process keeps the answer, serialised, in a `ReadCache`
(attune.platform.read_cache) under the practice-zone date it was made for: a new day is a new
key, never yesterday's list. A weekday set through another process shows here within
`ATTUNE_AVAILABILITY_CACHE_SECONDS` at the latest. The request takes no parameters, so
`CachedAvailableDatesMiddleware` answers a remembered day before routing.
"""

from __future__ import annotations

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from attune.platform.clock import Clock
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.read_cache import ReadCache, send_answer

PATH = "/api/meetings/appointments/available-dates"


class CachedAvailableDatesMiddleware:
    """Answers `GET /api/meetings/appointments/available-dates` from the cache when it holds
    today's answer; anything else goes on to the routes (and a miss, through the endpoint,
    fills it).

    It sits inside the edge middleware (after the trailing slash is taken off), so a remembered
    answer still gets its request id, security headers, access log line and metrics, labelled
    by `route` as the endpoint's are.
    """

    def __init__(
        self,
        app: ASGIApp,
        cache: ReadCache,
        clock: Clock,
        calendar: PracticeCalendar,
        route: BaseRoute,
    ) -> None:
        self.app = app
        self.cache = cache
        self.clock = clock
        self.calendar = calendar
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            now = self.clock.now()
            body = self.cache.get(self.calendar.today(now), now)
            if body is not None:
                scope["route"] = self.route
                await send_answer(send, body)
                return
        await self.app(scope, receive, send)
