"""Request and response bodies of the account endpoints, for both seed contracts.

Free text is checked here, before any rule runs: names are letters (any script), and no field
may carry control or invisible formatting characters (NUL, bidirectional overrides), which
PostgreSQL refuses or which would let a name display as something else in a mail.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from attune.models import OtpPurpose
from attune.platform.fields import BirthDate, visible_text

MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 256
NAME_PUNCTUATION = frozenset(" '’-.")


def _person_name(value: str) -> str:
    if not all(unicodedata.category(char)[0] in "LM" or char in NAME_PUNCTUATION for char in value):
        raise PydanticCustomError(
            "name_characters", "must contain only letters, spaces, hyphens and apostrophes"
        )
    return value


def normalise_email(value: str) -> str:
    """Trimmed, lower case and well-formed; ASCII only, so every mail server can deliver it."""
    value = value.strip().lower()
    if not value.isascii():
        raise PydanticCustomError("email_ascii", "must be an ASCII e-mail address")
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise PydanticCustomError("email", "is not a valid e-mail address") from error
    return value


def _blank_to_none(value: str | None) -> str | None:
    return value or None


Email = Annotated[
    str,
    StringConstraints(max_length=MAX_EMAIL_LENGTH),
    AfterValidator(normalise_email),
    Field(examples=["john.doe@example.com"], json_schema_extra={"format": "email"}),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_person_name),
    Field(description="Letters of any script, spaces, hyphens, apostrophes and dots."),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^(\+?[0-9 ().\-]{4,31})?$"),
    AfterValidator(_blank_to_none),
]
Location = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    AfterValidator(visible_text),
    AfterValidator(_blank_to_none),
]
Otp = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$"), Field(examples=["123456"])]
PHONE_ALIASES = AliasChoices("phone", "phone_number")


def document_aliases(schema: dict[str, Any], model: type[Any]) -> None:
    """Each other name a field answers to (the seeds disagree: `phone_number`, `confirm_password`)
    is a property of the schema too, so a body that uses it is as valid for the document as it is
    for the service; without this, `additionalProperties: false` would forbid it."""
    properties = schema.get("properties", {})
    for field in model.model_fields.values():
        alias = field.validation_alias
        if not isinstance(alias, AliasChoices):
            continue
        first, *others = (choice for choice in alias.choices if isinstance(choice, str))
        for other in others:
            properties[other] = {
                **properties[first],
                "title": other.replace("_", " ").title(),
                "description": f"Another name for `{first}`; send one of the two.",
            }
            schema.setdefault("allOf", []).append({"not": {"required": [first, other]}})


class StrictBody(BaseModel):
    """A request body that refuses fields it does not know (400), so a typo is never ignored."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=document_aliases)


class UserCreate(StrictBody):
    first_name: Name
    last_name: Name
    email: Email
    password: Password
    password2: Password | None = Field(
        default=None,
        validation_alias=AliasChoices("password2", "confirm_password"),
        description="Repeat of `password` (alias `confirm_password`); must match when given.",
    )
    phone: Phone | None = Field(
        default=None, validation_alias=PHONE_ALIASES, description="Alias `phone_number`."
    )
    location: Location | None = None
    date_of_birth: BirthDate | None = None


class Credentials(StrictBody):
    email: Email
    password: Password


class ProfileUpdate(BaseModel):
    """Only these fields change; `email`, `is_admin` and any other field are ignored."""

    model_config = ConfigDict(extra="ignore")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = Field(
        default=None, validation_alias=PHONE_ALIASES, description="Alias `phone_number`."
    )
    location: Location | None = None
    date_of_birth: BirthDate | None = None
    booking_notifications: StrictBool | None = Field(
        default=None,
        description="Admins only: `false` stops the mails about clients' bookings (booked, "
        "paid, moved, cancelled, unpaid hold released) to this admin; `true` starts them again.",
    )


class OtpVerification(StrictBody):
    email: Email
    otp: Otp


class CodeContext(StrEnum):
    """What a mailed six-digit code may be asked again for (an invitation's link may not)."""

    registration = OtpPurpose.registration.value
    password_reset = OtpPurpose.password_reset.value


class OtpResend(StrictBody):
    email: Email
    context: CodeContext = CodeContext.registration


class PasswordResetRequest(StrictBody):
    email: Email


class PasswordReset(StrictBody):
    email: Email
    otp: Otp
    new_password: Password
    confirm_password: Password


