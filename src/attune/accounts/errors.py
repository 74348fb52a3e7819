"""What can go wrong with an account, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, Forbidden, TooManyRequests, Unauthorized


class EmailTaken(Conflict):
    error = "An account with this e-mail already exists"


class InvalidEmail(BadRequest):
    error = "Invalid e-mail address"


class WeakPassword(BadRequest):
    error = "Password does not meet the requirements"


class PasswordMismatch(BadRequest):
    error = "Passwords do not match"


class InvalidDateOfBirth(BadRequest):
    error = "Date of birth cannot be in the future"


class BookingNoticesForAdminsOnly(BadRequest):
    error = "Only the practice's admins get booking notices"


class InvalidCredentials(Unauthorized):
    error = "Invalid email or password"


class EmailNotVerified(Forbidden):
    error = "Email address not verified"


class InvalidOtp(BadRequest):
    # One message for a wrong, expired, spent or burnt code and for an unknown e-mail, so the
    # answer never tells whether an account exists.
    error = "Invalid or expired OTP"


class CodeRequestedTooSoon(TooManyRequests):
    # Said the same whether or not the address has an account (see accounts/throttle.py).
    error = "A new code was asked for this address moments ago"


class TooManyWrongCodes(TooManyRequests):
    error = "Too many wrong codes for this address"


class InvalidToken(Unauthorized):
    """An access token that is missing, malformed, expired, forged or revoked."""


class InvalidRefreshToken(Unauthorized):
    error = "Token is invalid or expired"


class AdminRequired(Forbidden):
    error = "Admin access required"
