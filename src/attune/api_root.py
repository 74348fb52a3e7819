"""`GET /api/`: seed 003's catalogue of the API, generated from the app's route table.

Every operation the app serves (both contracts: accounts, schedules, bookings, payments, video,
admin, appointment requests, monitoring) is listed with its method, URL, who may call it and the
fields its body requires or accepts, all read from the routes and their OpenAPI description, so
the catalogue cannot drift from what is served. The seed's own entries keep their names and texts
(descriptions, examples, side effects), with what is computed (URL, methods, authentication,
fields) taken from the routes: `password2`, for one, is optional, as the service accepts it.

URLs: seed 003 advertised its meetings endpoints at a fixed `http://127.0.0.1:8000` (NOTES.md §4,
gap 12). Here they start with `ATTUNE_PUBLIC_URL` when it is set; otherwise they are paths
(`/api/auth/register/`), which a client resolves against the address it used. The `Host` and
`X-Forwarded-Host` headers are never used: anyone can send them, and a cached or proxied
catalogue would then advertise the sender's host to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from attune import __version__
from attune.platform.auth import current_actor, require_staff, verified_actor
from attune.platform.dependencies import AppSettings
from attune.platform.metrics import require_metrics_token
from attune.platform.settings import Settings

router = APIRouter(tags=["api"])

API_MESSAGE = "Therapy Appointment API"
NO_AUTHENTICATION = "None required"
OPTIONAL_AUTHENTICATION = "Optional (a JWT makes it the caller's)"
AUTHENTICATION = "Required"
STAFF_AUTHENTICATION = "Required (Staff users only)"
METRICS_AUTHENTICATION = "Required (Bearer ATTUNE_METRICS_TOKEN)"
# `{request_id:uuid}` as the app declares a parameter; `<uuid:pk>` as seed 003 writes it.
PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")

# Seed 003's texts for its groups and endpoints, keyed by the route's path (parameters as `{}`).
JITSI_INTEGRATION: dict[str, Any] = {
    "description": "Automatic Jitsi video meeting integration",
    "features": [
        "Automatic meeting room generation when appointment is scheduled",
        "Unique room IDs for each therapy session",
        "No setup required for clients - just click and join",
        "Meeting availability based on scheduled time",
        "Secure, encrypted video sessions",
    ],
    "meeting_lifecycle": {
        "pending": "No Jitsi meeting created",
        "scheduled": "Jitsi meeting automatically generated with unique URL",
        "active": "Meeting can be joined 10 minutes before scheduled time",
        "completed": "Meeting ends 15 minutes after scheduled duration",
    },
    "join_conditions": [
        "Appointment must be in 'scheduled' status",
        "Current time must be within 10 minutes before to 15 minutes after scheduled end",
        "Both client and therapist can join using the same URL",
    ],
}
SEED_ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "/api/auth/register": (
        "register",
        {
            "description": "Register a new user and send verification OTP",
            "example_request": {
                "email": "user@example.com",
                "first_name": "John",
                "last_name": "Doe",
                "phone_number": "+1234567890",
                "password": "SecurePassword123",
                "password2": "SecurePassword123",
            },
        },
    ),
    "/api/auth/verify-otp": (
        "verify_otp",
        {
            "description": "Verify email address using OTP",
            "example_request": {"email": "user@example.com", "otp": "123456"},
        },
    ),
    "/api/auth/login": (
        "login",
        {
            "description": "Authenticate user and return JWT tokens",
            "example_request": {"email": "user@example.com", "password": "SecurePassword123"},
        },
    ),
    "/api/auth/resend-otp": (
        "resend_otp",
        {
            "description": "Resend OTP for email verification or password reset",
            "example_request": {"email": "user@example.com", "context": "registration"},
        },
    ),
    "/api/auth/forgot-password": (
        "forgot_password",
        {
            "description": "Initiate password reset process",
            "example_request": {"email": "user@example.com"},
        },
    ),
    "/api/auth/verify-password-reset-otp": (
        "verify_password_reset_otp",
        {
            "description": "Verify OTP for password reset",
            "example_request": {"email": "user@example.com", "otp": "123456"},
        },
    ),
    "/api/auth/reset-password": (
        "reset_password",
        {
            "description": "Reset password after OTP verification",
            "example_request": {
                "email": "user@example.com",
                "otp": "123456",
                "new_password": "NewSecurePassword123",
                "confirm_password": "NewSecurePassword123",
            },
        },
    ),
    "/api/auth/token/refresh": (
        "token_refresh",
        {
            "description": "Refresh access token using refresh token",
            "example_request": {"refresh": "your_refresh_token_here"},
        },
    ),
    "/api/auth/profile": (
        "profile",
        {
            "description": "Read or update the authenticated user's profile",
            "example_request": {"first_name": "John", "phone_number": "+1234567890"},
            "validation": "The e-mail address cannot be changed here",
        },
    ),
    "/api/auth/logout": (
        "logout",
        {
            "description": "End the login: the access token and its refresh tokens stop working",
            "example_request": {"refresh": "your_refresh_token_here"},
        },
    ),
    "/api/meetings/admin/availability": (
        "admin_availability",
        {
            "description": "Get or update admin weekly availability (Admin only)",
            "response_fields": {
                "available_days": "List of weekday numbers (0-6) when appointments are accepted",
                "available_days_display": "Human-readable day names",
            },
            "example_request": {"available_days": [0, 1, 2, 3, 4]},
        },
    ),
    "/api/meetings/appointments/available-dates": (
        "available_dates",
        {
            "description": "Get available appointment dates for the next 30 days (Public)",
            "response": "List of available dates in YYYY-MM-DD format",
        },
    ),
    "/api/meetings/appointments/create": (
        "create_appointment",
        {
            "description": "Create a new appointment request (Public)",
            "example_request": {
                "first_name": "John",
                "last_name": "Doe",
                "email": "john@example.com",
                "phone": "+1234567890",
                "reason": "Initial consultation for anxiety",
                "preferred_dates": ["2024-01-15", "2024-01-16"],
                "preferred_time_slots": ["morning", "afternoon"],
            },
            "validation": "Preferred dates must be within admin available days",
        },
    ),
    "/api/meetings/appointments": (
        "list_appointments",
        {
            "description": "List appointment requests (Admin sees all, users see their own)",
            "query_parameters": {
                "email": (
                    # Seed 003 offered a lookup by e-mail without a token (NOTES.md §4, gap 6).
                    "Admins only: requests sent from this e-mail address; users always see "
                    "their own, and without a JWT the list is refused"
                ),
                "status": "Only requests in this status",
            },
            "response_fields": {
                "jitsi_meet_url": "Jitsi meeting URL (only for scheduled appointments)",
                "jitsi_room_id": "Jitsi room ID",
                "has_jitsi_meeting": "Boolean indicating if meeting is created",
                "can_join_meeting": "Boolean indicating if meeting can be joined now",
                "meeting_status": "Current meeting status",
            },
        },
    ),
    "/api/meetings/appointments/{}": (
        "appointment_detail",
        {
            "description": "Get detailed information about a specific appointment",
            "url_parameter": "pk (UUID of the appointment)",
            "response_includes": "Jitsi meeting information for scheduled appointments",
        },
    ),
    "/api/meetings/user/appointments": (
        "user_appointments",
        {
            "description": "Get appointments for the authenticated user",
            "response": "List of user's appointment requests with Jitsi meeting details",
        },
    ),
    "/api/meetings/appointments/{}/schedule": (
        "schedule_appointment",
        {
            "description": "Schedule an appointment and automatically create Jitsi meeting "
            "(Admin only)",
            "prerequisites": "Appointment must be in 'pending_review' status",
            "example_request": {
                "scheduled_datetime": "2024-01-15T10:00:00Z",
                "scheduled_duration": 60,
            },
            "side_effects": [
                "Updates status to 'scheduled'",
                "Automatically generates Jitsi meeting room",
                "Creates unique Jitsi room ID and URL",
                "Sends confirmation email to user with meeting link",
                "Clears rejection reason if any",
            ],
            "response_includes": {
                "jitsi_meet_url": "Generated Jitsi meeting URL",
                "jitsi_room_id": "Unique Jitsi room ID",
                "has_jitsi_meeting": "true",
            },
        },
    ),
    "/api/meetings/appointments/{}/reject": (
        "reject_appointment",
        {
            "description": "Reject an appointment request (Admin only)",
            "prerequisites": "Appointment must be in 'pending_review' status",
            "example_request": {"rejection_reason": "No availability for preferred dates"},
            "side_effects": [
                "Updates status to 'rejected'",
                "Clears Jitsi meeting information",
                "Sends rejection email to user",
                "Clears scheduled datetime if any",
            ],
        },
    ),
    "/api/meetings/appointments/{}/reschedule": (
        "reschedule_appointment",
        {
            "description": "Move a scheduled appointment to another time (Admin only)",
            "prerequisites": "Appointment must be in 'scheduled' status",
            "example_request": {
                "scheduled_datetime": "2024-01-16T14:00:00Z",
                "scheduled_duration": 60,
            },
            "side_effects": [
                "Keeps the same Jitsi meeting room",
                "Sends the user an email with the new time and a calendar update",
                "Reminders follow the new time",
            ],
        },
    ),
    "/api/meetings/appointments/{}/withdraw": (
        "withdraw_appointment",
        {
            "description": "Withdraw your own appointment request, pending or scheduled",
            "prerequisites": "Appointment must be in 'pending_review' or 'scheduled' status",
            "side_effects": [
                "Updates status to 'withdrawn'",
                "Cancels the Jitsi meeting and its reminders",
                "Sends a confirmation to the user (a calendar cancellation if it was "
                "scheduled) and a notice to the admins",
            ],
            "authentication": "Required (the user who asked)",
        },
    ),
    "/api/meetings/appointments/{}/claim": (
        "claim_appointment",
        {
            "description": "Add a request sent without signing in to your account, with the code "
            "from its acknowledgement mail",
            "example_request": {"code": "3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"},
            "side_effects": ["Links the request to your account (user_id)"],
            "authentication": "Required (the verified owner of the address it was sent from)",
        },
    ),
    "/api/meetings/appointments/{}/jitsi-meeting": (
        "jitsi_meeting_info",
        {
            "description": "Get Jitsi meeting information for a scheduled appointment",
            "prerequisites": "Appointment must be in 'scheduled' status",
            "response_fields": {
                "meeting_url": "Jitsi meeting URL",
                "room_id": "Jitsi room ID",
                "scheduled_time": "Formatted scheduled datetime",
                "duration": "Meeting duration display",
                "can_join": "Boolean indicating if meeting can be joined now",
                "meeting_status": "Current meeting status",
                "join_instructions": "Instructions for joining the meeting",
            },
        },
    ),
    "/api/meetings/appointments/stats": (
        "appointment_stats",
        {
            "description": "Get appointment statistics and analytics (Admin only)",
            "response_fields": {
                "total_requests": "Total number of appointment requests",
                "pending_review": "Number of pending review requests",
                "scheduled": "Number of scheduled appointments",
                "rejected": "Number of rejected requests",
                "completion_rate": "Percentage of requests that were scheduled",
            },
        },
    ),
}


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
    if require_staff in calls:
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


PROJECT_STRUCTURE = {
    # Seed 003 pointed at Django's admin site; this service's admin work is done over the API.
    "admin": "/api/admin/ - Admin endpoints (dashboard, users, bookings, reports)",
    "authentication": "/api/auth/ - User authentication and management",
    "appointments": "/api/meetings/ - Appointment booking system",
}
APPOINTMENT_WORKFLOWS = {
    "client_booking_flow": [
        "1. GET /api/meetings/appointments/available-dates/ - Check available dates",
        "2. POST /api/meetings/appointments/create/ - Submit appointment request",
        "3. GET /api/meetings/user/appointments/ - Track request status",
        "4. Receive email notification when scheduled/rejected",
    ],
    "admin_management_flow": [
        "1. PUT /api/meetings/admin/availability/ - Set weekly availability",
        "2. GET /api/meetings/appointments/ - Review pending requests",
        "3. POST /api/meetings/appointments/{id}/schedule/ - Schedule appointment OR",
        "4. POST /api/meetings/appointments/{id}/reject/ - Reject with reason",
        "5. GET /api/meetings/appointments/stats/ - Monitor performance",
    ],
    "status_lifecycle": [
        "pending_review → scheduled (with datetime)",
        "pending_review → rejected (with optional reason)",
        "scheduled → scheduled (moved to a new datetime by an admin)",
        "pending_review or scheduled → withdrawn (by the user who asked)",
    ],
}
AUTHENTICATION_FLOWS = {
    "registration_flow": [
        "1. POST /api/auth/register/ - Register user and send OTP",
        "2. POST /api/auth/verify-otp/ - Verify email with OTP",
        "3. POST /api/auth/login/ - Login with credentials",
    ],
    "password_reset_flow": [
        "1. POST /api/auth/forgot-password/ - Request password reset OTP",
        "2. POST /api/auth/verify-password-reset-otp/ - Verify OTP",
        "3. POST /api/auth/reset-password/ - Set new password",
    ],
}
QUICK_START = {
    "for_users": [
        "1. Register: POST /api/auth/register/",
        "2. Verify email: POST /api/auth/verify-otp/",
        "3. Login: POST /api/auth/login/",
        "4. Check availability: GET /api/meetings/appointments/available-dates/",
        "5. Book appointment: POST /api/meetings/appointments/create/",
    ],
    "for_admins": [
        "1. Login with an admin account: POST /api/auth/login/",
        "2. Set availability: PUT /api/meetings/admin/availability/",
        "3. Manage appointments: GET /api/meetings/appointments/",
        "4. Schedule/Reject: Use specific appointment endpoints",
    ],
}
DATA_SPECIFICATIONS = {
    "appointment": {
        "status_choices": [
            "pending_review - Initial state, awaiting admin action",
            "scheduled - Approved with specific date/time",
            "rejected - Not accepted, with optional reason",
            "withdrawn - Withdrawn by the user who asked",
        ],
        "time_slot_choices": [
            "morning - 9AM to 12PM",
            "afternoon - 1PM to 5PM",
            "evening - 6PM to 9PM",
        ],
        "preferred_dates_format": "YYYY-MM-DD (array of strings)",
        "encrypted_fields": [
            "first_name",
            "last_name",
            "email",
            "phone",
            "reason",
            "rejection_reason",
        ],
    },
    "availability": {
        "day_format": "0=Monday, 1=Tuesday, ..., 6=Sunday",
        "example": "[0, 1, 2, 3, 4] for Monday-Friday",
    },
}
AUTHENTICATION_NOTES = {
    "token_usage": "Include JWT token in Authorization header: Bearer <token>",
    "token_refresh": "Use refresh token to get new access token when expired",
    "permissions": {
        "public_endpoints": "No authentication required",
        "user_endpoints": "Valid JWT token required",
        "admin_endpoints": "Staff user with valid JWT token required",
    },
}


class ApiRoot(BaseModel):
    message: str = Field(examples=[API_MESSAGE])
    version: str = Field(description="The service's version.", examples=[__version__])
    base_url: str = Field(
        description="This API's root: under `ATTUNE_PUBLIC_URL` when it is set, else a path.",
        examples=["https://attune.example/api/"],
    )
    project_structure: dict[str, str] = Field(examples=[PROJECT_STRUCTURE])
    endpoints: dict[str, Any] = Field(
        description="Each group of endpoints and its endpoints: every operation the service "
        "serves, with its URL, methods, authentication and fields.",
    )
    appointment_workflows: dict[str, list[str]] = Field(examples=[APPOINTMENT_WORKFLOWS])
    authentication_flows: dict[str, list[str]] = Field(examples=[AUTHENTICATION_FLOWS])
    quick_start: dict[str, list[str]] = Field(examples=[QUICK_START])
    data_specifications: dict[str, Any] = Field(examples=[DATA_SPECIFICATIONS])
    authentication_notes: dict[str, Any] = Field(examples=[AUTHENTICATION_NOTES])


def api_root(app: FastAPI, settings: Settings) -> ApiRoot:
    """The catalogue, every URL under `ATTUNE_PUBLIC_URL` (or a path when it is unset)."""
    return ApiRoot(
        message=API_MESSAGE,
        version=__version__,
        base_url=f"{settings.public_url or ''}/api/",
        project_structure=PROJECT_STRUCTURE,
        endpoints=catalogue_endpoints(app, settings),
        appointment_workflows=APPOINTMENT_WORKFLOWS,
        authentication_flows=AUTHENTICATION_FLOWS,
        quick_start=QUICK_START,
        data_specifications=DATA_SPECIFICATIONS,
        authentication_notes=AUTHENTICATION_NOTES,
    )


@router.get(
    "/api",
    summary="API catalogue (seed 003)",
    description="Every operation of the service, grouped, with its URL, methods, "
    "authentication and fields, and seed 003's workflows and data formats. URLs start with "
    "`ATTUNE_PUBLIC_URL` when it is set; otherwise they are paths.",
)
async def get_api_root(request: Request, settings: AppSettings) -> ApiRoot:
    # The same for every request of a process: built once.
    cached: ApiRoot | None = getattr(request.app.state, "api_root", None)
    if cached is None:
        cached = api_root(request.app, settings)
        request.app.state.api_root = cached
    return cached
