"""The checks on a request's body before any route reads it: its size (413) and its format (415).

They are two of the edge's middleware (`middleware.py` lists them in order).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attune.platform.errors import PayloadTooLarge, UnsupportedMediaType, error_body

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _error_response(status_code: int, error: str, details: str) -> JSONResponse:
    return JSONResponse(error_body(error, details), status_code=status_code)


class _BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` when a streamed body passes the limit; FastAPI's error handler
    renders HTTPExceptions that come out of reading the body (any other exception there
    would become a 400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=_too_large_details(max_bytes))


def _too_large_details(max_bytes: int) -> str:
    return f"The body may be at most {max_bytes} bytes"


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def too_large(self) -> JSONResponse:
        return _error_response(413, PayloadTooLarge.error, _too_large_details(self.max_bytes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self.too_large()(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            # Read outside a route's error handling (another middleware, say): answer here.
            if started:
                raise
            await self.too_large()(scope, receive, send)


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _is_form(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_page(path: str) -> bool:
    # The web pages post HTML forms; the API (and its webhooks) take JSON only.
    return not (path == "/api" or path.startswith("/api/"))


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in headers


class ContentTypeMiddleware:
    """The API speaks JSON: a body in any other format is refused before it is parsed. The web
    pages (every path outside `/api`) also take HTML forms."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in BODY_METHODS:
            headers = Headers(scope=scope)
            content_type = headers.get("content-type")
            if (
                _has_body(headers)
                and not _is_json(content_type)
                and not (_is_form(content_type) and _is_page(scope["path"]))
            ):
                response = _error_response(
                    415, UnsupportedMediaType.error, "Send the body as application/json"
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
