"""Payments (seed 000, flaws fixed): the booking's price, Stripe as the source of truth, refunds."""
