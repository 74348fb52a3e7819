"""How the OpenAPI document says what the service does where FastAPI's own document would not:
one error schema, 400 where FastAPI says 422, the answers that the edge of the service can give
to any operation, and tokens that an operation takes but does not need.

Validation errors are answered 400 `{"error": "Invalid request format", ...}` (docs/decisions.md,
"Platform"), so FastAPI's generated 422 responses would describe an answer the service never
gives. The middleware, the auth dependencies and the database can answer an operation before (or
instead of) its handler: 401, 413, 415, 429, 500 and 503 are added here to every operation they
can reach, with the headers that come with them, so that no route has to repeat them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from attune.platform.dependencies import get_database, get_session, get_unit_of_work
from attune.platform.errors import (
    INVALID_REQUEST,
    AttuneError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)
from attune.platform.ratelimit import EXEMPT_PATHS

INVALID_REQUEST_EXAMPLE = {"error": INVALID_REQUEST, "details": "Email is required"}
ERROR_BODY_REF = "#/components/schemas/ErrorBody"
EXAMPLE_REQUEST_ID = "5f0c6a1e9b8d4c2a8e7f3b1d0a9c8e7f"

HEADERS: dict[str, dict[str, Any]] = {
    "RequestId": {
        "description": "The request's id, in every log line about it: quote it to support. "
        "A short `X-Request-ID` sent by the caller is kept.",
        "required": True,
        "schema": {"type": "string", "example": EXAMPLE_REQUEST_ID},
    },
    "RateLimitLimit": {
        "description": "Requests a minute allowed under this request's limit "
        "(absent when rate limits are off).",
        "schema": {"type": "integer", "minimum": 1, "example": 100},
    },
    "RateLimitRemaining": {
        "description": "Requests left in the current minute.",
        "schema": {"type": "integer", "minimum": 0, "example": 99},
    },
    "RateLimitReset": {
        "description": "When the oldest counted request leaves the window, in epoch seconds.",
        "schema": {"type": "integer", "minimum": 0, "example": 1764590460},
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "example": 30},
    },
    "RetryAfterWhenUnavailable": {
        "description": "Seconds to wait before trying again, when the database was busy or "
        "could not be reached.",
        "schema": {"type": "integer", "minimum": 1, "example": 1},
    },
    "WWWAuthenticate": {
        "description": "How to authenticate: a bearer token.",
        "required": True,
        "schema": {"type": "string", "example": "Bearer"},
    },
}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "RateLimitLimit",
    "X-RateLimit-Remaining": "RateLimitRemaining",
    "X-RateLimit-Reset": "RateLimitReset",
}


class OptionalHTTPBearer(HTTPBearer):
    """A bearer token that an operation reads when one is sent and does without otherwise.

    FastAPI documents any bearer scheme as required; an operation whose only schemes are these is
    documented as `[{}, {"HTTPBearer": []}]`, OpenAPI's "anonymous, or with this token".
    """

    def __init__(self, *, description: str) -> None:
        # The same scheme as the required token's: one token, needed by some operations only.
        super().__init__(scheme_name="HTTPBearer", description=description, auto_error=False)


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error the service answers with."""

    error: str = Field(examples=["The selected time slot is no longer available"])
    details: str | None = Field(default=None, examples=["Detailed error information"])
    fields: list[FieldError] | None = Field(
        default=None, description="For invalid requests: each field and what is wrong with it."
    )
    request_id: str | None = Field(default=None, description="For 500s: quote it to support.")


def documented_errors(
    *errors: type[AttuneError], body: bool = True
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these errors (and for an invalid body), each with an example."""
    responses: dict[int | str, dict[str, Any]] = {}

    def example(status: int, name: str, value: dict[str, Any]) -> None:
        entry = responses.setdefault(
            status, {"model": ErrorBody, "content": {"application/json": {"examples": {}}}}
        )
        entry["content"]["application/json"]["examples"][name] = {"value": value}

    for error in errors:
        example(error.status_code, error.__name__, {"error": error.error})
    if body:
        example(400, "InvalidRequest", INVALID_REQUEST_EXAMPLE)
    return responses


def _error_response(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_BODY_REF}, "example": example}},
    }


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            yield path, method.upper(), operation


def _replace_validation_responses(schema: dict[str, Any]) -> None:
    for _path, _method, operation in _operations(schema):
        responses = operation.get("responses", {})
        if responses.pop("422", None) is not None:
            responses.setdefault(
                "400", _error_response("Invalid request format", INVALID_REQUEST_EXAMPLE)
            )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components.setdefault(
        "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    components.setdefault("FieldError", FieldError.model_json_schema())


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


# A route that takes the unit of work (directly or through the actor) opens the database.
DATABASE_DEPENDENCIES = (get_unit_of_work, get_session, get_database)
# The busiest public reads open it themselves, without a dependency (each costs about as much
# as a remembered answer): they say so with `reads_database`.
_READING_DIRECTLY: set[Callable[..., Any]] = set()

_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


def reads_database(endpoint: _Endpoint) -> _Endpoint:
    """Mark an endpoint that reads the database without a database dependency, so that its
    document names the 503 of a busy or unreachable database as the others do."""
    _READING_DIRECTLY.add(endpoint)
    return endpoint


def _database_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every operation that opens the database, and so can find it busy or
    gone."""
    found: set[tuple[str, str]] = set()
    # Each route as included (with its router's prefix and dependencies), as get_openapi sees it.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        if route.original_route.endpoint in _READING_DIRECTLY or any(
            call in DATABASE_DEPENDENCIES for call in _calls(route.dependant)
        ):
            found.update((route.path_format or "", method) for method in route.methods or ())
    return found


