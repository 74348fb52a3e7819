"""Rate limits (docs/decisions.md, "Platform"): which limit a request falls under, and counting it.

Counters live in memory for one process, or in Redis (`ATTUNE_REDIS_URL`) so that every
process behind a load balancer shares one budget per client. A moving window is used: a client
never gets more than the limit in any 60 seconds, and a refused request does not count.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from attune.platform.settings import Settings

if TYPE_CHECKING:
    import coredis

logger = logging.getLogger("attune.ratelimit")

GENERAL = RateLimitItemPerMinute(100, namespace="general")
# Login, registration, OTP and password reset: guessing targets, so a tight budget.
STRICT = RateLimitItemPerMinute(5, namespace="strict")
ADMIN = RateLimitItemPerMinute(200, namespace="admin")

# Paths as routed (no trailing slash). Add a public endpoint that invites abuse here.
STRICT_PATHS = frozenset(
    {
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/verify-otp",
        "/api/auth/resend-otp",
        "/api/auth/forgot-password",
        "/api/auth/verify-password-reset-otp",
        "/api/auth/reset-password",
        "/api/auth/accept-invitation",
        "/api/meetings/appointments/create",
    }
)
# The web pages' forms that guess at an account or a password or send mail, limited like their
# API twins when posted (showing the form is not limited more than any page).
STRICT_PAGE_FORMS = frozenset(
    {
        "/login",
        "/register",
        "/verify",
        "/verify/resend",
        "/forgot-password",
        "/reset-password",
        "/invitation",
        "/profile/password",
        "/request",
    }
)
# Seed 000's admin paths and seed 003's.
ADMIN_PREFIXES = ("/api/admin/", "/api/meetings/admin/")
# Load balancers and scrapers poll these; limiting them would take a healthy node out.
EXEMPT_PATHS = frozenset({"/health", "/health/detailed", "/metrics"})
# The pages' own style sheet, script and icons: a page and its assets count as one request.
EXEMPT_PREFIXES = ("/static/",)

DEFAULT_KEY_PREFIX = "attune-ratelimit"
# The user a bearer token names if it is genuine and unexpired at the given time, else None.
TokenUserId = Callable[[str, datetime], int | None]
# A Redis that does not answer in this time is treated as down, not waited for.
STORAGE_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class RateLimitState:
    """The outcome of counting one request against its limit."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds at which the oldest counted request leaves the window

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))


class RateLimiter:
    """Counts requests per client in the configured storage; fails open if the storage fails.

    Admin requests count per user, named by `token_user_id` from the request's bearer token.
    """

    def __init__(
        self,
        settings: Settings,
        token_user_id: TokenUserId,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        storage_timeout: float = STORAGE_TIMEOUT_SECONDS,
    ) -> None:
        self.settings = settings
        self._token_user_id = token_user_id
        self._storage_timeout = storage_timeout
        self.enabled = settings.rate_limits
        self._redis_pool: coredis.ConnectionPool | None = None
        self._storage: Storage = MemoryStorage()
        if settings.redis_url:
            # Imported only when used: coredis brings numpy and more, some 60 MB a process.
            import coredis  # noqa: PLC0415

            url = settings.redis_url.removeprefix("async+")
            # Our own pool, so that close() can release its connections.
            self._redis_pool = coredis.ConnectionPool.from_url(
                url,
                connect_timeout=storage_timeout,
                stream_timeout=storage_timeout,
            )
            self._storage = RedisStorage(
                "async+" + url,
                wrap_exceptions=True,
                key_prefix=key_prefix,
                connection_pool=self._redis_pool,  # type: ignore[arg-type]
            )
        self._strategy = MovingWindowRateLimiter(self._storage)
        self._storage_failing = False

    async def hit(
        self,
        path: str,
        client: str,
        authorization: str | None,
        now: datetime,
        *,
        method: str = "GET",
    ) -> RateLimitState | None:
        """Count a request to `path` (trailing slash removed); None when no limit applies."""
        if not self.enabled or path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            return None
        item, key = self._limit_for(path, client, authorization, now, method)
        try:
            async with asyncio.timeout(self._storage_timeout * 2):
                allowed = await self._strategy.hit(item, key)
                reset_at, remaining = await self._strategy.get_window_stats(item, key)
        except (StorageError, TimeoutError, OSError) as error:
            if not self._storage_failing:
                logger.warning(
                    "rate limit storage unavailable, requests are not limited: %r", error
                )
            self._storage_failing = True
            return None
        if self._storage_failing:
            logger.warning("rate limit storage available again")
            self._storage_failing = False
        return RateLimitState(allowed, item.amount, max(0, remaining), reset_at)

    def _limit_for(
        self, path: str, client: str, authorization: str | None, now: datetime, method: str
    ) -> tuple[RateLimitItem, str]:
        if path in STRICT_PATHS or (method == "POST" and path in STRICT_PAGE_FORMS):
            return STRICT, client
        if path.startswith(ADMIN_PREFIXES) or f"{path}/" in ADMIN_PREFIXES:
            admin_id = self._bearer_user_id(authorization, now)
            if admin_id is not None:
                return ADMIN, f"user:{admin_id}"
        return GENERAL, client

    def _bearer_user_id(self, authorization: str | None, now: datetime) -> int | None:
        """The user of a valid bearer token; the endpoint itself decides if they are an admin."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self._token_user_id(token.strip(), now)

    async def close(self) -> None:
        if self._redis_pool is not None:
            self._redis_pool.disconnect()
