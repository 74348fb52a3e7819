"""What can go wrong with the practice's therapists, staff and services."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, NotFound


class StaffMemberNotFound(NotFound):
    error = "Staff member not found"
    details = "GET /api/admin/therapists lists the practice's members."


class ServiceNotFound(NotFound):
    error = "Service not found"
    details = "GET /api/admin/services lists the practice's services."


class UnknownTherapist(BadRequest):
    error = "Unknown therapist"
    details = "Name therapists by the ids GET /api/admin/therapists lists."


class NotATherapist(BadRequest):
    error = "This member has no therapist's profile"
    details = "Send `therapist: true` to give them a calendar and a profile first."


class EmptyChange(BadRequest):
    error = "Nothing to change"
    details = "Send at least one field to change."


class LastOwner(Conflict):
    error = "The practice needs an active owner"
    details = "Make another member an owner before demoting or deactivating the last one."
