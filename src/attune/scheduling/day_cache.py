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

An answer is kept under the request's query string as sent (`day_view_key`), so that a request
asking exactly what an answer was made for is answered by
`platform.read_cache.KeptReadsMiddleware` before routing: no validation, dependency, unit of
work or serialisation runs again for it. Only a request that passed validation reaches the
endpoint, so only valid queries are ever kept.
"""

from __future__ import annotations

from datetime import datetime

from starlette.types import Scope

PATH = "/api/schedules"


def day_view_key(scope: Scope, _now: datetime) -> bytes:
    """The day view's answer is kept under the query string as sent."""
    query: bytes = scope["query_string"]
    return query
