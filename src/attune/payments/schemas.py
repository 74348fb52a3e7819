"""Request and response bodies of `/api/payments/*`, in seed 000's shapes.

`amount` here is integer cents, as seed 000's payment examples show (its bookings use a decimal).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from attune.models import IntentStatus, PaymentProvider
from attune.platform.fields import MAX_ID, Id, whole_number

# Integer cents: `100.0` (seed 000's decimal dollars) or `1e400` is refused, never rounded.
Amount = Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(whole_number)]
MODE_DESCRIPTION = "`stripe`, or `demo` when no Stripe key is configured and payments run offline."


class PaymentIntentCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    booking_id: Id | None = Field(
        default=None,
        description="The booking to pay. Seed 000 sends none: then `amount` (and `currency`, "
        "if sent) must be the price of exactly one of the caller's unpaid bookings.",
        examples=[1],
    )
    # Seed 000 sends these; the booking decides the price, and a different value is refused.
    amount: Amount | None = Field(
        default=None,
        description="Integer cents; optional. When sent, it must equal the booking's price.",
        examples=[10000],
    )
    currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        pattern="^[A-Za-z]{3}$",
        description="ISO 4217 code; optional. When sent, it must be the booking's currency.",
        examples=["usd"],
    )


class PaymentConfirm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payment_intent_id: str = Field(
        min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_]+$", examples=["pi_1234567890"]
    )


class PaymentIntentCreated(BaseModel):
    message: str = Field(examples=["Payment intent created successfully"])
    client_secret: str = Field(
        description="Hand it to Stripe.js to complete the payment in the browser.",
        examples=["pi_1234567890_secret_abc123"],
    )
    payment_intent: str = Field(examples=["pi_1234567890"])
    amount: int = Field(description="Integer cents.", examples=[10000])
    currency: str = Field(examples=["usd"])
    status: IntentStatus = Field(examples=["requires_payment_method"])
    booking_id: int = Field(examples=[1])
    mode: PaymentProvider = Field(description=MODE_DESCRIPTION, examples=["stripe"])


class PaymentConfirmed(BaseModel):
    message: str = Field(examples=["Payment confirmed successfully"])
    payment_intent: str = Field(examples=["pi_1234567890"])
    status: IntentStatus = Field(examples=["succeeded"])
    amount: int = Field(description="Integer cents.", examples=[10000])
    currency: str = Field(examples=["usd"])
    booking_id: int = Field(examples=[1])
    mode: PaymentProvider = Field(description=MODE_DESCRIPTION, examples=["stripe"])


INTENT_EXAMPLES: dict[str, Any] = {
    "booking": {
        "summary": "Pay for a booking at the practice's price",
        "value": {"booking_id": 1},
    },
    "seed_000": {
        "summary": "Seed 000's body, with the booking (amount must be the booking's)",
        "value": {"booking_id": 1, "amount": 10000, "currency": "usd"},
    },
    "seed_000_without_booking": {
        "summary": "Seed 000's body as documented: pays the one unpaid booking at that price",
        "value": {"amount": 10000, "currency": "usd"},
    },
}

CONFIRM_EXAMPLES: dict[str, Any] = {
    "confirm": {
        "summary": "After Stripe.js has confirmed the payment in the browser",
        "value": {"payment_intent_id": "pi_1234567890"},
    },
}
