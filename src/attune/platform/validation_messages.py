"""Validation errors as sentences for people: the field named in words, what it must be.

Pydantic's own messages ("String should match pattern '^[0-9]{6}$'") speak of types and
patterns, which the person who typed the value cannot act on. Each error type gets a sentence
here instead. The service's own rules (`PydanticCustomError` in the schemas) are written as the
end of a sentence, "must not repeat a weekday", and follow the field's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
BUILTIN_TYPES = frozenset(get_args(ErrorType))
# Built-in types that carry the message of a validator of the service's own.
OWN_MESSAGE_TYPES = frozenset({"value_error", "assertion_error"})
NO_BODY = "The request needs a JSON body"
NOT_AN_OBJECT = "The body must be a JSON object"
NOT_JSON = "The body is not valid JSON"
# Fields whose value has one shape that people know by another name.
PATTERN_SENTENCES = {
    "otp": "Enter the 6-digit code from the e-mail",
    "phone": "Phone must be a phone number: digits, spaces and + - ( ) . only",
    "phone_number": "Phone must be a phone number: digits, spaces and + - ( ) . only",
}
# Fields whose name alone would not tell a person what is meant.
LABELS = {
    "otp": "The code from the e-mail",
    "password2": "Password confirmation",
    "confirm_password": "Password confirmation",
}
DATE_EXAMPLE = "2025-03-14"
_INSTANT = "a date and time with its offset, such as 2025-03-14T10:00:00Z"
_UUID_EXAMPLE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

Context = Mapping[str, Any]


def _count(number: object, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# Each takes the field's label and the error's context; the label starts the sentence.
SENTENCES: dict[str, Callable[[str, Context], str]] = {
    "missing": lambda label, _: f"{label} is required",
    "extra_forbidden": lambda label, _: f"{label} is not an accepted field",
    "string_type": lambda label, _: f"{label} must be text",
    "string_unicode": lambda label, _: f"{label} must be text",
    "string_too_short": lambda label, ctx: (
        f"{label} is required"
        if ctx.get("min_length") == 1
        else f"{label} must be at least {_count(ctx.get('min_length'), 'character')} long"
    ),
    "string_too_long": lambda label, ctx: (
        f"{label} must be at most {_count(ctx.get('max_length'), 'character')} long"
    ),
    "string_pattern_mismatch": lambda label, _: f"{label} is not in the expected format",
    "int_type": lambda label, _: f"{label} must be a whole number",
    "int_parsing": lambda label, _: f"{label} must be a whole number",
    "int_from_float": lambda label, _: f"{label} must be a whole number",
    "int_parsing_size": lambda label, _: f"{label} is too large",
    "float_type": lambda label, _: f"{label} must be a number",
    "float_parsing": lambda label, _: f"{label} must be a number",
    "finite_number": lambda label, _: f"{label} must be a finite number",
    "decimal_type": lambda label, _: f"{label} must be a number",
    "decimal_parsing": lambda label, _: f"{label} must be a number",
    "bool_type": lambda label, _: f"{label} must be true or false",
    "bool_parsing": lambda label, _: f"{label} must be true or false",
    "greater_than": lambda label, ctx: f"{label} must be more than {ctx.get('gt')}",
    "greater_than_equal": lambda label, ctx: f"{label} must be at least {ctx.get('ge')}",
    "less_than": lambda label, ctx: f"{label} must be less than {ctx.get('lt')}",
    "less_than_equal": lambda label, ctx: f"{label} must be at most {ctx.get('le')}",
    "multiple_of": lambda label, ctx: f"{label} must be a multiple of {ctx.get('multiple_of')}",
    "literal_error": lambda label, ctx: f"{label} must be one of: {ctx.get('expected')}",
    "enum": lambda label, ctx: f"{label} must be one of: {ctx.get('expected')}",
    "list_type": lambda label, _: f"{label} must be a list",
    "set_type": lambda label, _: f"{label} must be a list",
    "too_short": lambda label, ctx: (
        f"{label} must have at least {_count(ctx.get('min_length'), 'item')}"
    ),
    "too_long": lambda label, ctx: (
        f"{label} must have at most {_count(ctx.get('max_length'), 'item')}"
    ),
    "dict_type": lambda label, _: f"{label} must be an object",
    "model_type": lambda label, _: f"{label} must be an object",
    "model_attributes_type": lambda label, _: f"{label} must be an object",
    "date_type": lambda label, _: f"{label} must be a date such as {DATE_EXAMPLE}",
    "date_parsing": lambda label, _: f"{label} must be a date such as {DATE_EXAMPLE}",
    "date_from_datetime_parsing": lambda label, _: f"{label} must be a date such as {DATE_EXAMPLE}",
    "date_from_datetime_inexact": lambda label, _: f"{label} must be a date such as {DATE_EXAMPLE}",
    "datetime_type": lambda label, _: f"{label} must be {_INSTANT}",
    "datetime_parsing": lambda label, _: f"{label} must be {_INSTANT}",
    "datetime_from_date_parsing": lambda label, _: f"{label} must be {_INSTANT}",
    "datetime_object_invalid": lambda label, _: f"{label} must be {_INSTANT}",
    "timezone_aware": lambda label, _: f"{label} must be {_INSTANT}",
    "time_type": lambda label, _: f"{label} must be a time of day such as 14:30",
    "time_parsing": lambda label, _: f"{label} must be a time of day such as 14:30",
    "uuid_type": lambda label, _: f"{label} must be an id such as {_UUID_EXAMPLE}",
    "uuid_parsing": lambda label, _: f"{label} must be an id such as {_UUID_EXAMPLE}",
    "url_type": lambda label, _: f"{label} must be a web address",
    "url_parsing": lambda label, _: f"{label} must be a web address",
    "url_scheme": lambda label, _: f"{label} must be a web address",
}


def _field(loc: Sequence[Any]) -> list[str | int]:
    return [part for part in loc if part not in SOURCES]


def field_label(path: Sequence[str | int]) -> str:
    """`["preferred_dates", 1]` reads "Preferred dates (item 2)"."""
    names = [part for part in path if isinstance(part, str)]
    if not names:
        return ""
    name = names[-1]
    label = LABELS.get(name) or name.replace("_", " ").capitalize()
    positions = [part for part in path if isinstance(part, int)]
    if positions:
        label += f" (item {positions[-1] + 1})"
    return label


def _sentence(kind: str, path: Sequence[str | int], message: str, ctx: Context) -> str:
    label = field_label(path)
    if kind == "json_invalid":
        return NOT_JSON
    if not label:
        if kind == "missing":
            return NO_BODY
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            return NOT_AN_OBJECT
    name = next((part for part in reversed(path) if isinstance(part, str)), "")
    if kind == "string_pattern_mismatch" and name in PATTERN_SENTENCES:
        return PATTERN_SENTENCES[name]
    if label and kind in SENTENCES:
        return SENTENCES[kind](label, ctx)
    if kind in OWN_MESSAGE_TYPES or kind not in BUILTIN_TYPES:
        # The service's own rules, written as the end of a sentence ("must not repeat a
        # weekday"), or as a whole one when they concern several fields.
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return f"{label} {message}" if label else message[:1].upper() + message[1:]
    return f"{label} is not valid" if label else "The request is not valid"


def describe_validation_errors(
    errors: Sequence[Mapping[str, Any]],
) -> tuple[str, list[dict[str, str]]]:
    """A sentence for `details` (the seed's shape) and a list of field errors for forms."""
    fields: list[dict[str, str]] = []
    for item in errors:
        path = _field(item.get("loc", ()))
        kind = str(item.get("type", ""))
        message = _sentence(kind, path, str(item.get("msg", "")), item.get("ctx") or {})
        field = "" if kind == "json_invalid" else ".".join(str(part) for part in path)
        fields.append({"field": field, "message": message})
    details = "; ".join(dict.fromkeys(entry["message"] for entry in fields))
    return details or "The request is not valid", fields
