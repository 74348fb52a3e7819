from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.crypto import encrypted_column
from attune.platform.database import Base


class PaymentProvider(StrEnum):
    stripe = "stripe"
    # No Stripe key configured: payments behave like Stripe's test mode, labelled "demo".
    demo = "demo"


class IntentStatus(StrEnum):
    """Stripe's PaymentIntent statuses, plus `failed` for an attempt that was declined."""

    requires_payment_method = "requires_payment_method"
    requires_confirmation = "requires_confirmation"
    requires_action = "requires_action"
    processing = "processing"
    requires_capture = "requires_capture"
    succeeded = "succeeded"
    failed = "failed"
    canceled = "canceled"


class Payment(Timestamped, Base):
    """One PaymentIntent for one booking; the price is the booking's, never the client's."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(
            "amount_refunded_cents >= 0 AND amount_refunded_cents <= amount_cents",
            name="refunds_within_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[PaymentProvider] = mapped_column(String(16))
    intent_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The intent's client secret lets a browser complete the payment: a credential, sealed.
    client_secret_encrypted: Mapped[str] = encrypted_column()
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[IntentStatus] = mapped_column(String(32))
    amount_refunded_cents: Mapped[int] = mapped_column(default=0)
    failure_message: Mapped[str | None] = mapped_column(String(500))
    succeeded_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    disputed_at: Mapped[datetime | None]

    @property
    def is_open(self) -> bool:
        """Still payable: neither paid nor given up."""
        return self.status not in (IntentStatus.succeeded, IntentStatus.canceled)


class RefundStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class Refund(Timestamped, Base):
    """Money given back on a payment: written with its outbox job, sent to Stripe by it."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(String(64))
    status: Mapped[RefundStatus] = mapped_column(String(16), default=RefundStatus.pending)
    # The idempotency key sent to Stripe: a retried job never refunds twice.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    succeeded_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class WebhookEvent(Base):
    """A Stripe event already handled, stored under its id: a replay changes nothing."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(255), index=True)
    received_at: Mapped[datetime]
