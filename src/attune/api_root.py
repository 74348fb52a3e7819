"""`GET /api/`: seed 003's catalogue of the API, every URL absolute and built from the request.

Seed 003 advertised its meetings endpoints at a fixed `http://127.0.0.1:8000` (NOTES.md §4,
gap 12); here every URL starts with the address the client used to reach the service. Behind a
reverse proxy that the operator trusts (`ATTUNE_TRUSTED_PROXIES`, the same setting the client
address is resolved by), the proxy's `X-Forwarded-Proto` and `X-Forwarded-Host` name that
address; from anyone else those headers are ignored, so a client cannot make the service
advertise another host.

The content is the seed's, with its Django-only parts (the `/admin/` site, the unauthenticated
lookup by e-mail) replaced by what this service offers instead.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from attune.platform.dependencies import AppSettings
from attune.platform.settings import Settings

router = APIRouter(tags=["api"])

API_MESSAGE = "Therapy Appointment API"
# The version of seed 003's contract that this catalogue describes, not of the service.
CONTRACT_VERSION = "1.0.0"
FORWARDED_SCHEMES = frozenset({"http", "https"})
# A host name or an IP literal, with an optional port: nothing that could end the authority.
_FORWARDED_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?",
    re.ASCII,
)


def _from_trusted_proxy(request: Request, settings: Settings) -> bool:
    peer = request.scope.get("client")
    if not peer or not peer[0]:
        return False
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:
        return False
    return any(address in network for network in settings.trusted_proxy_networks)


def _nearest_forwarded(request: Request, name: str) -> str | None:
    """The value the nearest proxy added: the last entry, across repeated headers."""
    entries = [
        entry.strip() for value in request.headers.getlist(name) for entry in value.split(",")
    ]
    return entries[-1] if entries and entries[-1] else None


def public_base_url(request: Request, settings: Settings) -> str:
    """`scheme://host[:port]` (and the mount path, if any) as the client reached the service,
    without a trailing slash."""
    base = request.base_url
    if _from_trusted_proxy(request, settings):
        scheme = (_nearest_forwarded(request, "x-forwarded-proto") or "").lower()
        if scheme in FORWARDED_SCHEMES:
            base = base.replace(scheme=scheme)
        host = _nearest_forwarded(request, "x-forwarded-host")
        if host and _FORWARDED_HOST.fullmatch(host):
            base = base.replace(netloc=host)
    return str(base).rstrip("/")


def _authentication(url: str) -> dict[str, Any]:
    return {
        "description": "User authentication and management endpoints",
        "base_path": "/api/auth/",
        "endpoints": {
            "register": {
                "description": "Register a new user and send verification OTP",
                "url": f"{url}/api/auth/register/",
                "methods": ["POST"],
                "required_fields": ["email", "first_name", "last_name", "password", "password2"],
                "example_request": {
                    "email": "user@example.com",
                    "first_name": "John",
                    "last_name": "Doe",
                    "phone_number": "+1234567890",
                    "password": "SecurePassword123",
                    "password2": "SecurePassword123",
                },
            },
            "verify_otp": {
                "description": "Verify email address using OTP",
                "url": f"{url}/api/auth/verify-otp/",
                "methods": ["POST"],
                "required_fields": ["email", "otp"],
                "example_request": {"email": "user@example.com", "otp": "123456"},
            },
            "login": {
                "description": "Authenticate user and return JWT tokens",
                "url": f"{url}/api/auth/login/",
                "methods": ["POST"],
                "required_fields": ["email", "password"],
                "example_request": {"email": "user@example.com", "password": "SecurePassword123"},
            },
            "resend_otp": {
                "description": "Resend OTP for email verification or password reset",
                "url": f"{url}/api/auth/resend-otp/",
                "methods": ["POST"],
                "required_fields": ["email"],
                "optional_fields": ["context (registration/password_reset)"],
                "example_request": {"email": "user@example.com", "context": "registration"},
            },
            "forgot_password": {
                "description": "Initiate password reset process",
                "url": f"{url}/api/auth/forgot-password/",
                "methods": ["POST"],
                "required_fields": ["email"],
                "example_request": {"email": "user@example.com"},
            },
            "verify_password_reset_otp": {
                "description": "Verify OTP for password reset",
                "url": f"{url}/api/auth/verify-password-reset-otp/",
                "methods": ["POST"],
                "required_fields": ["email", "otp"],
                "example_request": {"email": "user@example.com", "otp": "123456"},
            },
            "reset_password": {
                "description": "Reset password after OTP verification",
                "url": f"{url}/api/auth/reset-password/",
                "methods": ["POST"],
                "required_fields": ["email", "otp", "new_password", "confirm_password"],
                "example_request": {
                    "email": "user@example.com",
                    "otp": "123456",
                    "new_password": "NewSecurePassword123",
                    "confirm_password": "NewSecurePassword123",
                },
            },
            "token_refresh": {
                "description": "Refresh access token using refresh token",
                "url": f"{url}/api/auth/token/refresh/",
                "methods": ["POST"],
                "required_fields": ["refresh"],
                "example_request": {"refresh": "your_refresh_token_here"},
            },
            # Beyond seed 003: the profile and logout of seed 000, on the same accounts.
            "profile": {
                "description": "Read or update the authenticated user's profile",
                "url": f"{url}/api/auth/profile/",
                "methods": ["GET", "PUT"],
                "authentication": "Required",
                "optional_fields": [
                    "first_name",
                    "last_name",
                    "phone_number",
                    "location",
                    "date_of_birth",
                ],
                "example_request": {"first_name": "John", "phone_number": "+1234567890"},
                "validation": "The e-mail address cannot be changed here",
            },
            "logout": {
                "description": "End the login: the access token and its refresh tokens stop "
                "working",
                "url": f"{url}/api/auth/logout/",
                "methods": ["POST"],
                "authentication": "Required",
                "optional_fields": ["refresh"],
                "example_request": {"refresh": "your_refresh_token_here"},
            },
        },
    }


def _appointments(url: str) -> dict[str, Any]:
    meetings = f"{url}/api/meetings"
    return {
        "description": "Appointment request and management system with Jitsi video meetings",
        "base_path": "/api/meetings/",
        "endpoints": {
            "admin_availability": {
                "description": "Get or update admin weekly availability (Admin only)",
                "url": f"{meetings}/admin/availability/",
                "methods": ["GET", "PUT", "PATCH"],
                "authentication": "Required (Staff users only)",
                "response_fields": {
                    "available_days": "List of weekday numbers (0-6) when appointments are "
                    "accepted",
                    "available_days_display": "Human-readable day names",
                },
                "example_request": {"available_days": [0, 1, 2, 3, 4]},
            },
            "available_dates": {
                "description": "Get available appointment dates for the next 30 days (Public)",
                "url": f"{meetings}/appointments/available-dates/",
                "methods": ["GET"],
                "authentication": "None required",
                "response": "List of available dates in YYYY-MM-DD format",
            },
            "create_appointment": {
                "description": "Create a new appointment request (Public)",
                "url": f"{meetings}/appointments/create/",
                "methods": ["POST"],
                "authentication": "None required",
                "required_fields": [
                    "first_name",
                    "last_name",
                    "email",
                    "preferred_dates",
                    "preferred_time_slots",
                ],
                "optional_fields": ["phone", "reason"],
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
            "list_appointments": {
                "description": "List appointment requests (Admin sees all, users see their own)",
                "url": f"{meetings}/appointments/",
                "methods": ["GET"],
                "authentication": "Required",
                "query_parameters": {
                    # Seed 003 offered a lookup by e-mail without a token (NOTES.md §4, gap 6).
                    "email": "Admins only: requests sent from this e-mail address; users "
                    "always see their own, and without a JWT the list is refused",
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
            "appointment_detail": {
                "description": "Get detailed information about a specific appointment",
                "url": f"{meetings}/appointments/<uuid:pk>/",
                "methods": ["GET"],
                "authentication": "Required",
                "url_parameter": "pk (UUID of the appointment)",
                "response_includes": "Jitsi meeting information for scheduled appointments",
            },
            "user_appointments": {
                "description": "Get appointments for the authenticated user",
                "url": f"{meetings}/user/appointments/",
                "methods": ["GET"],
                "authentication": "Required",
                "response": "List of user's appointment requests with Jitsi meeting details",
            },
            "schedule_appointment": {
                "description": "Schedule an appointment and automatically create Jitsi meeting "
                "(Admin only)",
                "url": f"{meetings}/appointments/<uuid:pk>/schedule/",
                "methods": ["POST"],
                "authentication": "Required (Staff users only)",
                "required_fields": ["scheduled_datetime"],
                "optional_fields": ["scheduled_duration"],
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
            "reject_appointment": {
                "description": "Reject an appointment request (Admin only)",
                "url": f"{meetings}/appointments/<uuid:pk>/reject/",
                "methods": ["POST"],
                "authentication": "Required (Staff users only)",
                "optional_fields": ["rejection_reason"],
                "prerequisites": "Appointment must be in 'pending_review' status",
                "example_request": {"rejection_reason": "No availability for preferred dates"},
                "side_effects": [
                    "Updates status to 'rejected'",
                    "Clears Jitsi meeting information",
                    "Sends rejection email to user",
                    "Clears scheduled datetime if any",
                ],
            },
            # Beyond seed 003, which could neither move nor cancel a scheduled appointment.
            "reschedule_appointment": {
                "description": "Move a scheduled appointment to another time (Admin only)",
                "url": f"{meetings}/appointments/<uuid:pk>/reschedule/",
                "methods": ["POST"],
                "authentication": "Required (Staff users only)",
                "required_fields": ["scheduled_datetime"],
                "optional_fields": ["scheduled_duration"],
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
            "withdraw_appointment": {
                "description": "Withdraw your own appointment request, pending or scheduled",
                "url": f"{meetings}/appointments/<uuid:pk>/withdraw/",
                "methods": ["POST"],
                "authentication": "Required (the user who asked)",
                "prerequisites": "Appointment must be in 'pending_review' or 'scheduled' status",
                "side_effects": [
                    "Updates status to 'withdrawn'",
                    "Cancels the Jitsi meeting and its reminders",
                    "Sends a confirmation to the user (a calendar cancellation if it was "
                    "scheduled) and a notice to the admins",
                ],
            },
            "claim_appointment": {
                "description": "Add a request sent without signing in to your account, with "
                "the code from its acknowledgement mail",
                "url": f"{meetings}/appointments/<uuid:pk>/claim/",
                "methods": ["POST"],
                "authentication": "Required (the verified owner of the address it was sent from)",
                "required_fields": ["code"],
                "example_request": {"code": "3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"},
                "side_effects": ["Links the request to your account (user_id)"],
            },
            "jitsi_meeting_info": {
                "description": "Get Jitsi meeting information for a scheduled appointment",
                "url": f"{meetings}/appointments/<uuid:pk>/jitsi-meeting/",
                "methods": ["GET"],
                "authentication": "Required",
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
            "appointment_stats": {
                "description": "Get appointment statistics and analytics (Admin only)",
                "url": f"{meetings}/appointments/stats/",
                "methods": ["GET"],
                "authentication": "Required (Staff users only)",
                "response_fields": {
                    "total_requests": "Total number of appointment requests",
                    "pending_review": "Number of pending review requests",
                    "scheduled": "Number of scheduled appointments",
                    "rejected": "Number of rejected requests",
                    "completion_rate": "Percentage of requests that were scheduled",
                },
            },
        },
        "jitsi_integration": {
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
        },
    }


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
    version: str = Field(examples=[CONTRACT_VERSION])
    base_url: str = Field(
        description="This API's root as the client reached it.",
        examples=["https://attune.example/api/"],
    )
    project_structure: dict[str, str] = Field(examples=[PROJECT_STRUCTURE])
    endpoints: dict[str, Any] = Field(
        description="Each endpoint group and its endpoints, with absolute URLs.",
        examples=[{"authentication": _authentication("https://attune.example")}],
    )
    appointment_workflows: dict[str, list[str]] = Field(examples=[APPOINTMENT_WORKFLOWS])
    authentication_flows: dict[str, list[str]] = Field(examples=[AUTHENTICATION_FLOWS])
    quick_start: dict[str, list[str]] = Field(examples=[QUICK_START])
    data_specifications: dict[str, Any] = Field(examples=[DATA_SPECIFICATIONS])
    authentication_notes: dict[str, Any] = Field(examples=[AUTHENTICATION_NOTES])


def api_root(base: str) -> ApiRoot:
    """The catalogue with every URL under `base` (`scheme://host`, no trailing slash)."""
    return ApiRoot(
        message=API_MESSAGE,
        version=CONTRACT_VERSION,
        base_url=f"{base}/api/",
        project_structure=PROJECT_STRUCTURE,
        endpoints={"authentication": _authentication(base), "appointments": _appointments(base)},
        appointment_workflows=APPOINTMENT_WORKFLOWS,
        authentication_flows=AUTHENTICATION_FLOWS,
        quick_start=QUICK_START,
        data_specifications=DATA_SPECIFICATIONS,
        authentication_notes=AUTHENTICATION_NOTES,
    )


@router.get(
    "/api",
    summary="API catalogue (seed 003)",
    description="Every seed 003 endpoint with its absolute URL, workflows and data formats. "
    "URLs start with the scheme and host the client used; behind a trusted proxy "
    "(`ATTUNE_TRUSTED_PROXIES`) with the ones in its `X-Forwarded-Proto` and "
    "`X-Forwarded-Host`.",
)
async def get_api_root(request: Request, settings: AppSettings) -> ApiRoot:
    return api_root(public_base_url(request, settings))
