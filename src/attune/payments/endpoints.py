"""`/api/payments/*`: paying for a booking (seed 000, flaws fixed); the rules are in service.py.

Creating an intent takes a verified e-mail address, as booking does (the receipt goes there);
confirming only needs a signed-in user, so a client can always learn what became of money
already sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse

from attune.bookings.errors import BookingNotFound
from attune.models import IntentStatus
from attune.payments.errors import (
    BookingAlreadyPaid,
    BookingNotNamed,
    BookingNotPayable,
    CurrencyMismatch,
    PaymentFailed,
    PaymentIncomplete,
    PaymentNotFound,
    PaymentProviderError,
    PaymentsNotRequired,
    PriceMismatch,
)
from attune.payments.gateways import PaymentGateway, gateway_for
from attune.payments.schemas import (
    CONFIRM_EXAMPLES,
    INTENT_EXAMPLES,
    PaymentConfirm,
    PaymentConfirmed,
    PaymentIntentCreate,
    PaymentIntentCreated,
)
from attune.payments.service import payment_service
from attune.platform.auth import CurrentActor, EmailNotVerified, InvalidToken, VerifiedActor
from attune.platform.dependencies import AppSettings, Work
from attune.platform.errors import error_body
from attune.platform.openapi import documented_errors

router = APIRouter(prefix="/api/payments", tags=["payments"])


async def payment_gateway(request: Request, settings: AppSettings) -> PaymentGateway:
    """One gateway per app, so the Stripe client reuses its connections between requests."""
    gateway: PaymentGateway | None = getattr(request.app.state, "payment_gateway", None)
    if gateway is None:
        gateway = gateway_for(settings)
        request.app.state.payment_gateway = gateway
    return gateway


Gateway = Annotated[PaymentGateway, Depends(payment_gateway)]


@router.post(
    "/intent",
    status_code=201,
    summary="Create a payment intent for a booking",
    description="Returns the client secret that Stripe.js needs to take the payment. The "
    "amount is the booking's price; an `amount` or `currency` sent must equal it. Without "
    "`booking_id` (seed 000's body), `amount` (and `currency`, if sent) chooses the caller's "
    "one unpaid scheduled booking at that price; when none or several cost that, the answer "
    "is 400 with `unpaid_bookings` (`booking_id`, `scheduled_at`, `amount` in cents, "
    "`currency`), to send `booking_id` with. Asking again "
    "for the same booking returns the same open intent; after a declined card a new one is "
    'made. Without a Stripe key the practice runs in an offline demo mode (`"mode": "demo"`).',
    responses=documented_errors(
        InvalidToken,
        EmailNotVerified,
        BookingNotFound,
        BookingNotNamed,
        BookingAlreadyPaid,
        BookingNotPayable,
        PaymentsNotRequired,
        CurrencyMismatch,
        PriceMismatch,
        PaymentProviderError,
    ),
)
async def create_intent(
    *,
    body: Annotated[PaymentIntentCreate, Body(openapi_examples=INTENT_EXAMPLES)],
    actor: VerifiedActor,
    uow: Work,
    gateway: Gateway,
) -> PaymentIntentCreated:
    opened = await payment_service.open_intent(uow, actor, gateway, body)
    payment = opened.payment
    return PaymentIntentCreated(
        message="Payment intent created successfully",
        client_secret=opened.client_secret,
        payment_intent=payment.intent_id,
        amount=payment.amount_cents,
        currency=payment.currency,
        status=payment.status,
        booking_id=payment.booking_id,
        mode=payment.provider,
    )


@router.post(
    "/confirm",
    response_model=PaymentConfirmed,
    summary="Confirm a payment",
    description="Call it after Stripe.js has confirmed the payment in the browser. The "
    "outcome is read from Stripe, never taken from the request. On success the booking is "
    "paid, its video room link is released and a receipt is mailed; asking again changes "
    "nothing. A declined or unfinished payment is answered 402 with Stripe's reason.",
    responses=documented_errors(
        InvalidToken, PaymentNotFound, PaymentFailed, PaymentIncomplete, PaymentProviderError
    ),
)
async def confirm_payment(
    *,
    body: Annotated[PaymentConfirm, Body(openapi_examples=CONFIRM_EXAMPLES)],
    actor: CurrentActor,
    uow: Work,
    gateway: Gateway,
) -> PaymentConfirmed | JSONResponse:
    payment = await payment_service.confirm(uow, actor, gateway, body.payment_intent_id)
    if payment.status != IntentStatus.succeeded:
        # Answered, not raised: the recorded failure must be committed with this request.
        error = PaymentFailed if payment.status == IntentStatus.failed else PaymentIncomplete
        details = payment.failure_message or f"The payment is {payment.status}."
        return JSONResponse(error_body(error.error, details), status_code=error.status_code)
    return PaymentConfirmed(
        message="Payment confirmed successfully",
        payment_intent=payment.intent_id,
        status=payment.status,
        amount=payment.amount_cents,
        currency=payment.currency,
        booking_id=payment.booking_id,
        mode=payment.provider,
    )
