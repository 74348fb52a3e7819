"""Free-text fields of an appointment's bodies, as both kinds accept them: the client's notes
and a reason (for a cancellation or a refusal)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from attune.platform.fields import visible_lines

MAX_NOTES_LENGTH = 2000
MAX_REASON_LENGTH = 500


def _blank_to_none(value: str) -> str | None:
    return value or None


Notes = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_NOTES_LENGTH),
    AfterValidator(visible_lines),
    AfterValidator(_blank_to_none),
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_REASON_LENGTH),
    AfterValidator(visible_lines),
    AfterValidator(_blank_to_none),
]
