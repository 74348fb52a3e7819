"""Columns that many tables share."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from attune.platform.database import utcnow


def new_calendar_uid() -> str:
    """An event's UID for every calendar (RFC 5545), in the random UUID form RFC 7986 §5.3
    recommends: no other installation's event, nor one made after restoring an older backup,
    shares it, and no setting changes it."""
    return str(uuid.uuid4())


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
