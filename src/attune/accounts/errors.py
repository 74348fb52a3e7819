"""What can go wrong with an account, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, TooManyRequests, Unauthorized


class EmailTaken(Conflict):
    error = "An account with this e-mail already exists"
    details = "Log in instead; POST /api/auth/forgot-password resets a forgotten password."


class InvalidEmail(BadRequest):
    error = "Invalid e-mail address"
    details = "Enter an e-mail address such as name@example.com."


class WeakPassword(BadRequest):
    error = "Password does not meet the requirements"
    details = "Choose a longer password that is not a common one and not like your name or e-mail."


class PasswordMismatch(BadRequest):
    error = "Passwords do not match"
    details = "Type the same password in both fields."


class InvalidDateOfBirth(BadRequest):
    error = "Date of birth cannot be in the future"
    details = "Enter the date of birth as YYYY-MM-DD, today or earlier."


class BookingNoticesForAdminsOnly(BadRequest):
    error = "Only the practice's admins get booking notices"


class InvalidCredentials(Unauthorized):
    error = "Invalid email or password"
    details = "Check both; POST /api/auth/forgot-password resets a forgotten password."


class InvalidOtp(BadRequest):
    # One message for a wrong, expired, spent or burnt code and for an unknown e-mail, so the
    # answer never tells whether an account exists.
    error = "Invalid or expired OTP"
    details = "Check the code, or ask for a new one."


class CodeRequestedTooSoon(TooManyRequests):
    # Said the same whether or not the address has an account (see accounts/throttle.py).
    error = "A new code was asked for this address moments ago"
    details = "Use the code in the last e-mail, or wait as long as Retry-After says."


class TooManyWrongCodes(TooManyRequests):
    error = "Too many wrong codes for this address"
    details = "Wait as long as Retry-After says, then try again."


class InvalidRefreshToken(Unauthorized):
    error = "Token is invalid or expired"
    details = "Log in again to get a new refresh token."


class WrongCurrentPassword(BadRequest):
    error = "Current password is incorrect"
    details = "Type the password you sign in with now."


class InvalidInvitation(BadRequest):
    error = "Invalid or expired invitation"
    details = "Ask the practice for a new invitation; each link works once, for 7 days."


class AlreadyStaff(Conflict):
    error = "This person is already a member of the practice"
    details = "Change their role on their therapist entry instead of inviting them again."
