"""Schemathesis against the service's own /openapi.json: every operation, as an anonymous caller,
a verified client and the admin, with a bounded, seeded number of examples. No answer is a 5xx,
and every answer (status, content type, headers, body) is one the document describes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import Case

from attune.app import create_app
from tests.conftest import TEST_DATABASE_URL, make_settings
from tests.fuzz.documented import CHECKS
from tests.fuzz.service import FuzzedService, running_service

CALLERS = ("anonymous", "client", "admin")
LOGOUT = ("POST", "/api/auth/logout")
# Fixed, so a failure in CI is the same failure on a laptop.
SEED = 20261201
MAX_EXAMPLES = 15

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
            "stateful": {"enabled": False},
        },
        "checks": CHECKS,
    }
)


def documented_api() -> dict[str, Any]:
    """The document the app serves at /openapi.json; the fixture below checks that it does."""
    with tempfile.TemporaryDirectory() as directory:
        settings = make_settings(Path(directory), "sqlite+aiosqlite://")
        document: dict[str, Any] = create_app(settings).openapi()
    return document


DOCUMENT = documented_api()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


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
    headers: dict[str, str] = {}
    person = service.people.get(caller)
    if person is not None:
        # A logout ends the login it is sent with: it gets one of its own, so that the
        # operations fuzzed after it are not all answered 401.
        ended_by_request = (case.method.upper(), case.path) == LOGOUT
        headers = service.fresh_login(person) if ended_by_request else person.headers
    case.call_and_validate(base_url=service.base_url, headers=headers)
