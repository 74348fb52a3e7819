"""The HTTP edge: what happens to every request before and after its route.

Pure ASGI middleware, outermost first:

1. request context: request id, client address, the clock that input dates are checked
   against, security headers, the 500 for anything unexpected, the access log line and the
   request metrics;
2. CORS (only when `ATTUNE_CORS_ORIGINS` is set);
3. rate limits (`ratelimit.py`);
4. body size: 413 before reading a body that is declared or streamed too large
   (`request_body.py`);
5. content type: 415 for a body that is not JSON (`request_body.py`);
6. trailing slash: `/api/auth/login/` is routed as `/api/auth/login` (no redirect, so POST works);
7. HEAD: answered as GET, without the body.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders, State
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attune.platform.client_address import SCOPE_KEY as CLIENT_ADDRESS_KEY
from attune.platform.client_address import resolve_client_address
from attune.platform.errors import (
    AttuneError,
    TooManyRequests,
    error_body,
)
from attune.platform.fields import horizon_bound
from attune.platform.logging import request_id_bound
from attune.platform.metrics import UNMATCHED_ROUTE, Metrics
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.ratelimit import RateLimiter, TokenUserId
from attune.platform.request_body import BodySizeLimitMiddleware, ContentTypeMiddleware
from attune.platform.settings import Environment, Settings

logger = logging.getLogger("attune.errors")
access_logger = logging.getLogger("attune.access")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming request id is echoed into headers and logs, so only short, plain ones are kept.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The web pages: their own style sheet, script and images only, no inline script or style, forms
# posted only here. The payment page widens it for Stripe.js (attune.web).
PAGE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Paths that are not pages: the JSON API, its docs, health and metrics.
NOT_PAGE_PREFIXES = ("/api", "/health", "/metrics", "/docs", "/openapi.json")
PAGE_TOO_MANY_REQUESTS = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Too many requests</title>'
    "<h1>Too many requests</h1><p>{message}.</p></html>"
)
# The /docs page (platform.docs) runs Swagger UI from this service's own scripts; Swagger UI
# sets inline styles and draws its icons from data: URIs.
DOCS_PATHS = frozenset({"/docs"})
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
CORS_EXPOSED_HEADERS = (
    REQUEST_ID_HEADER,
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
)


def without_trailing_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def is_page_path(path: str) -> bool:
    """Whether `path` is one of the web pages (or their assets) rather than the API's."""
    return not any(
        path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ".")
        for prefix in NOT_PAGE_PREFIXES
    )


def _set_headers(message: Message, headers: Mapping[str, str], *, replace: bool) -> None:
    target = MutableHeaders(scope=message)
    for name, value in headers.items():
        if replace:
            target[name] = value
        else:
            target.setdefault(name, value)


RawHeaders = tuple[tuple[bytes, bytes], ...]
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")


def _raw(headers: Mapping[str, str]) -> RawHeaders:
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


