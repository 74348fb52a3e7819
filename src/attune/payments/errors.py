"""What can go wrong with a payment, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import AttuneError, BadRequest, Conflict, NotFound, PaymentRequired


class PaymentsNotRequired(Conflict):
    error = "This practice does not take payments"


class BookingNotPayable(Conflict):
    error = "Only a scheduled booking can be paid"


class BookingAlreadyPaid(Conflict):
    error = "This booking is already paid"


class PriceMismatch(BadRequest):
    # The price is the practice's (DESIGN.md §2): a client-chosen amount is refused, not used.
    error = "The amount must be the booking's price"


class BookingNotNamed(BadRequest):
    # Seed 000's body names no booking; it is only taken when the price points at one.
    error = "Name the booking to pay with booking_id"


class PaymentNotFound(NotFound):
    # Also the answer for another client's intent: its existence is not revealed.
    error = "Payment not found"


class PaymentFailed(PaymentRequired):
    error = "Payment failed"


class PaymentIncomplete(PaymentRequired):
    error = "Payment required"


class PaymentProviderError(AttuneError):
    # Stripe could not be reached or refused the call; nothing was charged or stored.
    status_code = 502
    error = "The payment provider could not be reached"
