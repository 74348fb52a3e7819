"""Page sessions: a sign-in on the web pages is a login held by a cookie, ended by signing out,
by a new password, by idling and by age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from attune.accounts.errors import InvalidCredentials, InvalidOtp, WrongCurrentPassword
from attune.accounts.page_sessions import (
    PageSession,
    PageSessionAuthenticator,
    page_session_service,
)
from attune.accounts.repository import authenticated_user
from attune.accounts.schemas import Credentials, OtpVerification
from attune.accounts.service import account_service
from attune.accounts.tokens import decode_access_token
from attune.event_handlers import domain_events
from attune.models import AuthSession, OtpCode, User
from attune.platform.actor import ANONYMOUS, Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.platform.unit_of_work import unit_of_work
from tests.accounts.builders import mailed_code, registration
from tests.support.mailbox import Mailbox
from tests.support.people import PASSWORD, Person, add_client
from tests.support.work import work

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a quite different passphrase"


async def sign_in(database: Database, settings: Settings, person: Person, at: datetime) -> str:
    async with work(database, settings, now=at) as uow:
        actor, cookie = await page_session_service.sign_in(
            uow, ANONYMOUS, Credentials(email=person.email, password=PASSWORD)
        )
    assert actor.user_id == person.id
    return cookie


async def signed_in_as(
    database: Database, settings: Settings, cookie: str, at: datetime
) -> int | None:
    found = await page_session(database, settings, cookie, at)
    return None if found is None else found.actor.user_id


async def page_session(
    database: Database, settings: Settings, cookie: str, at: datetime, *, write: bool = False
) -> PageSession | None:
    """The session as a page request finds it: a GET's read-only unit, or a POST's."""
    authenticator = PageSessionAuthenticator(settings, database)
    async with unit_of_work(database, settings, domain_events(), now=at, write=write) as uow:
        return await authenticator.session(uow, cookie)


class TestSignIn:
    async def test_the_cookie_signs_in_its_person_as_a_client(
        self, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)
        cookie = await sign_in(database, settings, person, START)

        found = await page_session(database, settings, cookie, START + timedelta(minutes=1))

        assert found is not None
        assert found.actor.role is Role.client
        assert found.actor.user_id == person.id

    async def test_a_wrong_password_starts_nothing(
        self, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)

        with pytest.raises(InvalidCredentials):
            async with work(database, settings, now=START) as uow:
                await page_session_service.sign_in(
                    uow, ANONYMOUS, Credentials(email=person.email, password="wrong password")
                )

    async def test_an_unknown_cookie_signs_in_nobody(
        self, database: Database, settings: Settings
    ) -> None:
        assert await signed_in_as(database, settings, "made-up", START) is None


class TestEnding:
    async def test_signing_out_ends_it(self, database: Database, settings: Settings) -> None:
        person = await add_client(database, settings)
        cookie = await sign_in(database, settings, person, START)
        found = await page_session(database, settings, cookie, START)
        assert found is not None

        async with work(database, settings, now=START) as uow:
            await page_session_service.sign_out(uow, found.actor, found.login_id)

        assert await signed_in_as(database, settings, cookie, START) is None

    async def test_it_ends_after_the_idle_timeout(
        self, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)
        cookie = await sign_in(database, settings, person, START)
        idle = timedelta(minutes=settings.web_session_idle_minutes)

        assert await signed_in_as(database, settings, cookie, START + idle - timedelta(seconds=1))
        # That request counted: the idle time starts again from it.
        assert await signed_in_as(
            database, settings, cookie, START + 2 * idle - timedelta(minutes=2)
        )
        assert await signed_in_as(database, settings, cookie, START + 4 * idle) is None

    async def test_it_ends_after_its_lifetime_however_busy(
        self, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)
        cookie = await sign_in(database, settings, person, START)
        lifetime = timedelta(hours=settings.web_session_hours)

        at = START
        while at < START + lifetime - timedelta(minutes=30):
            at += timedelta(minutes=30)
            assert await signed_in_as(database, settings, cookie, at) == person.id
        assert await signed_in_as(database, settings, cookie, START + lifetime) is None


class TestPasswordChange:
    async def test_ends_every_other_login_and_keeps_this_one(
        self, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)  # with a live API login (its token)
        this_browser = await sign_in(database, settings, person, START)
        other_browser = await sign_in(database, settings, person, START)
        current = await page_session(database, settings, this_browser, START)
        assert current is not None

        async with work(database, settings, now=START) as uow:
            await account_service.change_password(
                uow, current.actor, PASSWORD, NEW_PASSWORD, keep_login=current.login_id
            )

        assert await signed_in_as(database, settings, this_browser, START) == person.id
        assert await signed_in_as(database, settings, other_browser, START) is None
        claims = decode_access_token(settings, person.token, START)
        async with database.transaction() as session:
            assert await authenticated_user(session, claims) is None

    async def test_needs_the_current_password(self, database: Database, settings: Settings) -> None:
        person = await add_client(database, settings)
        cookie = await sign_in(database, settings, person, START)
        current = await page_session(database, settings, cookie, START)
        assert current is not None

        with pytest.raises(WrongCurrentPassword) as refused:
            async with work(database, settings, now=START) as uow:
                await account_service.change_password(
                    uow, current.actor, "not my password", NEW_PASSWORD
                )

        assert refused.value.field == "current_password"
        assert await signed_in_as(database, settings, cookie, START) == person.id


# A verified registration code signs the person in (the web pages' /verify): the code, fresh
# from the inbox, proves as much as a password reset code.
CODE_START = START
EMAIL = "ada@example.com"


async def registered(client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox) -> str:
    response = await client.post("/api/auth/register", json=registration())
    assert response.status_code == 201
    return await mailed_code(app, mailbox, EMAIL)


async def page_logins(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuthSession)
            .where(AuthSession.cookie_hash.is_not(None))
        )
    return int(count or 0)


class TestSignInVerified:
    @pytest.fixture
    def clock(self) -> FrozenClock:
        return FrozenClock(CODE_START)

    async def test_the_mailed_code_verifies_and_signs_in(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        code = await registered(client, app, mailbox)

        async with work(database, settings, now=CODE_START) as uow:
            signed_in = await page_session_service.sign_in_verified(
                uow, ANONYMOUS, OtpVerification(email=EMAIL, otp=code)
            )

        assert signed_in is not None
        actor, cookie = signed_in
        async with database.transaction(write=False) as session:
            user = await session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        assert user.is_verified
        session_of_cookie = await page_session(database, settings, cookie, CODE_START)
        assert session_of_cookie is not None
        assert session_of_cookie.actor == actor
        assert actor.user_id == user.id
        # The code is spent: it signs no one in a second time.
        with pytest.raises(InvalidOtp):
            async with work(database, settings, now=CODE_START) as uow:
                await page_session_service.sign_in_verified(
                    uow, ANONYMOUS, OtpVerification(email=EMAIL, otp=code)
                )
        assert await page_logins(database) == 1

    async def test_a_wrong_code_signs_no_one_in_and_counts(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        code = await registered(client, app, mailbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"

        with pytest.raises(InvalidOtp):
            async with work(database, settings, now=CODE_START) as uow:
                await page_session_service.sign_in_verified(
                    uow, ANONYMOUS, OtpVerification(email=EMAIL, otp=wrong)
                )

        assert await page_logins(database) == 0
        async with database.transaction(write=False) as session:
            attempts = await session.scalar(select(OtpCode.attempts))
        assert attempts == 1

    async def test_a_switched_off_account_is_verified_but_not_signed_in(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        code = await registered(client, app, mailbox)
        async with database.transaction() as session:
            user = await session.scalar(select(User).where(User.email == EMAIL))
            assert user is not None
            user.is_active = False

        async with work(database, settings, now=CODE_START) as uow:
            signed_in = await page_session_service.sign_in_verified(
                uow, ANONYMOUS, OtpVerification(email=EMAIL, otp=code)
            )

        assert signed_in is None
        assert await page_logins(database) == 0