def _anonymous_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every operation whose bearer schemes are all optional ones."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        schemes = [call for call in _calls(route.dependant) if isinstance(call, HTTPBearer)]
        if schemes and all(isinstance(call, OptionalHTTPBearer) for call in schemes):
            found.update((route.path_format or "", method) for method in route.methods or ())
    return found


def _admit_anonymous(schema: dict[str, Any], anonymous: set[tuple[str, str]]) -> None:
    for path, method, operation in _operations(schema):
        if (path, method) in anonymous:
            operation["security"] = [{}, *operation.get("security", [])]


def _edge_errors(
    path: str, method: str, operation: dict[str, Any], *, uses_database: bool, has_body: bool
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(status, description, example) of the errors that can answer this operation before or
    instead of its handler."""
    if operation.get("security"):
        yield "401", "Not authenticated", {"error": Unauthorized.error}
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
        yield "404", "Not found", {"error": NotFound.error}
    if has_body:
        yield (
            "413",
            "The body is larger than ATTUNE_MAX_BODY_BYTES",
            {"error": PayloadTooLarge.error, "details": "The body may be at most 1048576 bytes"},
        )
        yield (
            "415",
            "A body that is not JSON",
            {"error": UnsupportedMediaType.error, "details": "Send the body as application/json"},
        )
    if path not in EXEMPT_PATHS:
        yield (
            "429",
            "Rate limited: too many requests from this client in the last minute",
            {
                "error": TooManyRequests.error,
                "details": "At most 100 requests a minute; try again later",
            },
        )
    yield (
        "500",
        "An unexpected error: a bug, logged under the request id",
        {
            "error": AttuneError.error,
            "details": AttuneError.details,
            "request_id": EXAMPLE_REQUEST_ID,
        },
    )
    if uses_database:
        yield (
            "503",
            "The database is busy or cannot be reached; nothing was changed",
            {
                "error": ServiceUnavailable.error,
                "details": "The service is busy; nothing was changed. Try again in a moment.",
                "request_id": EXAMPLE_REQUEST_ID,
            },
        )


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _response_headers(path: str, status: str, request_id: str) -> dict[str, dict[str, str]]:
    headers = {request_id: _header("RequestId")}
    if path not in EXEMPT_PATHS:
        headers.update({name: _header(ref) for name, ref in RATE_LIMIT_HEADERS.items()})
    if status == "401":
        headers["WWW-Authenticate"] = _header("WWWAuthenticate")
    elif status == "429":
        headers["Retry-After"] = _header("RetryAfter")
    elif status == "503":
        headers["Retry-After"] = _header("RetryAfterWhenUnavailable")
    return headers


def _add_edge_responses(schema: dict[str, Any], database_operations: set[tuple[str, str]]) -> None:
    # The middleware's module imports this one (through the metrics router), so it is read
    # when the document is built, not when this module is loaded.
    from attune.platform.middleware import REQUEST_ID_HEADER  # noqa: PLC0415
    from attune.platform.request_body import BODY_METHODS  # noqa: PLC0415

    for path, method, operation in _operations(schema):
        responses = operation.setdefault("responses", {})
        errors = _edge_errors(
            path,
            method,
            operation,
            uses_database=(path, method) in database_operations,
            has_body=method in BODY_METHODS,
        )
        for status, description, example in errors:
            responses.setdefault(status, _error_response(description, example))
        for status, response in responses.items():
            headers = _response_headers(path, status, REQUEST_ID_HEADER)
            response["headers"] = {**headers, **response.get("headers", {})}
    schema.setdefault("components", {})["headers"] = HEADERS


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            _replace_validation_responses(schema)
            _admit_anonymous(schema, _anonymous_operations(app))
            _add_edge_responses(schema, _database_operations(app))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
