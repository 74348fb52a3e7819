"""The time zone a page shows times in: the viewer's, named, with the practice's beside it.

Without JavaScript a server cannot know the viewer's zone: a page shows the practice's until
the viewer picks one (`?tz=`, remembered in a cookie) or the page's script reads the browser's
(`static/attune.js` sets the same cookie).
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from starlette.requests import Request
from starlette.responses import Response

from attune.platform.settings import Settings

ZONE_COOKIE = "attune_tz"
ZONE_PARAMETER = "tz"
# The cookie lasts a year: a person's zone changes when they travel, and the picker is on the
# page that shows times.
ZONE_COOKIE_SECONDS = 365 * 24 * 3600


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or len(name) > 64 or name not in _known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


_KNOWN: frozenset[str] | None = None


def _known_zones() -> frozenset[str]:
    global _KNOWN  # noqa: PLW0603  (computed once: it reads the zone database from disk)
    if _KNOWN is None:
        _KNOWN = frozenset(available_timezones())
    return _KNOWN


@functools.cache
def zone_choices() -> tuple[tuple[str, str], ...]:
    """The picker's choices, UTC and then every zone a viewer may pick, each with its name as
    people read it; made once, since every page of times shows the picker."""
    names = sorted(name for name in _known_zones() if "/" in name and not name.startswith("Etc/"))
    return tuple((name, name.replace("_", " ")) for name in ("UTC", *names))


def viewer_zone(request: Request, settings: Settings) -> ZoneInfo:
    """`?tz=` when it names a zone, else the remembered one, else the practice's."""
    return (
        _zone(request.query_params.get(ZONE_PARAMETER))
        or _zone(request.cookies.get(ZONE_COOKIE))
        or settings.zone
    )


def remember_zone(request: Request, response: Response) -> None:
    """Keep a zone picked with `?tz=` for the next pages."""
    picked = request.query_params.get(ZONE_PARAMETER)
    if _zone(picked) is not None and picked != request.cookies.get(ZONE_COOKIE):
        response.set_cookie(
            ZONE_COOKIE, str(picked), max_age=ZONE_COOKIE_SECONDS, samesite="lax", path="/"
        )
