"""Seed 003's own texts for the catalogue's groups and endpoints (`GET /api/`), keyed by the
route's path with its parameters written `{}`; what is computed (URL, methods, authentication,
fields) comes from the routes (attune.api_root.catalogue)."""

from __future__ import annotations

from typing import Any

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
