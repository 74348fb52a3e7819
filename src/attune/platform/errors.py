"""Domain errors and the one place where every error becomes an HTTP response
(docs/architecture.md, "Errors").

Every error body is `{"error": ..., "details": ...}`: `error` says what went wrong, `details`
what the caller can do about it. Each error class has default details, which a raise may
replace with more exact ones. Services raise `AttuneError` subclasses, never `HTTPException`.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from attune.platform.logging import current_request_id
from attune.platform.validation_messages import describe_validation_errors

logger = logging.getLogger("attune.errors")

INVALID_REQUEST = "Invalid request format"
# PostgreSQL's answers to contention that a retry resolves: serialization failure, deadlock
# detected, lock not available. The transaction was rolled back, so nothing was written.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
# SQLite's: SQLITE_BUSY and SQLITE_LOCKED (primary result codes) once the busy timeout is spent.
RETRYABLE_SQLITE_CODES = frozenset({5, 6})
BUSY_RETRY_AFTER_SECONDS = "1"
# PostgreSQL's answers when it cannot serve at all: connection exceptions (class 08), and the
# server shutting down, crashed or still starting (57P01, 57P02, 57P03).
UNREACHABLE_SQLSTATE_CLASS = "08"
UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
# Network failures that the socket layer reports as a plain OSError rather than a subclass.
UNREACHABLE_ERRNOS = frozenset(
    {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}
)
UNAVAILABLE_RETRY_AFTER_SECONDS = "5"


def _is_contention(error: DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    return isinstance(sqlite_code, int) and sqlite_code & 0xFF in RETRYABLE_SQLITE_CODES


def _is_network_failure(error: OSError) -> bool:
    return isinstance(error, ConnectionError | TimeoutError | socket.gaierror) or (
        error.errno in UNREACHABLE_ERRNOS
    )


def _is_unreachable(error: DBAPIError) -> bool:
    """The database went away: a connection lost mid-request, or a server that refuses work."""
    if error.connection_invalidated or isinstance(error.orig, OSError):
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if not isinstance(sqlstate, str):
        return False
    return sqlstate.startswith(UNREACHABLE_SQLSTATE_CLASS) or sqlstate in UNREACHABLE_SQLSTATES


class AttuneError(Exception):
    status_code = 500
    error = "Internal server error"
    details: str | None = "Something went wrong on our side; quote the request id to report it."

    def __init__(
        self,
        error: str | None = None,
        *,
        details: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
        field: str | None = None,
    ) -> None:
        self.error = error or self.error
        self.details = details or self.details
        # The request field the error is about, when it is about one: a form shows the message
        # next to it, and the 400 body lists it in `fields` as a validation error does.
        self.field = field
        self.headers = dict(headers or {})
        # Fields of the body beside `error` and `details`, for a client to act on.
        self.extra = dict(extra or {})
        super().__init__(self.error)


class BadRequest(AttuneError):
    status_code = 400
    error = INVALID_REQUEST
    details = "Correct the request and send it again."


class Unauthorized(AttuneError):
    status_code = 401
    error = "User not authenticated"
    details = "Log in, then send the access token as `Authorization: Bearer <token>`."

    def __init__(self, error: str | None = None, *, details: str | None = None) -> None:
        super().__init__(error, details=details, headers={"WWW-Authenticate": "Bearer"})


class PaymentRequired(AttuneError):
    status_code = 402
    error = "Payment required"
    details = "Pay for the booking first: POST /api/payments/intent."


class Forbidden(AttuneError):
    status_code = 403
    error = "Insufficient permissions"
    details = "This account may not do this."


class NotFound(AttuneError):
    status_code = 404
    error = "Not found"
    details = "Nothing with this id is visible to you."


class Conflict(AttuneError):
    status_code = 409
    error = "Conflict"
    details = "It no longer fits what is stored; read it again and retry."


class PayloadTooLarge(AttuneError):
    status_code = 413
    error = "Request body too large"
    details = "Send a smaller body."


class UnsupportedMediaType(AttuneError):
    status_code = 415
    error = "Unsupported media type"
    details = "Send the body as application/json."


class TooManyRequests(AttuneError):
    status_code = 429
    error = "Too many requests"
    details = "Wait as long as Retry-After says, then try again."


class ServiceUnavailable(AttuneError):
    status_code = 503
    error = "Service temporarily unavailable"
    details = "Nothing was changed. Try again in a moment."


def error_body(error: str, details: object = None, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {"error": error}
    if details is not None:
        body["details"] = details
    body.update(extra)
    return body


def _fields_of(error: AttuneError) -> dict[str, object]:
    """`fields` for an error about one field, in the shape of a validation error's."""
    if error.field is None:
        return {}
    return {"fields": [{"field": error.field, "message": error.details or error.error}]}


