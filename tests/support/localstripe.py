"""A local Stripe-compatible server (localstripe) for tests that drive the real `stripe` SDK.

localstripe is started once per test session on a free port of 127.0.0.1 and stopped at the
end. It keeps no idempotency keys and nothing between runs (`--from-scratch`), and every intent
it makes has a fresh id, so tests sharing it do not see each other's payments.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import stripe

from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.mailbox import free_port

STARTUP_TIMEOUT_SECONDS = 20
STRIPE_SECRET_KEY = "sk_test_attune_localstripe"
STRIPE_WEBHOOK_SECRET = "whsec_test_attune_localstripe"
GOOD_CARD = "4242424242424242"
# Attaches, then is declined when charged: the intent goes back to requires_payment_method
# with Stripe's failure message in `last_payment_error`.
DECLINED_CARD = "4000000000000341"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def running_localstripe() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A localstripe on a free port: its base URL and process, terminated when the block ends."""
    port = free_port()
    script = Path(sys.executable).with_name("localstripe")
    process = subprocess.Popen(
        [str(script), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not _answers(port):
            if process.poll() is not None:
                raise RuntimeError(f"localstripe exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("localstripe did not answer in time")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """The base URL of a running localstripe; the process is terminated after the session."""
    with running_localstripe() as (url, _process):
        yield url


def stripe_settings(
    tmp_path: Path, database_url: str, smtp_url: str, localstripe_url: str, **overrides: Any
) -> Settings:
    """Test settings whose payments go to localstripe through the real SDK."""
    values: dict[str, Any] = {
        "smtp_url": smtp_url,
        "stripe_secret_key": STRIPE_SECRET_KEY,
        "stripe_webhook_secret": STRIPE_WEBHOOK_SECRET,
        "stripe_api_base": localstripe_url,
    }
    values.update(overrides)
    return make_settings(tmp_path, database_url, **values)


def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    """The SDK pointed at localstripe, as a browser or Stripe's dashboard would act."""
    return stripe.StripeClient(
        STRIPE_SECRET_KEY,
        base_addresses={"api": localstripe_url},
        max_network_retries=0,
    )


def pay_at_stripe(localstripe_url: str, intent_id: str, card: str = GOOD_CARD) -> str:
    """Play the browser: attach a card to the intent and confirm it; returns the new status.

    A declined card raises nothing here: what Stripe says is read back through the app.
    """
    client = stripe_client(localstripe_url)
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    try:
        confirmed = client.v1.payment_intents.confirm(intent_id)
    except stripe.CardError:
        return str(client.v1.payment_intents.retrieve(intent_id).status)
    return str(confirmed.status)
