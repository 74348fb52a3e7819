"""Stripe through its official SDK: PaymentIntents, refunds and signed webhook events.

A thin client: it turns the SDK's objects into small dataclasses and holds no business rule.
The SDK is imported only when a call needs it: a practice in demo mode never loads it, and it
is some 13 MB in every process.
The SDK is synchronous, so each call runs in a worker thread and never blocks the event loop.
Every call that creates, cancels or refunds carries an idempotency key, so a retried request
or job never charges or refunds twice.
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any

# Stripe's own tolerance for a webhook's timestamp: older deliveries are refused as replays.
WEBHOOK_TOLERANCE_SECONDS = 300
# The SDK waits 80 s by default: a Stripe that accepts connections and never answers would hold
# a client's request (and a worker) for minutes across the retries. Every call that changes
# something carries an idempotency key, so a retry after a timeout is safe.
TIMEOUT_SECONDS = 10.0
NETWORK_RETRIES = 2


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    status: str
    amount_cents: int
    currency: str
    metadata: dict[str, str]
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str
    amount_cents: int


class StripeError(Exception):
    """Stripe refused or could not be reached; the message is safe to log."""


class WebhookSignatureError(Exception):
    """A webhook whose signature or timestamp does not check out."""


class WebhookBodyError(Exception):
    """A webhook body that is not JSON text; the message says why and is safe to show."""


def intent_from(data: Any) -> Intent:
    error = data.get("last_payment_error") if hasattr(data, "get") else None
    return Intent(
        id=str(data["id"]),
        client_secret=str(data.get("client_secret") or ""),
        status=str(data["status"]),
        amount_cents=int(data["amount"]),
        currency=str(data["currency"]).lower(),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        failure_message=str(error.get("message")) if error else None,
    )


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        import stripe  # noqa: PLC0415  (see the module's docstring)

        addresses: Any = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=addresses,
            max_network_retries=NETWORK_RETRIES,
            http_client=stripe.new_default_http_client(timeout=timeout_seconds),
        )

    async def create_intent(
        self, *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent:
        params: Any = {
            "amount": amount_cents,
            "currency": currency,
            "metadata": metadata,
            "payment_method_types": ["card"],
        }
        intent = await self._call(
            self._client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return intent_from(intent.to_dict())

    async def retrieve_intent(self, intent_id: str) -> Intent:
        intent = await self._call(self._client.v1.payment_intents.retrieve, intent_id)
        return intent_from(intent.to_dict())

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        intent = await self._call(
            self._client.v1.payment_intents.cancel,
            intent_id,
            options={"idempotency_key": idempotency_key},
        )
        return intent_from(intent.to_dict())

    async def refund(
        self, intent_id: str, *, amount_cents: int, idempotency_key: str
    ) -> RefundResult:
        params: Any = {"payment_intent": intent_id, "amount": amount_cents}
        refund = await self._call(
            self._client.v1.refunds.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return RefundResult(str(refund.id), str(refund.status), int(refund.amount))

    async def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        import stripe  # noqa: PLC0415

        try:
            return await asyncio.to_thread(method, *args, **kwargs)
        except stripe.StripeError as error:
            # user_message is Stripe's text for the payer; the rest may carry request details.
            raise StripeError(
                f"{type(error).__name__}: {error.user_message or error.code or 'no message'}"
            ) from error


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> Any:
    """The JSON value of `payload`, if `signature` is Stripe's for it and recent.

    Only the signature is checked with the SDK: its `construct_event` takes a body that is not
    JSON for a bad signature, and fails inside on a signed body that is JSON but no object.
    """
    import stripe  # noqa: PLC0415

    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebhookBodyError("The body is not UTF-8 text, as Stripe sends") from error
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(str(error)) from error
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError as error:
        raise WebhookBodyError("The body nests deeper than any Stripe event") from error
    except ValueError as error:
        raise WebhookBodyError("The body is not JSON: a Stripe event is a JSON object") from error


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise WebhookBodyError(f"The number {text[:20]} is out of range")
    return number


def _no_constant(name: str) -> float:
    raise WebhookBodyError(f"{name} is not a JSON number")
