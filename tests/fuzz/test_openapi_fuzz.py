"""Schemathesis against the service's own /openapi.json: every operation, as an anonymous caller,
a verified client and the admin, with a bounded, seeded number of examples, and every check
schemathesis has (`--checks all`): no answer is a 5xx; every answer (status, content type,
headers, body) is one the document describes; what the document calls invalid is refused and
what it calls valid is accepted; a method a path does not have is a 405 naming the ones it has;
an operation that needs a token refuses a call without one."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, settings, strategies
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation

from attune.app import create_app
from tests.conftest import TEST_DATABASE_URL, make_settings
from tests.fuzz.service import FuzzedService, running_service

CALLERS = ("anonymous", "client", "admin")
LOGOUT = ("POST", "/api/auth/logout")
# Fixed, so a failure in CI is the same failure on a laptop.
SEED = 20261201
MAX_EXAMPLES = 15
# Inside the five years a date may be from today, with a margin for a run across midnight.
DATE_WINDOW = timedelta(days=4 * 365)
# Sequences of operations (one created thing used by the next): few and short, for 2 cores.
STATEFUL_SCENARIOS = 10
STATEFUL_STEPS = 5

# Rules that JSON Schema cannot state: these operations may refuse a request that the document
# calls valid (400), for the reason given. Every other check still runs on them.
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/auth/register"): "a password too common or like the name; password2 differs",
    ("POST", "/api/auth/verify-otp"): "the code must be the one that was mailed",
    ("POST", "/api/auth/verify-password-reset-otp"): "the code must be the one that was mailed",
    ("POST", "/api/auth/reset-password"): "the code must be the one that was mailed",
    ("PUT", "/api/auth/profile"): "booking notices are for admins only",
    ("POST", "/api/meetings/appointments/create"): "dates in the next 30 days, on open weekdays",
    ("POST", "/api/payments/intent"): "without booking_id, the caller needs one unpaid booking",
    ("POST", "/api/payments/webhook"): "the Stripe-Signature must sign the body",
    ("POST", "/api/admin/schedules"): "a slot ends after it starts",
    ("PUT", "/api/admin/schedules/{schedule_id}"): "a slot ends after it starts",
    ("GET", "/api/admin/reports/financial"): "at most 366 days",
    ("GET", "/api/admin/users"): "no control or invisible characters in the search",
    # JSON Schema counts 2.0 as an integer; the weekdays are read strictly, 2 and not 2.0.
    ("PUT", "/api/meetings/admin/availability"): "weekday numbers written as integers",
    ("PATCH", "/api/meetings/admin/availability"): "weekday numbers written as integers",
}
EXCEPTIONS = [
    {
        "include-method": method,
        "include-path": path,
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
    for method, path in RULES_BEYOND_THE_SCHEMA
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": True},
            # Run by test_sequences_of_operations below, with the links schemathesis infers.
            "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS},
        },
        "checks": {"enabled": True},
        "operations": EXCEPTIONS,
    }
)


def deliverable(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# The formats as the service reads them, where JSON Schema cannot say so. `format: email` is an
# address the service can mail: not a special-use domain such as `.test`, which hypothesis's
# addresses may have. Dates and times are within five years of today (docs/decisions.md).
schemathesis.openapi.format("email", strategies.emails().filter(deliverable))
TODAY = datetime.now(UTC).date()
schemathesis.openapi.format(
    "date",
    strategies.dates(TODAY - DATE_WINDOW, TODAY + DATE_WINDOW).map(date.isoformat),
)
schemathesis.openapi.format(
    "date-time",
    strategies.datetimes(
        datetime.combine(TODAY - DATE_WINDOW, time()),
        datetime.combine(TODAY + DATE_WINDOW, time()),
        timezones=strategies.just(UTC),
    ).map(datetime.isoformat),
)


def documented_api() -> dict[str, Any]:
    """The document the app serves at /openapi.json; the fixture below checks that it does."""
    with tempfile.TemporaryDirectory() as directory:
        settings = make_settings(Path(directory), "sqlite+aiosqlite://")
        document: dict[str, Any] = create_app(settings).openapi()
    return document


DOCUMENT = documented_api()
# A copy: schemathesis adds the links it infers to the document it is given.
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=CONFIG)


@pytest.fixture(scope="module", params=CALLERS)
def caller(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, caller: str) -> Iterator[FuzzedService]:
    """A fresh practice for each caller, so what one caller changed never blinds another."""
    tmp_path = tmp_path_factory.mktemp(f"fuzz-{caller}")
    database_url = TEST_DATABASE_URL or f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    with running_service(tmp_path, database_url) as running:
        served = httpx.get(f"{running.base_url}/openapi.json")
        assert served.json() == DOCUMENT
        yield running


@schema.parametrize()
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: Case[Any], service: FuzzedService, caller: str
) -> None:
    case.call_and_validate(base_url=service.base_url, headers=call_headers(service, caller, case))


def call_headers(service: FuzzedService, caller: str, case: Case[Any]) -> dict[str, str]:
    person = service.people.get(caller)
    # A case whose headers are invalid on purpose may be one without the token: adding it back
    # would make the request valid, and the check expecting a refusal would be misled.
    headers_negated = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    if person is None or headers_negated:
        return {}
    # A logout ends the login it is sent with: it gets one of its own, so that the operations
    # called after it are not all answered 401.
    ended_by_request = (case.method.upper(), case.path) == LOGOUT
    return service.fresh_login(person) if ended_by_request else person.headers


def test_sequences_of_operations(service: FuzzedService, caller: str) -> None:
    """The stateful phase: what one operation answers (an id, a token) is sent to the next."""

    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"base_url": service.base_url, "headers": call_headers(service, caller, case)}

    run_state_machine_as_test(
        Sequences,
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
