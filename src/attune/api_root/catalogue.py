"""The catalogue's endpoints, generated from the app's route table and its OpenAPI document:
one entry per operation (or per seed 003 endpoint), with its URL, methods, who may call it and
the fields its body takes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer

from attune.api_root.seed_endpoints import JITSI_INTEGRATION, SEED_ENDPOINTS
from attune.platform.auth import (
    current_actor,
    require_practice_member,
    require_staff,
    verified_actor,
)
from attune.platform.metrics import require_metrics_token
from attune.platform.settings import Settings

NO_AUTHENTICATION = "None required"
OPTIONAL_AUTHENTICATION = "Optional (a JWT makes it the caller's)"
AUTHENTICATION = "Required"
STAFF_AUTHENTICATION = "Required (Staff users only)"
METRICS_AUTHENTICATION = "Required (Bearer ATTUNE_METRICS_TOKEN)"
# `{request_id:uuid}` as the app declares a parameter; `<uuid:pk>` as seed 003 writes it.
PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Group:
    key: str
    prefixes: tuple[str, ...]
    description: str
    # Seed 003's groups write URLs as it did: a trailing slash and `<uuid:pk>` parameters.
    seed_003_style: bool = False


# In this order; a route belongs to the first group one of whose prefixes its path starts with.
GROUPS = (
    Group("authentication", ("/api/auth/",), "User authentication and management endpoints", True),
    Group(
        "appointments",
        ("/api/meetings/",),
        "Appointment request and management system with Jitsi video meetings",
        True,
    ),
    Group("schedules", ("/api/schedules",), "The public day view of bookable slots"),
    Group("bookings", ("/api/bookings",), "A client's bookings and their video meetings"),
    Group("payments", ("/api/payments/",), "Paying for a booking, and Stripe's webhook"),
    Group("admin", ("/api/admin/",), "The practice's back office (Staff users only)"),
    Group("monitoring", ("/health", "/metrics"), "Health checks and Prometheus metrics"),
    Group("catalogue", ("/api",), "This catalogue"),
)
GROUP_EXTRAS: dict[str, dict[str, Any]] = {"appointments": {"jitsi_integration": JITSI_INTEGRATION}}


def _calls(dependant: Dependant) -> Iterator[Any]:
    pending = list(dependant.dependencies)
    while pending:
        dependency = pending.pop()
        yield dependency.call
        pending.extend(dependency.dependencies)


def authentication_of(dependant: Dependant, settings: Settings) -> str:
    """Who may call a route, read from the dependencies it declares."""
    calls = set(_calls(dependant))
    if require_metrics_token in calls and settings.metrics_token is not None:
        return METRICS_AUTHENTICATION
    if calls & {require_staff, require_practice_member}:
        return STAFF_AUTHENTICATION
    if calls & {current_actor, verified_actor}:
        return AUTHENTICATION
    # A bearer scheme read without a user required: a token is taken but not needed.
    if any(isinstance(call, HTTPBearer) for call in calls):
        return OPTIONAL_AUTHENTICATION
    return NO_AUTHENTICATION


def _same_level(text: str, computed: str) -> bool:
    """Whether a seed text about authentication says what the route requires, in more words."""
    if computed == STAFF_AUTHENTICATION:
        return text.startswith(STAFF_AUTHENTICATION)
    if computed == AUTHENTICATION:
        return text.startswith(AUTHENTICATION) and not text.startswith(STAFF_AUTHENTICATION)
    return text.startswith(computed.split(" (", maxsplit=1)[0])


class Schemas:
    """The request bodies and parameters of the app's OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A schema with `$ref` followed and `Model | None` reduced to the model."""
        if "$ref" in schema:
            resolved: dict[str, Any] = self.components[schema["$ref"].rsplit("/", 1)[-1]]
            return self.resolve(resolved)
        options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
        if len(options) == 1:
            return self.resolve(options[0])
        return schema

    def operation(self, method: str, path: str) -> dict[str, Any]:
        operation: dict[str, Any] = self.document["paths"][path][method.lower()]
        return operation

    def body(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.resolve(content["application/json"]["schema"])

    def field(self, name: str, schema: dict[str, Any]) -> str:
        """A field's name, with its choices when it has a few (`context (a/b)`)."""
        choices = self.resolve(schema).get("enum")
        return f"{name} ({'/'.join(map(str, choices))})" if choices else name


def _fields(schemas: Schemas, operations: list[dict[str, Any]]) -> dict[str, list[str]]:
    """`required_fields` and `optional_fields` of the bodies the operations take."""
    required: list[str] = []
    optional: list[str] = []
    for operation in operations:
        body = schemas.body(operation)
        if body is None:
            continue
        needed = set(body.get("required", ()))
        for name, schema in body.get("properties", {}).items():
            label = schemas.field(name, schema)
            target = required if name in needed else optional
            if label not in required and label not in optional:
                target.append(label)
    fields = {}
    if required:
        fields["required_fields"] = required
    if optional:
        fields["optional_fields"] = optional
    return fields


def _query_parameters(
    operations: list[dict[str, Any]], seed_texts: dict[str, str]
) -> dict[str, str]:
    return {
        parameter["name"]: seed_texts.get(parameter["name"]) or parameter.get("description", "")
        for operation in operations
        for parameter in operation.get("parameters", ())
        if parameter["in"] == "query"
    }


def _url_path(path: str, group: Group) -> str:
    if not group.seed_003_style:
        return PATH_PARAMETER.sub(lambda match: "{" + match[1] + "}", path)
    return PATH_PARAMETER.sub(lambda match: f"<{match[2] or 'str'}:pk>", path) + "/"


def _document_path(path: str) -> str:
    return PATH_PARAMETER.sub(lambda match: "{" + match[1] + "}", path)


def _seed_key(path: str) -> str:
    return PATH_PARAMETER.sub("{}", path)


@dataclass
class Operations:
    """The operations of one path in one group, as one catalogue entry."""

    name: str
    path: str
    methods: list[str]
    routes: list[APIRoute]


def _entries(app: FastAPI, group: Group) -> list[Operations]:
    """Every operation in the group: one entry per seed 003 endpoint (which may name several
    methods, as the seed did), otherwise one per route."""
    entries: dict[str, Operations] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = str(context.path)
        if _group_of(path) is not group:
            continue
        methods = sorted(context.methods or ())
        seed = SEED_ENDPOINTS.get(_seed_key(path))
        name = seed[0] if seed else route.name
        if seed and name in entries:
            entries[name].methods += methods
            entries[name].routes.append(route)
            continue
        if name in entries:
            name = f"{name}_{methods[0].lower()}"
        entries[name] = Operations(name, path, methods, [route])
    return list(entries.values())


def _group_of(path: str) -> Group | None:
    for group in GROUPS:
        if any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in group.prefixes):
            return group
    return None


