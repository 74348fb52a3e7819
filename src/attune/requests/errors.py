"""What can go wrong with an appointment request, mapped to HTTP by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, Forbidden, NotFound


class InvalidAppointmentRequest(BadRequest):
    """Input that passes the schema but breaks a rule of the practice (dates, weekdays)."""

    details = "Check the preferred dates and times of day."


class AppointmentNotFound(NotFound):
    error = "Appointment request not found"
    details = "No appointment request with this id is visible to you."


class AppointmentNotPending(Conflict):
    error = "This appointment request is no longer pending review"
    details = "It has already been scheduled, rejected or withdrawn."


class AppointmentNotScheduled(Conflict):
    error = "This appointment request is not scheduled"
    details = "Only a scheduled appointment request has a meeting."


class AppointmentCannotBeWithdrawn(Conflict):
    error = "Only a pending or scheduled appointment request can be withdrawn"
    details = "It has already been rejected or withdrawn."


class AppointmentOverlap(Conflict):
    error = "This time overlaps another appointment or a slot"
    details = "Choose a time when the therapist is free."


class AppointmentInPast(BadRequest):
    error = "The scheduled time must be in the future"
    details = "Choose a time after now."


class ClaimByAddressOwnerOnly(Forbidden):
    error = "Sign in with the address this appointment request was sent from"


class RequestClaimedByAnother(Conflict):
    error = "This appointment request already belongs to another account"


class WithdrawalByOwnerOnly(Forbidden):
    error = "Only the person who asked can withdraw an appointment request"
    details = "Only the person who sent the request can withdraw it."


class OwnCalendarOnly(Forbidden):
    error = "You may give appointments only on your own calendar"
    details = "Leave therapist_id out, or name yourself."
