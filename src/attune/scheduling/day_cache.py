"""A short-lived cache of the public day view (`GET /api/schedules?date=`), per process.

The day view is the one read that anyone may send as often as they like, and the one a
practice's booking page sends most; its answer changes only when slots or bookings do. So each
process keeps each day's answer, serialised, for `ATTUNE_AVAILABILITY_CACHE_SECONDS` (1 s by
default; 0 turns the cache off), and forgets every day as soon as a write transaction of this
process commits. An answer is kept per day and per filter (a therapist, a service), so the
filtered views of one day never answer for each other. A change made by another process shows
here within that many seconds at the latest. Only what people are shown is cached: taking a
seat is always decided by the database (attune.scheduling.seats), so a stale `remaining_slots`
can never let a slot be overbooked.

An answer is kept under the request's query string as sent, so that a request asking exactly
what an answer was made for is answered by `CachedDayViewMiddleware` before routing: no
validation, dependency, unit of work or serialisation runs again for it. Only a request that
passed validation reaches the endpoint, so only valid queries are ever kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from attune.platform.clock import Clock

PATH = "/api/schedules"
# Far more than the days anyone looks at within a second; a bound, so that a client walking
# through every date cannot grow the cache without end.
MAX_DAYS = 1024


class DayViewCache:
    def __init__(self, seconds: float) -> None:
        self._lifetime = timedelta(seconds=seconds)
        self._days: dict[Hashable, tuple[datetime, bytes]] = {}
        self._reading: dict[Hashable, asyncio.Task[bytes]] = {}
        # Raised by every clear, so that a read begun before a write does not store its answer.
        self._generation = 0

    async def answer(
        self, day: Hashable, now: datetime, read: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The day's answer from memory, or from `read`, one read at a time for each day;
        with the cache off, every request reads.

        When an answer expires, every request for that day arriving meanwhile would read the
        database at once; they share the first one's read instead. The read runs as a task of
        its own, so a client that goes away does not take the others' answer with it.
        """
        if not self.enabled:
            return await read()
        body = self.get(day, now)
        if body is not None:
            return body
        reading = self._reading.get(day)
        if reading is None:
            reading = asyncio.ensure_future(self._read(day, now, read, self._generation))
            # Retrieved here too, so that an error nobody waits for any more is not reported
            # as never retrieved.
            reading.add_done_callback(lambda task: task.cancelled() or task.exception())
            self._reading[day] = reading
        return await asyncio.shield(reading)

    async def _read(
        self, day: Hashable, now: datetime, read: Callable[[], Awaitable[bytes]], generation: int
    ) -> bytes:
        try:
            body = await read()
        finally:
            if self._reading.get(day) is asyncio.current_task():
                del self._reading[day]
        if generation == self._generation:
            self.put(day, body, now)
        return body

    @property
    def enabled(self) -> bool:
        return self._lifetime > timedelta(0)

    def get(self, day: Hashable, now: datetime) -> bytes | None:
        entry = self._days.get(day)
        if entry is None:
            return None
        expires_at, body = entry
        if now >= expires_at or now < expires_at - self._lifetime:
            # Expired, or the clock went back: either way, not to be trusted.
            del self._days[day]
            return None
        return body

    def put(self, day: Hashable, body: bytes, now: datetime) -> None:
        if not self.enabled:
            return
        if len(self._days) >= MAX_DAYS:
            self._days.clear()
        self._days[day] = (now + self._lifetime, body)

    def clear(self) -> None:
        """Forget every answer, and every read under way: requests from now on read afresh."""
        self._days.clear()
        self._reading.clear()
        self._generation += 1


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
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
