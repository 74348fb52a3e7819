"""A service's terms as they apply: its own where it sets them, else the practice's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from attune.models import Service
from attune.platform.settings import Settings


@dataclass(frozen=True)
class ServiceTerms:
    service_id: int
    name: str
    delivery: str
    duration_minutes: int
    price_cents: int
    """For `duration_minutes`; another length is charged pro rata."""
    seats: int
    booking_notice: timedelta
    buffer: timedelta
    cancel_notice_hours: int
    reschedule_notice_hours: int

    def price_for(self, minutes: int) -> int:
        """The price of a session of this length: pro rata, rounded half up."""
        return (self.price_cents * minutes * 2 + self.duration_minutes) // (
            2 * self.duration_minutes
        )


def _either(own: int | None, practice: int) -> int:
    return practice if own is None else own


def terms_of(service: Service, settings: Settings) -> ServiceTerms:
    return ServiceTerms(
        service_id=service.id,
        name=service.name,
        delivery=service.delivery,
        duration_minutes=service.duration_minutes,
        price_cents=_either(
            service.price_cents, settings.session_price_cents * service.duration_minutes // 60
        ),
        seats=_either(service.seats, 1),
        booking_notice=timedelta(
            hours=_either(service.booking_notice_hours, settings.booking_notice_hours)
        ),
        buffer=timedelta(minutes=_either(service.buffer_minutes, settings.buffer_minutes)),
        cancel_notice_hours=_either(service.cancel_notice_hours, settings.cancel_notice_hours),
        reschedule_notice_hours=_either(
            service.reschedule_notice_hours, settings.reschedule_notice_hours
        ),
    )
