from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from attune.platform.database import Base


class OtpThrottle(Base):
    """What one e-mail address has used, for one purpose, of its allowance of one-time codes.

    Kept for every address asked about, with or without an account, so that the limits answer
    the same for both; the address is stored only as a keyed hash (see accounts/throttle.py).
    """

    __tablename__ = "otp_throttles"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_requested_at: Mapped[datetime | None]
    # Wrong codes tried since failure_window_started_at; reaching the limit locks the address.
    failures: Mapped[int] = mapped_column(default=0)
    failure_window_started_at: Mapped[datetime | None]
    # How many locks in a row so far: each lasts twice as long as the one before.
    lockouts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]
