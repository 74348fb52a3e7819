"""A short-lived cache of a public read's encoded answers, per process.

A read that anyone may send as often as they like, and whose answer changes only when a write
does, is kept in memory for `ATTUNE_AVAILABILITY_CACHE_SECONDS` (1 s by default; 0 turns the
cache off), and forgotten as soon as a write transaction of this process commits (the app
clears it from `Database.on_write_commit`). A change made by another process shows here within
that many seconds at the latest. The public day view (attune.scheduling.day_cache), the
dates open to appointment requests (attune.availability.dates_cache) and the booking page of a
visitor who is not signed in (attune.web.kept_pages) are kept so; each key says which answer it
is (a query string, a practice-zone date, a page's address and zone).

`KeptReadsMiddleware` sends a kept answer before routing: a request that asks exactly what an
answer was made for costs no validation, dependency, unit of work or serialisation. The
endpoint stores its answer under the same key (`KeptRead.key_of`), and only a request that
passed its validation reaches it, so only valid requests are ever kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from attune.platform.clock import Clock

JSON = b"application/json"

# Far more than the answers anyone asks for within a second; a bound, so that a client walking
# through every date cannot grow the cache without end.
MAX_ENTRIES = 1024


class ReadCache:
    def __init__(self, seconds: float) -> None:
        self._lifetime = timedelta(seconds=seconds)
        self._answers: dict[Hashable, tuple[datetime, bytes]] = {}
        self._reading: dict[Hashable, asyncio.Task[bytes]] = {}
        # Raised by every clear, so that a read begun before a write does not store its answer.
        self._generation = 0

    async def answer(
        self, key: Hashable, now: datetime, read: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The answer under `key` from memory, or from `read`, one read at a time for each key;
        with the cache off, every request reads.

        When an answer expires, every request for that key arriving meanwhile would read the
        database at once; they share the first one's read instead. The read runs as a task of
        its own, so a client that goes away does not take the others' answer with it.
        """
        if not self.enabled:
            return await read()
        body = self.get(key, now)
        if body is not None:
            return body
        reading = self._reading.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self._read(key, now, read, self._generation))
            # Retrieved here too, so that an error nobody waits for any more is not reported
            # as never retrieved.
            reading.add_done_callback(lambda task: task.cancelled() or task.exception())
            self._reading[key] = reading
        return await asyncio.shield(reading)

    async def _read(
        self, key: Hashable, now: datetime, read: Callable[[], Awaitable[bytes]], generation: int
    ) -> bytes:
        try:
            body = await read()
        finally:
            if self._reading.get(key) is asyncio.current_task():
                del self._reading[key]
        if generation == self._generation:
            self.put(key, body, now)
        return body

    @property
    def enabled(self) -> bool:
        return self._lifetime > timedelta(0)

    def get(self, key: Hashable, now: datetime) -> bytes | None:
        entry = self._answers.get(key)
        if entry is None:
            return None
        expires_at, body = entry
        if now >= expires_at or now < expires_at - self._lifetime:
            # Expired, or the clock went back: either way, not to be trusted.
            del self._answers[key]
            return None
        return body

    def put(self, key: Hashable, body: bytes, now: datetime) -> None:
        if not self.enabled:
            return
        if len(self._answers) >= MAX_ENTRIES:
            self._answers.clear()
        self._answers[key] = (now + self._lifetime, body)

    def clear(self) -> None:
        """Forget every answer, and every read under way: requests from now on read afresh."""
        self._answers.clear()
        self._reading.clear()
        self._generation += 1


# What a request's answer is kept under, at `now`; None when this request's answer is not kept.
KeyOf = Callable[[Scope, datetime], Hashable | None]


@dataclass(frozen=True)
class KeptRead:
    """A public GET whose answers `cache` keeps, each under `key_of` the request; `route` labels
    a kept answer in the metrics and the access log, as the endpoint's own answers are."""

    path: str
    cache: ReadCache
    key_of: KeyOf
    route: BaseRoute
    content_type: bytes = JSON


class KeptReadsMiddleware:
    """Answers a GET of a kept read from its cache when it holds this request's answer;
    anything else goes on to the routes (and a miss, through the endpoint, fills it).

    It sits inside the edge middleware, so a kept answer still gets its request id, security
    headers, access log line and metrics."""

    def __init__(self, app: ASGIApp, clock: Clock, reads: Sequence[KeptRead]) -> None:
        self.app = app
        self.clock = clock
        self.reads = {read.path: read for read in reads}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        read = self.reads.get(scope["path"]) if scope["type"] == "http" else None
        if read is not None and scope["method"] == "GET":
            now = self.clock.now()
            key = read.key_of(scope, now)
            body = None if key is None else read.cache.get(key, now)
            if body is not None:
                scope["route"] = read.route
                await _send_answer(send, body, read.content_type)
                return
        await self.app(scope, receive, send)


async def _send_answer(send: Send, body: bytes, content_type: bytes) -> None:
    """Send a kept answer as the endpoint would have: 200, its type, this body."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", content_type),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
