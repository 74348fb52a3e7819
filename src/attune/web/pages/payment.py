"""`/bookings/{id}/pay`: paying for a booking, with Stripe's Payment Element or in demo mode.

Both go through the payments service as the API does: an intent opened for the booking, then
confirmed. In demo mode (no Stripe key) the page's "Pay" does both at once, as a test card
would; with Stripe, "Pay by card" opens the intent and the page that follows hands its client
secret to Stripe.js (`static/payment.js`), which takes the card and comes back to the booking.
What the booking page then shows is what the server recorded (the confirm or the webhook).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.bookings.service import booking_service
from attune.bookings.views import BookingView
from attune.models import IntentStatus, PaymentProvider
from attune.payments.endpoints import Gateway
from attune.payments.schemas import PaymentIntentCreate
from attune.payments.service import OpenIntent, payment_service
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import PathId
from attune.platform.middleware import PAGE_CONTENT_SECURITY_POLICY
from attune.web.auth import SignedIn
from attune.web.forms import FORM, Form, errors_of
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router()

STRIPE_JS = "https://js.stripe.com/v3/"
# The pages' policy, widened on the card page alone for Stripe.js: its script, the frames it
# draws the card fields and 3-D Secure in, and its API.
STRIPE_CONTENT_SECURITY_POLICY = (
    PAGE_CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", "script-src 'self' https://js.stripe.com"
    ).replace("connect-src 'self'", "connect-src 'self' https://api.stripe.com")
    + "; frame-src https://js.stripe.com https://hooks.stripe.com"
)


def _pay_page(
    request: Request,
    booking: BookingView,
    demo: bool,
    form: Form | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "client/pay.html",
        {"booking": booking, "demo": demo, "form": form or Form()},
        status_code=status_code,
    )


def _card_page(request: Request, booking: BookingView, opened: OpenIntent) -> Response:
    settings = request.app.state.settings
    return render(
        request,
        "client/pay_card.html",
        {
            "booking": booking,
            "client_secret": opened.client_secret,
            "publishable_key": settings.stripe_publishable_key or "",
            "stripe_js": STRIPE_JS,
        },
        headers={"Content-Security-Policy": STRIPE_CONTENT_SECURITY_POLICY},
    )


@router.get("/bookings/{booking_id}/pay")
async def pay_form(
    request: Request, booking_id: PathId, uow: Work, visitor: SignedIn, gateway: Gateway
) -> Response:
    booking = await booking_service.read(uow, visitor.actor, booking_id, via="payment page")
    demo = gateway.provider == PaymentProvider.demo
    if not demo:
        opened = await payment_service.current_intent(uow, visitor.actor, booking_id)
        if opened is not None:
            return _card_page(request, booking, opened)
    return _pay_page(request, booking, demo)


@router.post("/bookings/{booking_id}/pay")
async def pay(
    request: Request, booking_id: PathId, uow: Work, visitor: SignedIn, gateway: Gateway
) -> Response:
    actor = visitor.actor
    booking = await booking_service.read(uow, actor, booking_id, via="payment page")
    demo = gateway.provider == PaymentProvider.demo
    try:
        async with uow.attempt():
            opened = await payment_service.open_intent(
                uow, actor, gateway, PaymentIntentCreate(booking_id=booking_id)
            )
            if not demo:
                # The card page follows, with the intent just opened.
                return see_other(f"/bookings/{booking_id}/pay")
            # What the API's demo mode does next: confirm, which the demo gateway answers with
            # a success, as Stripe does for a test card.
            payment = await payment_service.confirm(uow, actor, gateway, opened.payment.intent_id)
    except AttuneError as error:
        return _pay_page(
            request, booking, demo, Form().refused(errors_of(error)), error.status_code
        )
    if payment.status != IntentStatus.succeeded:
        message = payment.failure_message or f"The payment is {payment.status}."
        return _pay_page(request, booking, demo, Form().refused({FORM: message}), 402)
    return see_other(with_notice(f"/bookings/{booking_id}", "paid-demo"))
