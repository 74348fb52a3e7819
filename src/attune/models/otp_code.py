from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from attune.platform.database import Base, utcnow


class OtpPurpose(StrEnum):
    registration = "registration"
    password_reset = "password_reset"
    # A staff invitation's link (accounts/invitations.py): a long random token, not six digits.
    invitation = "invitation"


class OtpCode(Base):
    """A one-time code sent by mail; only its keyed hash is stored."""

    __tablename__ = "otp_codes"
    __table_args__ = (Index("ix_otp_codes_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[OtpPurpose] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # A password-reset code is checked once by verify-password-reset-otp (verified_at) and
    # spent by reset-password (consumed_at).
    verified_at: Mapped[datetime | None]
    consumed_at: Mapped[datetime | None]
