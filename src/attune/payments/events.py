"""Stripe's webhook events: checked, stored once by id, and applied in any order.

Stripe delivers at least once and in no particular order, so every event is stored under its
id in the transaction that applies it (a replay finds the id and changes nothing), and each
effect goes through the forward-only transitions of `outcomes` and `repository`: a late
`payment_failed` never undoes a success, and a refund that arrives before the success is kept
and settles the booking once the success is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from attune.bookings.payment_state import booking_payments
from attune.integrations.stripe import (
    Intent,
    WebhookBodyError,
    WebhookSignatureError,
    intent_from,
    verify_webhook,
)
from attune.payments import outcomes, repository, settlement
from attune.platform.errors import BadRequest, ServiceUnavailable
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork

logger = logging.getLogger("attune.payments")

DECLINED = "The payment was declined"
# The widths of webhook_events.id and .type.
MAX_ID_LENGTH = 255
MAX_TYPE_LENGTH = 100


class InvalidSignature(BadRequest):
    error = "Invalid signature"
    details = "The Stripe-Signature header does not match the body under the webhook secret."


class WebhooksNotConfigured(ServiceUnavailable):
    error = "Stripe webhooks are not configured"
    details = "Set ATTUNE_STRIPE_WEBHOOK_SECRET to receive Stripe events."


class MalformedEvent(BadRequest):
    error = "Malformed event"
    details = "Send a Stripe event: a JSON object with an id and a type."


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    object: Mapping[str, Any]

    @property
    def object_id(self) -> str | None:
        value = self.object.get("id")
        return value if isinstance(value, str) and len(value) <= MAX_ID_LENGTH else None


@dataclass(frozen=True)
class ChargeRefunds:
    """What a `charge.refunded` event says: refunds are cumulative, never a delta."""

    intent_id: str | None
    amount_cents: int
    amount_refunded_cents: int
    currency: str


def verified_event(settings: Settings, payload: bytes, signature: str | None) -> Event:
    """The event if Stripe signed this payload with our webhook secret in the last 300 s."""
    secret = settings.stripe_webhook_secret
    if secret is None or not secret.get_secret_value():
        # Never act on an event that nobody can have signed.
        raise WebhooksNotConfigured(
            details="Set ATTUNE_STRIPE_WEBHOOK_SECRET to the endpoint's signing secret"
        )
    try:
        data = verify_webhook(payload, signature, secret.get_secret_value())
    except WebhookSignatureError as error:
        raise InvalidSignature(
            details="The Stripe-Signature header is missing, wrong or older than 300 seconds"
        ) from error
    except WebhookBodyError as error:
        raise MalformedEvent(details=str(error)) from error
    if not isinstance(data, dict):
        raise MalformedEvent(
            details=f"The body is {_json_kind(data)}: a Stripe event is a JSON object"
        )
    if _has_nul(data):
        # No Stripe id or text has one, and PostgreSQL cannot store one in a text column.
        raise MalformedEvent(
            details="The event contains a NUL character, which no Stripe event has"
        )
    event_id, event_type = data.get("id"), data.get("type")
    content = data.get("data")
    stripe_object = content.get("object") if isinstance(content, dict) else None
    if not (isinstance(event_id, str) and isinstance(event_type, str)):
        raise MalformedEvent(details="An event needs an id and a type")
    if not (0 < len(event_id) <= MAX_ID_LENGTH and 0 < len(event_type) <= MAX_TYPE_LENGTH):
        raise MalformedEvent(details="The event's id or type is empty or too long")
    if not isinstance(stripe_object, dict):
        raise MalformedEvent(details="An event needs data.object")
    return Event(event_id, event_type, stripe_object)


async def receive(uow: UnitOfWork, event: Event) -> bool:
    """Store and apply an event; False when it was received before (and nothing changed)."""
    handler = HANDLERS.get(event.type)
    if not await repository.record_event(
        uow.session, event.id, event.type, event.object_id, uow.now
    ):
        return False
    if handler is not None:
        await handler(uow, event.object)
    return True


async def _intent_succeeded(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    # A refund reported before this success is settled with it (settlement.settle_booking).
    await outcomes.record_intent(uow, _intent(data))


async def _intent_canceled(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    await outcomes.record_intent(uow, _intent(data))


async def _intent_failed(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    intent = _intent(data)
    await outcomes.record_failure(uow, intent.id, intent.failure_message or DECLINED)


async def _charge_refunded(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    charge = _charge_refunds(data)
    if charge.intent_id is None:
        return
    payment = await repository.payment_by_intent(uow.session, charge.intent_id)
    if payment is None:
        return
    if (charge.amount_cents, charge.currency) != (payment.amount_cents, payment.currency):
        logger.warning("charge for intent %s: amount or currency differs", payment.intent_id)
        return
    # The booking before the payment, the order in which a cancellation takes them.
    await booking_payments.lock(uow, payment.booking_id)
    raised = await repository.raise_refunded_amount(
        uow.session, payment.id, charge.amount_refunded_cents, uow.now
    )
    # Not raised: an earlier event recorded as much or more, and settled what it could.
    if raised is not None:
        await settlement.settle_booking(uow, raised)


async def _dispute_created(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    session, now = uow.session, uow.now
    intent_id = data.get("payment_intent")
    if not isinstance(intent_id, str):
        logger.warning("dispute %s names no payment intent; not recorded", data.get("id"))
        return
    disputed = await repository.mark_disputed(session, intent_id, now)
    if disputed is not None:
        # The practice has days to answer a dispute in Stripe's dashboard: make it loud.
        logger.warning(
            "payment %s of booking %s is disputed (%s): answer it in the Stripe dashboard",
            disputed.intent_id,
            disputed.booking_id,
            data.get("reason") or "no reason given",
        )


def _intent(data: Mapping[str, Any]) -> Intent:
    _whole_cents(data, "amount")
    try:
        return intent_from(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MalformedEvent(details="data.object is not a PaymentIntent") from error


def _charge_refunds(data: Mapping[str, Any]) -> ChargeRefunds:
    intent_id = data.get("payment_intent")
    try:
        charge = ChargeRefunds(
            intent_id=intent_id if isinstance(intent_id, str) else None,
            amount_cents=_whole_cents(data, "amount"),
            amount_refunded_cents=_whole_cents(data, "amount_refunded"),
            currency=str(data["currency"]).lower(),
        )
    except KeyError as error:
        raise MalformedEvent(details="data.object is not a Charge") from error
    if not 0 <= charge.amount_refunded_cents <= charge.amount_cents:
        raise MalformedEvent(details="amount_refunded must lie between 0 and the charge's amount")
    return charge


def _whole_cents(data: Mapping[str, Any], field: str) -> int:
    """An amount as Stripe writes it: a whole, non-negative number of the currency's minor unit."""
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedEvent(details=f"data.object.{field} must be a whole number of cents")
    return value


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _has_nul(document: dict[str, Any]) -> bool:
    """Whether any key or string in the document holds U+0000; iterative, since a signed
    document may nest as deep as the JSON parser allows."""
    pending: list[object] = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


Handler = Callable[[UnitOfWork, Mapping[str, Any]], Awaitable[None]]

# Every other type is stored and acknowledged, so Stripe stops resending it.
HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.canceled": _intent_canceled,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}
