"""Request and response bodies of the slot endpoints, in seed 000's "Schedule" shape.

Times are read strictly (attune.platform.fields): an instant is RFC 3339 text with an offset, a
date is `YYYY-MM-DD` and a time of day `HH:MM`. A naive time or a Unix number is refused rather
than guessed, because either would put a slot at an hour the therapist did not mean.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)
from pydantic_core import PydanticCustomError

from attune.platform.fields import CalendarDate, Id, Instant, Text, WallTime, whole_number
from attune.scheduling.views import Skipped, SlotView

MAX_CAPACITY = 100
MAX_RANGE_DAYS = 366
MIN_SESSION_MINUTES = 5
MAX_SESSION_MINUTES = 480
MAX_BREAK_MINUTES = 240
DEFAULT_SESSION_MINUTES = 60


def _unique(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("unique_weekdays", "must not repeat a weekday")
    return values


Capacity = Annotated[int, Field(ge=1, le=MAX_CAPACITY, examples=[1]), BeforeValidator(whole_number)]
Weekday = Annotated[int, Field(ge=0, le=6), BeforeValidator(whole_number)]
SessionMinutes = Annotated[
    int, Field(ge=MIN_SESSION_MINUTES, le=MAX_SESSION_MINUTES), BeforeValidator(whole_number)
]
ServiceIds = Annotated[list[Id], AfterValidator(_unique), Field(min_length=1, max_length=20)]
Location = Annotated[Text, Field(min_length=1, max_length=200)]
BreakMinutes = Annotated[int, Field(ge=0, le=MAX_BREAK_MINUTES), BeforeValidator(whole_number)]


# How and where a new slot's sessions are held: the same fields for one slot and a timetable.
SlotDelivery = Annotated[
    Literal["video", "in_person"],
    Field(
        description="How its sessions are held: by video (a room each) or in person. Every "
        "service of the slot must offer it.",
        examples=["video"],
    ),
]
SlotLocation = Annotated[
    Location | None,
    Field(
        description="In person, where: a room or an address. Default: the practice's address.",
        examples=["Room 2, 12 High Street"],
    ),
]


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start_time: Instant
    end_time: Instant
    max_bookings: Capacity | None = Field(
        default=None,
        description="Seats. Default: the seats of its services (1, or a group service's).",
        examples=[1],
    )
    is_available: StrictBool = True
    therapist_id: Id | None = Field(
        default=None,
        description="Whose time it is. Default: the caller when they are a therapist, or the "
        "practice's only therapist.",
        examples=[1],
    )
    service_ids: ServiceIds | None = Field(
        default=None,
        description="The services the slot offers. Default: every service of its therapist.",
        examples=[[1]],
    )
    delivery: SlotDelivery = "video"
    location: SlotLocation = None


class ScheduleUpdate(BaseModel):
    """The fields to change; a field left out (or null) keeps its value."""

    model_config = ConfigDict(extra="ignore")

    start_time: Instant | None = None
    end_time: Instant | None = None
    max_bookings: Capacity | None = None
    is_available: StrictBool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ScheduleUpdate:
        fields = (self.start_time, self.end_time, self.max_bookings, self.is_available)
        if all(value is None for value in fields):
            raise PydanticCustomError(
                "nothing_to_change",
                "send at least one of start_time, end_time, max_bookings, is_available",
            )
        return self


class ScheduleGenerate(BaseModel):
    """Weekly slots: on each of `weekdays` between the dates, from `start_time` to `end_time`.

    Times of day and dates are the practice's (its time zone), so a slot starts at the same
    local time all year, on either side of a daylight-saving change.
    """

    model_config = ConfigDict(extra="ignore")

    weekdays: Annotated[list[Weekday], AfterValidator(_unique)] = Field(
        min_length=1, max_length=7, description="0 = Monday … 6 = Sunday.", examples=[[0, 2, 4]]
    )
    start_time: WallTime
    end_time: WallTime
    session_minutes: SessionMinutes | None = Field(
        default=None,
        description="Default: the length of the services when they share one, else 60.",
        examples=[60],
    )
    break_minutes: BreakMinutes = Field(default=0, examples=[10])
    start_date: CalendarDate
    end_date: CalendarDate
    max_bookings: Capacity | None = Field(
        default=None,
        description="Seats of each slot. Default: the seats of its services.",
        examples=[1],
    )
    is_available: StrictBool = True
    therapist_id: Id | None = Field(
        default=None,
        description="Whose timetable it is. Default: the caller when they are a therapist, or "
        "the practice's only therapist.",
        examples=[1],
    )
    service_ids: ServiceIds | None = Field(
        default=None,
        description="The services the slots offer. Default: every service of the therapist.",
        examples=[[1]],
    )
    delivery: SlotDelivery = "video"
    location: SlotLocation = None

    @property
    def minutes(self) -> int:
        """The session length; generate fills in the services' when none is sent."""
        return self.session_minutes or DEFAULT_SESSION_MINUTES

    @model_validator(mode="after")
    def _ranges(self) -> ScheduleGenerate:
        if self.end_time <= self.start_time:
            raise PydanticCustomError("wall_times", "end_time must be after start_time")
        if self.end_date < self.start_date:
            raise PydanticCustomError("date_range", "end_date must not be before start_date")
        if (self.end_date - self.start_date).days + 1 > MAX_RANGE_DAYS:
            raise PydanticCustomError("date_range", f"the dates span at most {MAX_RANGE_DAYS} days")
        return self


