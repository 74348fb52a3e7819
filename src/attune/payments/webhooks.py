"""`POST /api/payments/webhook`: Stripe's signed events, the source of truth for payments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from attune.payments import events
from attune.payments.events import InvalidSignature, MalformedEvent, WebhooksNotConfigured
from attune.platform.dependencies import Work
from attune.platform.openapi import documented_errors

router = APIRouter(prefix="/api/payments", tags=["payments"])

EVENT_EXAMPLES: dict[str, Any] = {
    "succeeded": {
        "summary": "A payment succeeded",
        "value": {
            "id": "evt_1PqExample",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_1234567890",
                    "object": "payment_intent",
                    "amount": 10000,
                    "currency": "usd",
                    "status": "succeeded",
                    "metadata": {"booking_id": "1", "user_id": "1"},
                }
            },
        },
    },
    "refunded": {
        "summary": "A charge was refunded (amounts are cumulative)",
        "value": {
            "id": "evt_1PqRefund",
            "object": "event",
            "type": "charge.refunded",
            "data": {
                "object": {
                    "id": "ch_1234567890",
                    "object": "charge",
                    "payment_intent": "pi_1234567890",
                    "amount": 10000,
                    "amount_refunded": 10000,
                    "currency": "usd",
                }
            },
        },
    },
}


class WebhookReceived(BaseModel):
    received: bool = Field(examples=[True])
    duplicate: bool = Field(
        description="True when this event id was received before; nothing changed then.",
        examples=[False],
    )


@router.post(
    "/webhook",
    summary="Receive a Stripe event",
    description="Stripe's webhook endpoint; no login, the `Stripe-Signature` header is checked "
    "against ATTUNE_STRIPE_WEBHOOK_SECRET (and refused when older than 300 seconds). Each "
    "event is stored under its id with its effect, so a replay answers `duplicate: true` and "
    "changes nothing. Handled: `payment_intent.succeeded`, `payment_intent.payment_failed`, "
    "`payment_intent.canceled`, `charge.refunded`, `charge.dispute.created`; events arrive in "
    "any order and never move a booking's payment backwards. A dispute is stamped on the "
    "payment and logged as a warning for the operator. Other types, and events about "
    "payments that are not this practice's, are acknowledged and ignored.",
    responses=documented_errors(InvalidSignature, MalformedEvent, WebhooksNotConfigured),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "A Stripe event, as Stripe sends it.",
                    },
                    "examples": EVENT_EXAMPLES,
                }
            },
        }
    },
)
async def receive_webhook(
    request: Request,
    uow: Work,
    stripe_signature: Annotated[
        str | None,
        Header(
            alias="Stripe-Signature",
            examples=[
                "t=1733480000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
            ],
        ),
    ] = None,
) -> WebhookReceived:
    event = events.verified_event(uow.settings, await request.body(), stripe_signature)
    first = await events.receive(uow, event)
    return WebhookReceived(received=True, duplicate=not first)
