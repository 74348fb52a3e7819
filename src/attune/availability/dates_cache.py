"""A short-lived cache of the dates open to appointment requests
(`GET /api/meetings/appointments/available-dates`), per process.

Anyone may ask for the dates as often as they like; the answer changes only when the practice
sets its weekdays (a write, which clears the cache in this process at once) or at the
practice's midnight. So each process keeps the answer, serialised, in a `ReadCache`
(attune.platform.read_cache) under the practice-zone date it was made for: a new day is a new
key, never yesterday's list. A weekday set through another process shows here within
`ATTUNE_AVAILABILITY_CACHE_SECONDS` at the latest. The request takes no parameters, so
`platform.read_cache.KeptReadsMiddleware` answers a remembered day before
routing.
"""

from __future__ import annotations

from datetime import date, datetime

from starlette.types import Scope

from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.read_cache import KeyOf

PATH = "/api/meetings/appointments/available-dates"


def dates_key(calendar: PracticeCalendar) -> KeyOf:
    """The dates are kept under the practice's today: the next midnight starts a new key."""

    def key_of(_scope: Scope, now: datetime) -> date:
        return calendar.today(now)

    return key_of