class ServiceRef(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["Session"])


class _Offered(BaseModel):
    """Whose time a slot is, what it offers and how it is held."""

    therapist_id: int = Field(examples=[1])
    therapist: str = Field(description="The therapist's name.", examples=["Theo Kline"])
    services: list[ServiceRef] = Field(
        description="The services the slot offers; a booking names one when there are several."
    )
    delivery: str = Field(description="`video` or `in_person`.", examples=["video"])
    location: str | None = Field(
        default=None,
        description="Where an in-person session is held; null: the practice's address.",
        examples=[None],
    )


class SlotRead(_Offered):
    """A slot in the public day view: `is_available` means it can be booked now."""

    id: int = Field(examples=[1])
    start_time: datetime = Field(examples=["2024-12-15T10:00:00Z"])
    end_time: datetime = Field(examples=["2024-12-15T11:00:00Z"])
    is_available: bool = Field(
        description="Open, not full and not started: a booking can be made.", examples=[True]
    )
    max_bookings: int = Field(examples=[1])
    booked_count: int = Field(examples=[0])
    remaining_slots: int = Field(examples=[1])


class ScheduleRead(_Offered):
    """A slot as the practice manages it: `is_available` is whether the practice opened it."""

    id: int = Field(examples=[1])
    start_time: datetime = Field(examples=["2024-12-15T10:00:00Z"])
    end_time: datetime = Field(examples=["2024-12-15T11:00:00Z"])
    is_available: bool = Field(examples=[True])
    max_bookings: int = Field(examples=[1])
    booked_count: int = Field(examples=[0])
    remaining_slots: int = Field(examples=[1])
    created_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])
    updated_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])


def _offered(slot: SlotView) -> dict[str, Any]:
    return {
        "therapist_id": slot.therapist_id,
        "therapist": slot.therapist_name,
        "services": [ServiceRef(id=one.id, name=one.name) for one in slot.services],
        "delivery": slot.delivery,
        "location": slot.location,
    }


def slot_read(slot: SlotView) -> SlotRead:
    return SlotRead(
        id=slot.id,
        start_time=slot.start_at,
        end_time=slot.end_at,
        is_available=slot.bookable,
        max_bookings=slot.max_bookings,
        booked_count=slot.booked_count,
        remaining_slots=slot.remaining,
        **_offered(slot),
    )


def schedule_read(slot: SlotView) -> ScheduleRead:
    return ScheduleRead(
        id=slot.id,
        start_time=slot.start_at,
        end_time=slot.end_at,
        is_available=slot.is_open,
        max_bookings=slot.max_bookings,
        booked_count=slot.booked_count,
        remaining_slots=slot.remaining,
        created_at=slot.created_at,
        updated_at=slot.updated_at,
        **_offered(slot),
    )