def _add_edge_headers(message: Message, request_id: bytes, defaults: RawHeaders) -> None:
    """The request id (in place of any the route set) and each of `defaults` that the route did
    not set itself, written on the raw header list: MutableHeaders would scan the list again
    for each header, on every response."""
    headers = [item for item in message.get("headers", ()) if item[0].lower() != _REQUEST_ID_NAME]
    present = {item[0].lower() for item in headers}
    headers.append((_REQUEST_ID_NAME, request_id))
    headers.extend(item for item in defaults if item[0] not in present)
    message["headers"] = headers


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None) if isinstance(route, BaseRoute) else None
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def _printable_path(scope: Scope) -> str:
    # The raw path is still percent-encoded: no newline or control character can reach a log.
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, bytes) and raw_path:
        return raw_path.decode("ascii", "backslashreplace")
    return str(scope["path"]).encode("unicode_escape").decode("ascii")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, state: State) -> None:
        self.app = app
        self.state = state
        self.trusted_proxies = settings.trusted_proxy_networks
        self.calendar = PracticeCalendar.of(settings)
        # The three sets of headers a response can get, built once rather than per request.
        common = dict(SECURITY_HEADERS)
        if settings.env is Environment.production:
            common["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        other = {**common, "Content-Security-Policy": API_CONTENT_SECURITY_POLICY}
        self.docs_headers = _raw(
            {**common, "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY}
        )
        self.other_headers = _raw(other)
        self.api_headers = _raw({**other, "Cache-Control": "no-store"})
        # A page may show a client's data: never kept by a shared cache or the back button's.
        self.page_headers = _raw(
            {
                **common,
                "Content-Security-Policy": PAGE_CONTENT_SECURITY_POLICY,
                "Cache-Control": "no-store",
            }
        )
        self.asset_headers = _raw(
            {**common, "Content-Security-Policy": PAGE_CONTENT_SECURITY_POLICY}
        )

    def security_headers(self, path: str) -> RawHeaders:
        path = without_trailing_slash(path)
        if path == "/api" or path.startswith("/api/"):
            return self.api_headers
        if path in DOCS_PATHS:
            return self.docs_headers
        if path.startswith("/static/"):
            return self.asset_headers
        return self.page_headers if is_page_path(path) else self.other_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if incoming and _SAFE_REQUEST_ID.fullmatch(incoming) else None
        request_id = request_id or uuid.uuid4().hex
        client = resolve_client_address(scope, self.trusted_proxies)
        scope[CLIENT_ADDRESS_KEY] = client
        security_headers = self.security_headers(scope["path"])
        raw_request_id = request_id.encode("latin-1")
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                _add_edge_headers(message, raw_request_id, security_headers)
            await send(message)

        start = time.perf_counter()
        with request_id_bound(request_id), horizon_bound(self.state.clock, self.calendar):
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception:
                logger.exception("unhandled error on %s %s", scope["method"], _route_label(scope))
                if started:
                    raise  # Too late for a 500: the server aborts the half-sent response.
                response = JSONResponse(
                    error_body(AttuneError.error, AttuneError.details, request_id=request_id),
                    status_code=500,
                )
                await response(scope, receive, send_with_headers)
            finally:
                self._record(scope, status, time.perf_counter() - start, client)

    def _record(self, scope: Scope, status: int, seconds: float, client: str) -> None:
        route = _route_label(scope)
        metrics: Metrics = self.state.metrics
        metrics.observe_request(scope["method"], route, status, seconds)
        path = route if route != UNMATCHED_ROUTE else _printable_path(scope)
        duration_ms = round(seconds * 1000, 1)
        access_logger.info(
            "%s %s %s %.1fms",
            scope["method"],
            path,
            status,
            duration_ms,
            extra={
                "method": scope["method"],
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
                "client": client,
            },
        )


class CorsMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in the service's error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-type", "content-length")
        }
        reason = bytes(response.body).decode()
        return JSONResponse(
            error_body("CORS request not allowed", reason),
            status_code=response.status_code,
            headers=headers,
        )


class RateLimitMiddleware:
    """Counts each request against its limit (state.rate_limiter) and says so in headers."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limiter: RateLimiter = self.state.rate_limiter
        outcome = await limiter.hit(
            without_trailing_slash(scope["path"]),
            scope[CLIENT_ADDRESS_KEY],
            Headers(scope=scope).get("authorization"),
            self.state.clock.now(),
            method=scope["method"],
        )
        if outcome is None:
            await self.app(scope, receive, send)
            return
        headers = outcome.headers()
        if not outcome.allowed:
            refusal_headers = {**headers, "Retry-After": str(outcome.retry_after(time.time()))}
            message = f"At most {outcome.limit} requests a minute; try again later"
            response: Response
            if is_page_path(scope["path"]):
                response = HTMLResponse(
                    PAGE_TOO_MANY_REQUESTS.format(message=message),
                    status_code=429,
                    headers=refusal_headers,
                )
            else:
                response = JSONResponse(
                    error_body(TooManyRequests.error, message),
                    status_code=429,
                    headers=refusal_headers,
                )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _set_headers(message, headers, replace=True)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrailingSlashMiddleware:
    """Routes are declared without a trailing slash; both seeds' path styles reach them.

    The scope is changed in place so that outer middleware sees the route that matched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"] != "/":
            scope["path"] = without_trailing_slash(scope["path"])
            raw_path = scope.get("raw_path")
            if isinstance(raw_path, bytes):
                scope["raw_path"] = raw_path.rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


class HeadAsGetMiddleware:
    """HEAD is GET without the body (RFC 9110 §9.3.2) on every path that answers GET; FastAPI
    routes declare GET alone, so HEAD would be a 405.

    The routes see a copy of the scope that says GET; the server and the outer middleware keep
    the one that says HEAD (uvicorn leaves out the body of a HEAD answer by reading it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {**message, "body": b""}
            await send(message)

        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, send_without_body)
        finally:
            if "route" in as_get:  # for the metrics and the access log, labelled by route
                scope["route"] = as_get["route"]


def install_middleware(app: FastAPI, settings: Settings, token_user_id: TokenUserId) -> None:
    """Add the edge middleware; `app.state.rate_limiter` is closed by the app's lifespan."""
    app.state.rate_limiter = RateLimiter(settings, token_user_id)
    # Starlette wraps each added middleware around the previous ones: innermost first.
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(TrailingSlashMiddleware)
    app.add_middleware(ContentTypeMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.rate_limits:
        app.add_middleware(RateLimitMiddleware, state=app.state)
    if settings.cors_origins:
        app.add_middleware(
            CorsMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=("GET", "POST", "PUT", "PATCH", "DELETE"),
            allow_headers=("Authorization", "Content-Type", REQUEST_ID_HEADER),
            expose_headers=CORS_EXPOSED_HEADERS,
        )
    app.add_middleware(RequestContextMiddleware, settings=settings, state=app.state)
