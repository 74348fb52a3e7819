"""Every ORM model, one module a table; importing this package registers them all, the
platform's own tables (the audit log, the outbox's jobs) included."""

import attune.platform.audit
import attune.platform.job_model  # noqa: F401  (registers the outbox's table)
from attune.models.appointment_request import (
    AppointmentRequest,
    AppointmentStatus,
    TimeOfDay,
)
from attune.models.auth_session import AuthSession, RefreshToken, RevokedAccessToken
from attune.models.booking import SEAT_HOLDING, Booking, BookingStatus, PaymentStatus
from attune.models.otp_code import OtpCode, OtpPurpose
from attune.models.otp_throttle import OtpThrottle
from attune.models.payment import (
    IntentStatus,
    Payment,
    PaymentProvider,
    Refund,
    RefundStatus,
    WebhookEvent,
)
from attune.models.practice import (
    SESSION_DELIVERIES,
    Delivery,
    Service,
    Therapist,
    schedule_services,
    service_therapists,
)
from attune.models.schedule import Schedule
from attune.models.user import User
from attune.models.weekly_availability import DEFAULT_AVAILABLE_DAYS, WeeklyAvailability

__all__ = [
    "DEFAULT_AVAILABLE_DAYS",
    "SEAT_HOLDING",
    "SESSION_DELIVERIES",
    "AppointmentRequest",
    "AppointmentStatus",
    "AuthSession",
    "Booking",
    "BookingStatus",
    "Delivery",
    "IntentStatus",
    "OtpCode",
    "OtpPurpose",
    "OtpThrottle",
    "Payment",
    "PaymentProvider",
    "PaymentStatus",
    "RefreshToken",
    "Refund",
    "RefundStatus",
    "RevokedAccessToken",
    "Schedule",
    "Service",
    "Therapist",
    "TimeOfDay",
    "User",
    "WebhookEvent",
    "WeeklyAvailability",
    "schedule_services",
    "service_therapists",
]
