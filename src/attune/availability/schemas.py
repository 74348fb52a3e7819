"""Request and response bodies of the availability endpoints, in seed 003's shape."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

# Fixed English names: `calendar.day_name` follows the process locale, and an API answer must
# not change with the server's locale.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

WEEKDAYS_EXAMPLE = [0, 1, 2, 3, 4]
DISPLAY_EXAMPLE = [DAY_NAMES[day] for day in WEEKDAYS_EXAMPLE]


def _unique_sorted(days: list[int]) -> list[int]:
    if len(set(days)) != len(days):
        raise PydanticCustomError("unique_weekdays", "must not repeat a weekday")
    return sorted(days)


# Strict: `"1"`, `1.0` or `true` is a mistake in the client, not a weekday to guess at.
Weekday = Annotated[StrictInt, Field(ge=0, le=6)]
Weekdays = Annotated[
    list[Weekday],
    AfterValidator(_unique_sorted),
    Field(
        description="Weekday numbers, 0 = Monday … 6 = Sunday, each at most once. An empty "
        "list means the practice takes no appointment requests for now.",
        examples=[WEEKDAYS_EXAMPLE],
    ),
]


class AvailabilityUpdate(BaseModel):
    """The body of PUT: the whole week."""

    model_config = ConfigDict(extra="ignore")

    available_days: Weekdays


class AvailabilityPatch(BaseModel):
    """The body of PATCH: `available_days` may be left out, which changes nothing."""

    model_config = ConfigDict(extra="ignore")

    # Documented without null: a null is refused below.
    available_days: Weekdays | SkipJsonSchema[None] = None

    @field_validator("available_days", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Left out means "unchanged"; an explicit null would be a request to store nothing.
        if value is None:
            raise PydanticCustomError("weekdays", "must be a list of weekday numbers, not null")
        return value


class Availability(BaseModel):
    available_days: list[int] = Field(
        description="Weekday numbers (0 = Monday … 6 = Sunday) on which requests are accepted, "
        "in order.",
        examples=[WEEKDAYS_EXAMPLE],
    )
    available_days_display: list[str] = Field(
        description="The same days by name.", examples=[DISPLAY_EXAMPLE]
    )


def availability_read(days: list[int]) -> Availability:
    return Availability(available_days=days, available_days_display=[DAY_NAMES[d] for d in days])


UPDATE_EXAMPLES: dict[str, Any] = {
    "weekdays": {"summary": "Monday to Friday", "value": {"available_days": WEEKDAYS_EXAMPLE}},
    "closed": {"summary": "Take no requests for now", "value": {"available_days": []}},
}
AVAILABLE_DATES_EXAMPLE = ["2024-01-15", "2024-01-16", "2024-01-17", "2024-01-18", "2024-01-19"]
