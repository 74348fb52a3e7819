from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from tests.accounts.builders import PASSWORD, mailed_code, row_counts, sign_up
from tests.conftest import run_jobs
from tests.support.mailbox import Mailbox, text_body

EMAIL = "ada@example.com"
NEW_PASSWORD = "a whole new passphrase"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))


async def reset_code(client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox) -> str:
    """Ask for a reset code for the account that sign_up created (its first mail was the
    verification code)."""
    response = await client.post("/api/auth/forgot-password", json={"email": EMAIL})
    assert response.status_code == 200
    return await mailed_code(app, mailbox, EMAIL, count=2)


def reset_body(code: str, **overrides: str) -> dict[str, str]:
    body = {
        "email": EMAIL,
        "otp": code,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    body.update(overrides)
    return body


async def login_status(client: httpx.AsyncClient, password: str) -> int:
    response = await client.post("/api/auth/login", json={"email": EMAIL, "password": password})
    return response.status_code


class TestForgotPassword:
    @pytest.mark.parametrize("path", ["/api/auth/forgot-password", "/api/auth/forgot-password/"])
    async def test_mails_a_reset_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        await sign_up(client, app, mailbox)

        response = await client.post(path, json={"email": EMAIL})
        code = await mailed_code(app, mailbox, EMAIL, count=2)

        assert response.status_code == 200
        assert code in text_body(mailbox.to(EMAIL)[-1])

    async def test_unknown_address_gets_the_same_answer_and_no_mail(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)

        known = await client.post("/api/auth/forgot-password", json={"email": EMAIL})
        unknown = await client.post(
            "/api/auth/forgot-password", json={"email": "nobody@example.com"}
        )
        await run_jobs(app)

        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        assert mailbox.to("nobody@example.com") == []

    async def test_second_request_inside_the_cool_down_is_refused_and_sends_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        first = await client.post("/api/auth/forgot-password", json={"email": EMAIL})
        await run_jobs(app)

        second = await client.post("/api/auth/forgot-password", json={"email": EMAIL})
        await run_jobs(app)

        assert first.status_code == 200
        assert second.status_code == 429
        assert second.headers["retry-after"] == "60"
        assert len(mailbox.to(EMAIL)) == 2  # verification code, one reset code

    async def test_inside_the_cool_down_unknown_addresses_get_the_same_answer(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        await sign_up(client, app, mailbox)
        emails = (EMAIL, "nobody@example.com")
        for email in emails:
            await client.post("/api/auth/forgot-password", json={"email": email})
        clock.advance(timedelta(seconds=10))

        known, unknown = [
            await client.post("/api/auth/forgot-password", json={"email": email})
            for email in emails
        ]

        assert known.status_code == unknown.status_code == 429
        assert known.json() == unknown.json()
        assert known.headers["retry-after"] == unknown.headers["retry-after"] == "50"


class TestVerifyPasswordResetOtp:
    @pytest.mark.parametrize(
        "path", ["/api/auth/verify-password-reset-otp", "/api/auth/verify-password-reset-otp/"]
    )
    async def test_right_code_is_accepted_and_still_resets(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)

        checked = await client.post(path, json={"email": EMAIL, "otp": code})
        reset = await client.post("/api/auth/reset-password", json=reset_body(code))

        assert checked.status_code == 200
        assert reset.status_code == 200

    async def test_wrong_code_is_400(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"

        response = await client.post(
            "/api/auth/verify-password-reset-otp", json={"email": EMAIL, "otp": wrong}
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid or expired OTP"

    async def test_registration_code_is_not_a_reset_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await client.post(
            "/api/auth/register",
            json={"first_name": "Ada", "last_name": "L", "email": EMAIL, "password": PASSWORD},
        )
        code = await mailed_code(app, mailbox, EMAIL)

        response = await client.post(
            "/api/auth/verify-password-reset-otp", json={"email": EMAIL, "otp": code}
        )

        assert response.status_code == 400


class TestResetPassword:
    async def test_after_ten_wrong_codes_even_the_right_one_resets_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(10):
            await client.post("/api/auth/reset-password", json=reset_body(wrong))

        response = await client.post("/api/auth/reset-password", json=reset_body(code))

        assert response.status_code == 429
        assert int(response.headers["retry-after"]) == 15 * 60
        assert await login_status(client, PASSWORD) == 200
        assert await login_status(client, NEW_PASSWORD) == 401

    @pytest.mark.parametrize("path", ["/api/auth/reset-password", "/api/auth/reset-password/"])
    async def test_new_password_works_and_old_one_does_not(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)

        response = await client.post(path, json=reset_body(code))

        assert response.status_code == 200
        assert response.json() == {"message": "Password reset successfully"}
        assert await login_status(client, PASSWORD) == 401
        assert await login_status(client, NEW_PASSWORD) == 200

    async def test_ends_every_existing_login(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)

        await client.post("/api/auth/reset-password", json=reset_body(code))

        profile = await client.get("/api/auth/profile", headers=signed_in.headers)
        refreshed = await client.post(
            "/api/auth/token/refresh", json={"refresh": signed_in.refresh}
        )
        assert profile.status_code == 401
        assert refreshed.status_code == 401

    async def test_mails_a_password_changed_notice(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)

        await client.post("/api/auth/reset-password", json=reset_body(code))
        await run_jobs(app)

        messages = await mailbox.wait_for(EMAIL, count=3)
        assert "Ada" in text_body(messages[-1])

    async def test_code_resets_only_once(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)
        await client.post("/api/auth/reset-password", json=reset_body(code))

        again = await client.post(
            "/api/auth/reset-password", json=reset_body(code, new_password="yet another phrase")
        )

        assert again.status_code == 400
        assert await login_status(client, NEW_PASSWORD) == 200

    async def test_expired_code_changes_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)
        clock.advance(timedelta(minutes=11))

        response = await client.post("/api/auth/reset-password", json=reset_body(code))

        assert response.status_code == 400
        assert await login_status(client, PASSWORD) == 200

    async def test_unknown_address_answers_like_a_wrong_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"

        known = await client.post("/api/auth/reset-password", json=reset_body(wrong))
        unknown = await client.post(
            "/api/auth/reset-password", json=reset_body(code, email="nobody@example.com")
        )

        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())

    async def test_mismatched_confirmation_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)

        response = await client.post(
            "/api/auth/reset-password", json=reset_body(code, confirm_password="something else")
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Passwords do not match"
        assert await login_status(client, PASSWORD) == 200

    async def test_weak_password_is_refused_and_the_code_still_works(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await sign_up(client, app, mailbox)
        code = await reset_code(client, app, mailbox)

        weak = await client.post(
            "/api/auth/reset-password",
            json=reset_body(code, new_password="password1", confirm_password="password1"),
        )
        strong = await client.post("/api/auth/reset-password", json=reset_body(code))

        assert weak.status_code == 400
        assert "too common" in weak.json()["details"]
        assert strong.status_code == 200

    @pytest.mark.parametrize(
        "body",
        [
            {"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD},
            {**reset_body("123456"), "password2": NEW_PASSWORD},
            reset_body("123456", new_password="x" * 1000, confirm_password="x" * 1000),
            {**reset_body("123456"), "otp": None},
        ],
    )
    async def test_malformed_body_is_400_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        body: dict[str, object],
    ) -> None:
        await sign_up(client, app, mailbox)
        before = await row_counts(database)

        response = await client.post("/api/auth/reset-password", json=body)

        assert response.status_code == 400
        assert await row_counts(database) == before
        assert await login_status(client, PASSWORD) == 200
