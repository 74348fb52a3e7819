from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.database import Base

# Monday to Friday until the practice says otherwise (seed 003's example).
DEFAULT_AVAILABLE_DAYS = [0, 1, 2, 3, 4]


class WeeklyAvailability(Timestamped, Base):
    """The weekdays on which the practice takes appointment requests (seed 003).

    One row (id 1) for the practice; weekdays are 0 = Monday … 6 = Sunday, kept sorted.
    """

    __tablename__ = "weekly_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    available_days: Mapped[list[int]] = mapped_column(JSON, default=list)
