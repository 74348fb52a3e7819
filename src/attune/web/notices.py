"""A sentence a page shows at its top after a form sent the person there (`?notice=paid`).

The address names one of a fixed set of notices, so no link can make a page say anything else.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

PARAMETER = "notice"
NOTICES = {
    "booked": "Your session is booked. A confirmation is on its way to your email.",
    "paid": "Thank you: your payment is received and your session is paid.",
    "paid-demo": "Demo payment made: no card was charged, and your session is marked paid.",
    "cancelled": "Your booking is cancelled.",
    "moved": "Your booking has been moved.",
    "availability-saved": "Availability saved. The request form offers these days from now on.",
    "slot-added": "The slot is added.",
    "slot-closed": "The slot is closed: it takes no new bookings, and keeps those it has.",
    "slot-reopened": "The slot is open for bookings again.",
    "slot-removed": "The slot is removed.",
    "slots-generated": "The timetable's slots are made: they are in the calendar.",
    # The account pages. Those about a mailed code read the same whether or not the address has
    # an account, as the API's answers do.
    "registered": "Your account is ready. Sign in to book.",
    "unverified": "Your e-mail address is not verified yet. Enter the code we mailed you, "
    "or ask for a new one.",
    "code-sent": "If this address has an account that still needs verifying, a new code is "
    "on its way.",
    "verified": "Your e-mail address is verified. Sign in to go on.",
    "reset-code-sent": "If this address has an account, a code to reset its password is on "
    "its way.",
    "password-reset": "Your password is changed, and every sign-in to your account has ended. "
    "Sign in with the new password.",
    "profile-saved": "Your profile is saved.",
    "invitation-accepted": "Your password is set. Sign in with it to go on.",
    # The owner's staff and services pages.
    "staff-invited": "The invitation is sent.",
    "staff-saved": "The changes are saved.",
    "service-added": "The service is added.",
    "service-saved": "The service is saved.",
    "service-deleted": "The service is deleted.",
    "service-retired": "The service is no longer offered: bookings, requests or slots name it, "
    "so it is kept for them.",
    "password-changed": "Your password is changed. You are still signed in here; every other "
    "sign-in to your account has ended.",
}


def notice_of(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get(PARAMETER, ""))


def with_notice(path: str, notice: str, **query: str) -> str:
    """`path` with a notice to show there (and the other `query` values the page reads)."""
    if notice not in NOTICES:
        raise ValueError(f"no notice {notice!r}")
    return f"{path}?{urlencode({**query, PARAMETER: notice})}"
