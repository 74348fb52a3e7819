"""Where payments go: Stripe when a secret key is configured, else an offline demo.

The demo behaves like Stripe's test mode with a card that always succeeds: an intent is
created, and confirming it succeeds. It keeps no state of its own (the amount and currency
are written into the intent's id), so it works the same across processes. Every payment
response says which mode answered (`"mode": "demo"` or `"stripe"`).
"""

from __future__ import annotations

import secrets
from typing import Protocol

from attune.integrations.stripe import Intent, RefundResult, StripeGateway
from attune.models import PaymentProvider
from attune.platform.settings import Settings

DEMO_PREFIX = "pi_demo_"


class PaymentGateway(Protocol):
    provider: PaymentProvider

    async def create_intent(
        self, *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent: ...

    async def retrieve_intent(self, intent_id: str) -> Intent: ...

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent: ...

    async def refund(
        self, intent_id: str, *, amount_cents: int, idempotency_key: str
    ) -> RefundResult: ...


class StripePayments(StripeGateway):
    provider = PaymentProvider.stripe


class DemoPayments:
    provider = PaymentProvider.demo

    async def create_intent(
        self, *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent:
        intent_id = f"{DEMO_PREFIX}{secrets.token_hex(8)}_{amount_cents}_{currency}"
        return Intent(
            id=intent_id,
            client_secret=f"{intent_id}_secret_{secrets.token_hex(8)}",
            status="requires_payment_method",
            amount_cents=amount_cents,
            currency=currency,
            metadata=dict(metadata),
        )

    async def retrieve_intent(self, intent_id: str) -> Intent:
        # Confirming a demo payment always succeeds, as a test card does.
        amount_cents, currency = self._amount(intent_id)
        return Intent(intent_id, "", "succeeded", amount_cents, currency, {})

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        amount_cents, currency = self._amount(intent_id)
        return Intent(intent_id, "", "canceled", amount_cents, currency, {})

    async def refund(
        self, intent_id: str, *, amount_cents: int, idempotency_key: str
    ) -> RefundResult:
        return RefundResult(f"re_demo_{secrets.token_hex(8)}", "succeeded", amount_cents)

    @staticmethod
    def _amount(intent_id: str) -> tuple[int, str]:
        amount, currency = intent_id.removeprefix(DEMO_PREFIX).split("_")[1:3]
        return int(amount), currency


def gateway_for(settings: Settings) -> PaymentGateway:
    if settings.stripe_secret_key is None:
        return DemoPayments()
    return StripePayments(
        settings.stripe_secret_key.get_secret_value(), api_base=settings.stripe_api_base
    )
