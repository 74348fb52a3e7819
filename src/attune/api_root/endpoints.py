"""`GET /api/`: the catalogue, with seed 003's workflows, quick start and data formats."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field

from attune import __version__
from attune.api_root.catalogue import catalogue_endpoints
from attune.platform.dependencies import AppSettings
from attune.platform.settings import Settings

router = APIRouter(tags=["api"])

API_MESSAGE = "Therapy Appointment API"

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
