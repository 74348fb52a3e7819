from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, true
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.database import Base


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised (trimmed, lower case) before it is stored: one address, one account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    # An admin's own choice to be mailed when a client books, pays, moves or cancels
    # (attune.bookings.practice_notices); a client is never mailed these.
    booking_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None