class DaySlots(BaseModel):
    day: date = Field(serialization_alias="date", examples=["2024-12-15"])
    slots: list[SlotRead]


class ScheduleSaved(BaseModel):
    message: str = Field(examples=["Schedule created successfully"])
    schedule: ScheduleRead


class ScheduleDeleted(BaseModel):
    message: str = Field(examples=["Schedule deleted successfully"])


class ScheduleList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_date: date = Field(alias="from", examples=["2024-12-01"])
    to_date: date = Field(alias="to", examples=["2024-12-31"])
    schedules: list[ScheduleRead]


class SkippedSlot(BaseModel):
    start_time: str = Field(
        description="The instant the slot would have started (UTC), or, for a local time that "
        "does not exist that day, the local time itself without an offset.",
        examples=["2027-03-14T02:30:00"],
    )
    local_time: str = Field(
        description="The start in the practice's time zone.", examples=["2027-03-14T02:30"]
    )
    reason: str = Field(
        examples=["this local time does not exist on this day (daylight saving time starts)"]
    )


def skipped_read(item: Skipped) -> SkippedSlot:
    local = item.local.replace(tzinfo=None)
    start = item.start_at.isoformat().replace("+00:00", "Z") if item.start_at else local.isoformat()
    return SkippedSlot(
        start_time=start, local_time=local.isoformat(timespec="minutes"), reason=item.reason
    )


class SchedulesGenerated(BaseModel):
    message: str = Field(examples=["Schedules generated successfully"])
    created: list[ScheduleRead]
    skipped: list[SkippedSlot]
    created_count: int = Field(examples=[24])
    skipped_count: int = Field(examples=[1])


CREATE_EXAMPLES: dict[str, Any] = {
    "seed": {
        "summary": "A one-hour slot for one client",
        "value": {
            "start_time": "2024-12-15T10:00:00Z",
            "end_time": "2024-12-15T11:00:00Z",
            "max_bookings": 1,
            "is_available": True,
        },
    },
    "group": {
        "summary": "A group session for six, with a local offset",
        "value": {
            "start_time": "2024-12-16T18:00:00-05:00",
            "end_time": "2024-12-16T19:30:00-05:00",
            "max_bookings": 6,
        },
    },
    "therapist": {
        "summary": "A slot of one therapist offering two of their services",
        "description": "The client names one of the services when booking it.",
        "value": {
            "start_time": "2024-12-17T09:00:00Z",
            "end_time": "2024-12-17T09:50:00Z",
            "therapist_id": 2,
            "service_ids": [1, 3],
        },
    },
}
UPDATE_EXAMPLES: dict[str, Any] = {
    "capacity": {"summary": "Take more clients", "value": {"max_bookings": 3}},
    "close": {"summary": "Close the slot to new bookings", "value": {"is_available": False}},
    "move": {
        "summary": "Move a slot that has no bookings",
        "value": {"start_time": "2024-12-15T14:00:00Z", "end_time": "2024-12-15T15:00:00Z"},
    },
}
GENERATE_EXAMPLES: dict[str, Any] = {
    "weekdays": {
        "summary": "Weekdays 09:00-17:00, 50-minute sessions with 10-minute breaks",
        "value": {
            "weekdays": [0, 1, 2, 3, 4],
            "start_time": "09:00",
            "end_time": "17:00",
            "session_minutes": 50,
            "break_minutes": 10,
            "start_date": "2024-12-16",
            "end_date": "2025-01-31",
            "max_bookings": 1,
            "is_available": True,
        },
    },
    "service": {
        "summary": "One therapist's week of one service, its length and seats the service's",
        "description": "Without `session_minutes` and `max_bookings`, each slot lasts as long "
        "as the service and has as many seats as it does (a group session has several).",
        "value": {
            "weekdays": [1, 3],
            "start_time": "17:00",
            "end_time": "20:00",
            "start_date": "2024-12-16",
            "end_date": "2025-01-31",
            "therapist_id": 2,
            "service_ids": [4],
        },
    },
}
