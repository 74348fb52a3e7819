"""What can go wrong with an appointment request, mapped to HTTP by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, Forbidden, NotFound


class InvalidAppointmentRequest(BadRequest):
    """Input that passes the schema but breaks a rule of the practice (dates, weekdays)."""


class AppointmentNotFound(NotFound):
    error = "Appointment request not found"


class AppointmentNotPending(Conflict):
    error = "This appointment request is no longer pending review"


class AppointmentNotScheduled(Conflict):
    error = "This appointment request is not scheduled"


class AppointmentCannotBeWithdrawn(Conflict):
    error = "Only a pending or scheduled appointment request can be withdrawn"


class AppointmentOverlap(Conflict):
    error = "This time overlaps another appointment or a slot"


class AppointmentInPast(BadRequest):
    error = "The scheduled time must be in the future"


class ClaimByAddressOwnerOnly(Forbidden):
    error = "Sign in with the address this appointment request was sent from"


class RequestClaimedByAnother(Conflict):
    error = "This appointment request already belongs to another account"


class WithdrawalByOwnerOnly(Forbidden):
    error = "Only the person who asked can withdraw an appointment request"
