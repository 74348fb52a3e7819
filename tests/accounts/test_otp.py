from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from attune.app import create_app
from attune.models import OtpCode
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.job_model import Job
from tests.accounts.builders import PASSWORD, mailed_code, registration, row_counts
from tests.conftest import http_client, run_jobs
from tests.support.mailbox import Mailbox

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
EMAIL = "ada@example.com"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@contextmanager
def recorded_statements(database: Database) -> Iterator[list[str]]:
    """The kind and table of each SQL statement run meanwhile ("UPDATE otp_codes")."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        words = args[2].split()
        table = next(
            (words[i + 1] for i, word in enumerate(words[:-1]) if word in ("FROM", "INTO")),
            words[1] if len(words) > 1 else "",
        )
        statements.append(f"{words[0]} {table}")

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def register(client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox) -> str:
    response = await client.post("/api/auth/register", json=registration())
    assert response.status_code == 201
    return await mailed_code(app, mailbox, EMAIL)


async def can_log_in(client: httpx.AsyncClient) -> bool:
    response = await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    return response.status_code == 200


class TestVerifyEmail:
    @pytest.mark.parametrize("path", ["/api/auth/verify-otp", "/api/auth/verify-otp/"])
    async def test_mailed_code_verifies_and_login_works(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        code = await register(client, app, mailbox)

        response = await client.post(path, json={"email": EMAIL, "otp": code})

        assert response.status_code == 200
        assert response.json() == {"message": "Email verified successfully"}
        assert await can_log_in(client)

    async def test_code_is_stored_only_as_a_hash(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        code = await register(client, app, mailbox)

        async with database.transaction(write=False) as session:
            stored = await session.scalar(select(OtpCode))

        assert stored is not None
        assert code not in stored.code_hash

    async def test_code_works_once(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)
        await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        again = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        assert again.status_code == 400
        assert again.json()["error"] == "Invalid or expired OTP"

    async def test_wrong_code_is_400_and_does_not_verify(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)

        response = await client.post(
            "/api/auth/verify-otp", json={"email": EMAIL, "otp": wrong(code)}
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid or expired OTP"
        assert not await can_log_in(client)

    async def test_unknown_email_gets_the_same_answer_as_a_wrong_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)

        known = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": wrong(code)})
        unknown = await client.post(
            "/api/auth/verify-otp", json={"email": "nobody@example.com", "otp": code}
        )

        assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())

    async def test_expired_code_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        code = await register(client, app, mailbox)
        clock.advance(timedelta(minutes=10))

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        assert response.status_code == 400
        assert not await can_log_in(client)

    async def test_code_works_until_just_before_expiry(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        code = await register(client, app, mailbox)
        clock.advance(timedelta(minutes=10) - timedelta(seconds=1))

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        assert response.status_code == 200

    async def test_five_wrong_tries_burn_the_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)
        for _ in range(5):
            await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": wrong(code)})

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        assert response.status_code == 400
        assert not await can_log_in(client)

    async def test_four_wrong_tries_leave_the_code_usable(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)
        for _ in range(4):
            await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": wrong(code)})

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        assert response.status_code == 200

    @pytest.mark.parametrize(
        "body",
        [
            {"email": EMAIL},
            {"email": EMAIL, "otp": "12345"},
            {"email": EMAIL, "otp": "12345a"},
            {"email": EMAIL, "otp": "١٢٣٤٥٦"},
            {"email": EMAIL, "otp": 123456},
            {"email": EMAIL, "otp": "123456", "extra": 1},
        ],
    )
    async def test_malformed_body_is_400_and_spends_no_try(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        body: dict[str, object],
    ) -> None:
        await register(client, app, mailbox)
        before = await row_counts(database)

        response = await client.post("/api/auth/verify-otp", json=body)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        async with database.transaction(write=False) as session:
            stored = await session.scalar(select(OtpCode))
        assert stored is not None
        assert stored.attempts == 0
        assert await row_counts(database) == before


class TestResend:
    @pytest.mark.parametrize("path", ["/api/auth/resend-otp", "/api/auth/resend-otp/"])
    async def test_new_code_replaces_the_old_one(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        clock: FrozenClock,
        path: str,
    ) -> None:
        first = await register(client, app, mailbox)
        clock.advance(timedelta(seconds=60))

        response = await client.post(path, json={"email": EMAIL, "context": "registration"})
        second = await mailed_code(app, mailbox, EMAIL, count=2)

        assert response.status_code == 200
        old = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": first})
        if first != second:
            assert old.status_code == 400
        new = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": second})
        assert new.status_code == 200

    async def test_inside_the_cool_down_the_answer_says_when_to_ask_again(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        first = await register(client, app, mailbox)
        clock.advance(timedelta(seconds=45))

        response = await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        await run_jobs(app)

        assert response.status_code == 429
        assert response.headers["retry-after"] == "15"
        assert response.json() == {
            "error": "A new code was asked for this address moments ago",
            "details": "Use the code in the last e-mail (check the spam folder too), or ask "
            "for a new one in 15 seconds.",
        }
        assert len(mailbox.to(EMAIL)) == 1
        verified = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": first})
        assert verified.status_code == 200

    async def test_asking_again_when_told_sends_a_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        await register(client, app, mailbox)
        clock.advance(timedelta(seconds=30))
        refused = await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        clock.advance(timedelta(seconds=int(refused.headers["retry-after"])))

        response = await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        code = await mailed_code(app, mailbox, EMAIL, count=2)

        assert response.status_code == 200
        verified = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})
        assert verified.status_code == 200

    async def test_unknown_and_known_addresses_get_the_same_answer(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        await register(client, app, mailbox)
        clock.advance(timedelta(minutes=5))
        unknown_email = "nobody@example.com"

        known = await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        unknown = await client.post("/api/auth/resend-otp", json={"email": unknown_email})
        clock.advance(timedelta(seconds=20))
        known_cooling = await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        unknown_cooling = await client.post("/api/auth/resend-otp", json={"email": unknown_email})
        await run_jobs(app)

        assert known.status_code == unknown.status_code == 200
        assert known.json() == unknown.json()
        assert known_cooling.status_code == unknown_cooling.status_code == 429
        assert known_cooling.json() == unknown_cooling.json()
        assert known_cooling.headers["retry-after"] == unknown_cooling.headers["retry-after"]
        assert len(mailbox.to(EMAIL)) == 2
        assert mailbox.to(unknown_email) == []

    async def test_verified_account_gets_no_registration_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        code = await register(client, app, mailbox)
        await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})
        clock.advance(timedelta(minutes=5))

        response = await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        await run_jobs(app)

        assert response.status_code == 200
        assert len(mailbox.to(EMAIL)) == 1

    async def test_password_reset_context_mails_a_reset_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await register(client, app, mailbox)

        response = await client.post(
            "/api/auth/resend-otp", json={"email": EMAIL, "context": "password_reset"}
        )
        code = await mailed_code(app, mailbox, EMAIL, count=2)

        assert response.status_code == 200
        checked = await client.post(
            "/api/auth/verify-password-reset-otp", json={"email": EMAIL, "otp": code}
        )
        assert checked.status_code == 200

    async def test_outbox_keeps_no_address_once_the_code_is_sent(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        await client.post("/api/auth/resend-otp", json={"email": "nobody@example.com"})
        await run_jobs(app)

        async with database.transaction(write=False) as session:
            payloads = list(await session.scalars(select(Job.payload)))

        assert "nobody@example.com" not in str(payloads)

    @pytest.mark.parametrize(
        "body",
        [
            {"email": EMAIL, "context": "login"},
            {"context": "registration"},
            {"email": ["a@example.com"]},
            {"email": EMAIL, "otp": "123456"},
        ],
    )
    async def test_malformed_body_is_400_and_queues_nothing(
        self, client: httpx.AsyncClient, database: Database, body: dict[str, object]
    ) -> None:
        before = await row_counts(database)

        response = await client.post("/api/auth/resend-otp", json=body)

        assert response.status_code == 400
        assert await row_counts(database) == before


async def guess_wrong(client: httpx.AsyncClient, email: str, code: str, times: int) -> None:
    for _ in range(times):
        response = await client.post(
            "/api/auth/verify-otp", json={"email": email, "otp": wrong(code)}
        )
        assert response.status_code == 400, response.text


class TestWrongCodeLimit:
    """Ten wrong codes an hour lock the address, the right code included, for longer each time."""

    async def test_after_ten_wrong_codes_even_the_right_code_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        first = await register(client, app, mailbox)
        await guess_wrong(client, EMAIL, first, 10)
        clock.advance(timedelta(minutes=1))
        await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        second = await mailed_code(app, mailbox, EMAIL, count=2)

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": second})

        assert response.status_code == 429
        assert response.headers["retry-after"] == str(14 * 60)
        assert response.json() == {
            "error": "Too many wrong codes for this address",
            "details": "Too many wrong codes were tried for this address. Try again in 14 minutes.",
        }
        assert not await can_log_in(client)

    async def test_nine_wrong_codes_leave_the_address_open(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        first = await register(client, app, mailbox)
        await guess_wrong(client, EMAIL, first, 9)
        clock.advance(timedelta(minutes=1))
        await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        second = await mailed_code(app, mailbox, EMAIL, count=2)

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": second})

        assert response.status_code == 200

    async def test_wrong_codes_of_an_hour_ago_no_longer_count(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        first = await register(client, app, mailbox)
        await guess_wrong(client, EMAIL, first, 9)
        clock.advance(timedelta(hours=1))
        await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        second = await mailed_code(app, mailbox, EMAIL, count=2)
        await guess_wrong(client, EMAIL, second, 1)

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": second})

        assert response.status_code == 200

    async def test_when_the_lock_ends_a_right_code_works(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        first = await register(client, app, mailbox)
        await guess_wrong(client, EMAIL, first, 10)
        clock.advance(timedelta(minutes=15))
        await client.post("/api/auth/resend-otp", json={"email": EMAIL})
        second = await mailed_code(app, mailbox, EMAIL, count=2)

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": second})

        assert response.status_code == 200
        assert await can_log_in(client)

    async def test_each_lock_lasts_twice_as_long_as_the_one_before(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        code = await register(client, app, mailbox)
        waits = []
        for _ in range(3):
            await guess_wrong(client, EMAIL, code, 10)
            locked = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})
            assert locked.status_code == 429
            waits.append(int(locked.headers["retry-after"]))
            clock.advance(timedelta(seconds=waits[-1]))

        assert waits == [15 * 60, 30 * 60, 60 * 60]

    async def test_an_unknown_address_is_locked_alike(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)
        unknown_email = "nobody@example.com"
        await guess_wrong(client, EMAIL, code, 10)
        await guess_wrong(client, unknown_email, code, 10)

        known = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})
        unknown = await client.post(
            "/api/auth/verify-otp", json={"email": unknown_email, "otp": code}
        )

        assert known.status_code == unknown.status_code == 429
        assert known.json() == unknown.json()
        assert known.headers["retry-after"] == unknown.headers["retry-after"]

    async def test_the_lock_holds_for_a_restarted_app(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database_url: str,
        clock: FrozenClock,
    ) -> None:
        code = await register(client, app, mailbox)
        await guess_wrong(client, EMAIL, code, 10)
        fresh_database = Database(database_url)
        restarted = create_app(app.state.settings, database=fresh_database, clock=clock)

        try:
            async with (
                restarted.router.lifespan_context(restarted),
                http_client(restarted) as restarted_client,
            ):
                response = await restarted_client.post(
                    "/api/auth/verify-otp", json={"email": EMAIL, "otp": code}
                )
        finally:
            await fresh_database.dispose()

        assert response.status_code == 429

    async def test_a_wrong_code_costs_the_same_statements_for_an_unknown_address(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        code = await register(client, app, mailbox)

        async def statements_of(email: str) -> list[str]:
            with recorded_statements(database) as statements:
                response = await client.post(
                    "/api/auth/verify-otp", json={"email": email, "otp": wrong(code)}
                )
            assert response.status_code == 400
            return statements

        known = await statements_of(EMAIL)
        unknown = await statements_of("nobody@example.com")

        assert unknown == known

    async def test_a_lock_of_one_address_leaves_others_open(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        code = await register(client, app, mailbox)
        await guess_wrong(client, "nobody@example.com", code, 10)

        response = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})

        assert response.status_code == 200