def _entry(
    settings: Settings, group: Group, operations: Operations, schemas: Schemas
) -> dict[str, Any]:
    seed = SEED_ENDPOINTS.get(_seed_key(operations.path))
    texts: dict[str, Any] = dict(seed[1]) if seed else {}
    documented = [
        schemas.operation(method, _document_path(operations.path)) for method in operations.methods
    ]
    authentication = authentication_of(operations.routes[0].dependant, settings)
    seed_authentication = texts.pop("authentication", None)
    if seed_authentication and _same_level(seed_authentication, authentication):
        authentication = seed_authentication
    seed_parameters = texts.pop("query_parameters", {})
    entry: dict[str, Any] = {
        "description": texts.pop("description", None) or documented[0].get("summary", ""),
        "url": (settings.public_url or "") + _url_path(operations.path, group),
        "methods": operations.methods,
        "authentication": authentication,
        **_fields(schemas, documented),
    }
    parameters = _query_parameters(documented, seed_parameters)
    if parameters:
        entry["query_parameters"] = parameters
    entry.update(texts)
    return entry


def catalogue_endpoints(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """Every operation of the app, by group, with URLs under `ATTUNE_PUBLIC_URL` (or paths)."""
    schemas = Schemas(app.openapi())
    groups: dict[str, Any] = {}
    for group in GROUPS:
        groups[group.key] = {
            "description": group.description,
            "base_path": group.prefixes[0],
            "endpoints": {
                operations.name: _entry(settings, group, operations, schemas)
                for operations in _entries(app, group)
            },
            **GROUP_EXTRAS.get(group.key, {}),
        }
    return groups
