"""`/bookings/{id}/pay`: paying for a booking, with Stripe's Payment Element or in demo mode."""

from __future__ import annotations

from attune.web.routing import page_router

router = page_router()
