"""Forms: reading what a person posted, checking it with the API's own schema, and turning a
validation or service error into a message beside the field it is about.

A page that refuses a form renders it again with `Form.values` (what the person typed) and
`Form.errors` (field name, or `FORM` for the form as a whole, to message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request

from attune.platform.errors import AttuneError
from attune.platform.validation_messages import describe_validation_errors
from attune.web.csrf import FIELD as CSRF_FIELD

# The key of an error about the whole form rather than one field.
FORM = "__form__"
# Fields never shown again to the person who typed them.
SECRET_FIELDS = frozenset({"password", "current_password", "new_password", "confirm_password"})

M = TypeVar("M", bound=BaseModel)


@dataclass
class Form:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def refused(self, errors: Mapping[str, str]) -> Form:
        """The same form, with these errors and without the secrets it held."""
        kept = {name: value for name, value in self.values.items() if name not in SECRET_FIELDS}
        return Form(kept, dict(errors))


class FormInvalid(Exception):
    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


async def read_form(request: Request, *, lists: Iterable[str] = ()) -> Form:
    """What was posted: one string per field (trimmed), a list for the fields in `lists`."""
    posted: FormData = await request.form()
    many = set(lists)
    values: dict[str, Any] = {}
    for name in posted:
        if name == CSRF_FIELD:
            continue
        if name in many:
            values[name] = [str(item).strip() for item in posted.getlist(name) if str(item).strip()]
        else:
            item = posted.get(name)
            values[name] = item.strip() if isinstance(item, str) else ""
    for name in many:
        values.setdefault(name, [])
    return Form(values)


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    """`data` checked by the API's schema for the same operation; FormInvalid names each field.

    Only the schema's own fields are passed on: a page's form may carry more (where to go
    next, say), which the API's strict schemas would refuse."""
    known = _names_of(model)
    try:
        return model.model_validate({name: value for name, value in data.items() if name in known})
    except ValidationError as error:
        _, fields = describe_validation_errors(error.errors())
        messages: dict[str, str] = {}
        for entry in fields:
            name = entry["field"].split(".", 1)[0] or FORM
            messages.setdefault(name, entry["message"])
        raise FormInvalid(messages) from error


def _names_of(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
        alias = info.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
    return names


def sentence(error: AttuneError) -> str:
    """The error and what to do about it, as one message."""
    if not error.details or error.details == error.error:
        return error.error
    return f"{error.error.rstrip('.')}. {error.details}"


def errors_of(error: AttuneError, *, fields: Mapping[str, str] | None = None) -> dict[str, str]:
    """A service error as the message of its field (renamed through `fields` where the form's
    name differs from the API's), or of the whole form."""
    name = error.field or FORM
    if fields is not None:
        name = fields.get(name, name)
    return {name: sentence(error)}
