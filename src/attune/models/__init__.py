"""Every ORM model, one module a table; importing this package registers them all."""

from attune.models.auth_session import AuthSession, RefreshToken, RevokedAccessToken
from attune.models.job import Job, JobStatus
from attune.models.otp_code import OtpCode, OtpPurpose
from attune.models.user import User

__all__ = [
    "AuthSession",
    "Job",
    "JobStatus",
    "OtpCode",
    "OtpPurpose",
    "RefreshToken",
    "RevokedAccessToken",
    "User",
]