def _server_error_reference(status_code: int) -> dict[str, object]:
    """A 5xx body names its request id, so a report from a client can be found in the logs."""
    request_id = current_request_id()
    return {"request_id": request_id} if status_code >= 500 and request_id else {}


def allowed_methods(request: Request) -> list[str]:
    """Every method that some route of the request's path answers, HEAD wherever GET is.

    Starlette's 405 names the methods of the first route that matched the path only, though a
    path such as `/api/admin/users/{id}` has a route for GET and another for PUT."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods.update(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _domain(_request: Request, error: AttuneError) -> JSONResponse:
    if error.status_code >= 500:
        logger.warning("%s: %s", type(error).__name__, error.error)
    return JSONResponse(
        error_body(
            error.error,
            error.details,
            **_fields_of(error),
            **error.extra,
            **_server_error_reference(error.status_code),
        ),
        status_code=error.status_code,
        headers=error.headers,
    )


async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
    details, fields = describe_validation_errors(error.errors())
    return JSONResponse(error_body(INVALID_REQUEST, details, fields=fields), status_code=400)


def _busy() -> JSONResponse:
    logger.warning("database busy: answered 503")
    return JSONResponse(
        error_body(
            ServiceUnavailable.error,
            "The service is busy; nothing was changed. Try again in a moment.",
            **_server_error_reference(503),
        ),
        status_code=503,
        headers={"Retry-After": BUSY_RETRY_AFTER_SECONDS},
    )


def _unavailable() -> JSONResponse:
    logger.warning("database unreachable: answered 503")
    return JSONResponse(
        error_body(
            ServiceUnavailable.error,
            "The database cannot be reached. Try again in a moment.",
            **_server_error_reference(503),
        ),
        status_code=503,
        headers={"Retry-After": UNAVAILABLE_RETRY_AFTER_SECONDS},
    )


async def _pool_exhausted(_request: Request, _error: PoolTimeout) -> JSONResponse:
    # Every database connection stayed busy for the pool's timeout: a load peak.
    return _busy()


async def _database(_request: Request, error: DBAPIError) -> JSONResponse:
    if _is_contention(error):
        return _busy()
    if _is_unreachable(error):
        return _unavailable()
    raise error  # anything else is a bug: the request-context middleware answers 500


async def _network(_request: Request, error: OSError) -> JSONResponse:
    # A new database connection that is refused or times out surfaces as the driver's
    # OSError, not as a DBAPIError. Integrations (Stripe, Redis) catch their own, so a
    # network failure that gets here is the database's.
    if _is_network_failure(error):
        return _unavailable()
    raise error


async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    # Starlette raises these for unrouted paths and wrong methods (405 carries `Allow`).
    # So does the body-size middleware for a streamed body, its detail saying the limit.
    messages = {404: NotFound.error, 405: "Method not allowed", 413: PayloadTooLarge.error}
    message = messages.get(error.status_code) or str(error.detail)
    headers = dict(error.headers or {})
    details: str | None = None
    if error.status_code == 404:
        details = "No endpoint answers at this path; GET /api/ lists them."
    elif error.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
        details = f"This path answers {headers['Allow']}."
    elif error.status_code == 413:
        details = str(error.detail)
    return JSONResponse(
        error_body(message, details, **_server_error_reference(error.status_code)),
        status_code=error.status_code,
        headers=headers,
    )


def register_error_handlers(app: FastAPI) -> None:
    """Render domain errors, validation errors (400, not FastAPI's 422) and routing errors.

    Anything else is answered with a 500 by the request-context middleware, which also logs it.
    """
    app.exception_handler(AttuneError)(_domain)
    app.exception_handler(RequestValidationError)(_validation)
    app.exception_handler(PoolTimeout)(_pool_exhausted)
    app.exception_handler(DBAPIError)(_database)
    app.exception_handler(OSError)(_network)
    app.exception_handler(StarletteHTTPException)(_http)
