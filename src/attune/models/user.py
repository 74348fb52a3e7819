from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, String, false, true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.actor import STAFF_ROLES, Role
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
    # What the account is to the practice (platform.actor.Role): a client, or a member of
    # staff (owner, therapist, front desk). Only platform.policy reads it.
    role: Mapped[Role] = mapped_column(String(16), default=Role.client, server_default="client")
    # A front-desk account the owner has allowed to refund (owners always may).
    may_refund: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    # An admin's own choice to be mailed when a client books, pays, moves or cancels
    # (attune.bookings.practice_notices); a client is never mailed these.
    booking_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())

    @hybrid_property
    def is_admin(self) -> bool:
        """The seeds' one bit: a member of the practice. Setting it makes an owner (as the
        seeds' admin was) or a client."""
        return self.role in STAFF_ROLES

    @is_admin.inplace.setter
    def _is_admin_setter(self, value: bool) -> None:
        self.role = Role.owner if value else Role.client

    @is_admin.inplace.expression
    @classmethod
    def _is_admin_expression(cls) -> ColumnElement[bool]:
        return cls.role.in_([role.value for role in STAFF_ROLES])

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None
