"""What can go wrong with a payment, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import AttuneError, BadRequest, Conflict, NotFound, PaymentRequired


class PaymentsNotRequired(Conflict):
    error = "This practice does not take payments"
    details = "Bookings here are not paid through this service."


class BookingNotPayable(Conflict):
    error = "Only a scheduled booking can be paid"
    details = "A cancelled or completed booking cannot be paid."


class BookingAlreadyPaid(Conflict):
    error = "This booking is already paid"
    details = "Nothing is left to pay on this booking."


class PriceMismatch(BadRequest):
    # The price is the practice's (docs/decisions.md, "Payments"): a client-chosen amount is
    # refused, not used.
    error = "The amount must be the booking's price"
    details = "Leave `amount` out: the price is the booking's."


class CurrencyMismatch(BadRequest):
    error = "The currency must be the booking's currency"
    details = "Leave `currency` out: it is the booking's."


class BookingNotNamed(BadRequest):
    # Seed 000's body names no booking; it is only taken when the price points at one.
    error = "Name the booking to pay with booking_id"


class PaymentNotFound(NotFound):
    # Also the answer for another client's intent: its existence is not revealed.
    error = "Payment not found"
    details = "No payment with this id is visible to you."


class PaymentFailed(PaymentRequired):
    error = "Payment failed"
    details = "The payment was declined or could not be completed; try again with another card."


class PaymentIncomplete(PaymentRequired):
    error = "Payment required"
    details = "Pay for the booking first: POST /api/payments/intent."


class PaymentProviderError(AttuneError):
    # Stripe could not be reached or refused the call; nothing was charged or stored.
    status_code = 502
    error = "The payment provider could not be reached"
    details = "Nothing was charged. Try again in a moment."