class InvitationAcceptance(StrictBody):
    """The password a new member of staff chooses with their invitation's token."""

    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Password
    confirm_password: Password


class PasswordChange(StrictBody):
    """A signed-in person's new password (the profile page's form), typed twice."""

    current_password: Password
    new_password: Password
    confirm_password: Password

    @field_validator("confirm_password")
    @classmethod
    def _same_as_new(cls, value: str, info: ValidationInfo) -> str:
        if "new_password" in info.data and value != info.data["new_password"]:
            raise PydanticCustomError("password_mismatch", "must be the same as the new password")
        return value


class TokenRefresh(StrictBody):
    refresh: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Logout(StrictBody):
    refresh: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Also revoke the login this refresh token belongs to."
    )


class NewUser(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    location: str | None
    is_admin: bool
    created_at: datetime


class UserSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    first_name: str
    last_name: str
    email: str
    is_admin: bool


class Profile(NewUser):
    date_of_birth: date | None
    booking_notifications: bool | None = Field(
        description="For an admin, whether they are mailed when a client books, pays, moves or "
        "cancels; null for a client, who gets no such mail."
    )
    updated_at: datetime


class Registered(BaseModel):
    message: str = "User registered successfully"
    user: NewUser
    email_verification_required: bool


class LoggedIn(BaseModel):
    message: str = "Login successful"
    user: UserSummary
    token: str = Field(description="The access token (seed 000's name for it).")
    access: str = Field(description="The access token (seed 003's name for it).")
    refresh: str


class ProfileRead(BaseModel):
    user: Profile


class ProfileUpdated(BaseModel):
    message: str = "Profile updated successfully"
    user: Profile


class TokenRefreshed(BaseModel):
    access: str
    refresh: str


class Message(BaseModel):
    message: str


REGISTER_EXAMPLES: dict[str, Any] = {
    "seed_000": {
        "summary": "Contract 000",
        "value": {
            "first_name": "John",
            "last_name": "Doe",
            "email": "john.doe@example.com",
            "phone": "+1234567890",
            "location": "New York, NY",
            "password": "securepassword123",
        },
    },
    "seed_003": {
        "summary": "Contract 003",
        "value": {
            "email": "user@example.com",
            "first_name": "John",
            "last_name": "Doe",
            "phone_number": "+1234567890",
            "password": "SecurePassword123",
            "password2": "SecurePassword123",
        },
    },
}
LOGIN_EXAMPLES: dict[str, Any] = {
    "seed_000": {
        "summary": "Contract 000",
        "value": {"email": "john.doe@example.com", "password": "securepassword123"},
    },
    "seed_003": {
        "summary": "Contract 003",
        "value": {"email": "user@example.com", "password": "SecurePassword123"},
    },
}
PROFILE_EXAMPLES: dict[str, Any] = {
    "seed_000": {
        "summary": "Contract 000",
        "value": {
            "first_name": "John",
            "last_name": "Smith",
            "phone": "+1234567891",
            "location": "Los Angeles, CA",
        },
    },
    "booking_notices_off": {
        "summary": "An admin stops the mails about clients' bookings",
        "value": {"booking_notifications": False},
    },
}
OTP_EXAMPLES: dict[str, Any] = {
    "seed_003": {"summary": "Contract 003", "value": {"email": "user@example.com", "otp": "123456"}}
}
RESEND_EXAMPLES: dict[str, Any] = {
    "seed_003": {
        "summary": "Contract 003",
        "value": {"email": "user@example.com", "context": "registration"},
    }
}
FORGOT_PASSWORD_EXAMPLES: dict[str, Any] = {
    "seed_003": {"summary": "Contract 003", "value": {"email": "user@example.com"}}
}
RESET_PASSWORD_EXAMPLES: dict[str, Any] = {
    "seed_003": {
        "summary": "Contract 003",
        "value": {
            "email": "user@example.com",
            "otp": "123456",
            "new_password": "NewSecurePassword123",
            "confirm_password": "NewSecurePassword123",
        },
    }
}
REFRESH_EXAMPLES: dict[str, Any] = {
    "seed_003": {"summary": "Contract 003", "value": {"refresh": "your_refresh_token_here"}}
}
INVITATION_EXAMPLES: dict[str, Any] = {
    "accept": {
        "summary": "The token from the invitation's link, and a password",
        "value": {
            "token": "Qm9vay1hLXNlc3Npb24tdG9rZW4",
            "new_password": "correct horse battery staple",
            "confirm_password": "correct horse battery staple",
        },
    }
}
