"""The personal fields of a request are stored only as ciphertext (issue 5), read with plain SQL."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.requests.builders import NOW, ask
from tests.support.people import add_admin

PERSONAL = ("Johannes", "Doeberg", "johannes@example.com", "+44 20 7946 0958", "panic attacks")
REJECTION = "Fully booked this month"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def raw_rows(database: Database) -> list[dict[str, object]]:
    async with database.transaction(write=False) as session:
        result = await session.execute(text("SELECT * FROM appointment_requests"))
        return [dict(row) for row in result.mappings()]


class TestAtRest:
    async def test_no_personal_field_is_stored_in_clear(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        first, last, email, phone, reason = PERSONAL
        asked = await ask(
            client, first_name=first, last_name=last, email=email, phone=phone, reason=reason
        )
        await client.post(
            f"/api/meetings/appointments/{asked['id']}/reject",
            json={"rejection_reason": REJECTION},
            headers=admin.headers,
        )

        [row] = await raw_rows(database)

        stored = " ".join(str(value) for value in row.values())
        for value in (*PERSONAL, "johannes", REJECTION):
            assert value.lower() not in stored.lower()
        assert row["rejection_reason_encrypted"] is not None

    async def test_the_email_index_is_a_keyed_hash(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await ask(client, email="johannes@example.com")
        await ask(client, email="JOHANNES@example.com ")

        rows = await raw_rows(database)

        hashes = {row["email_hash"] for row in rows}
        assert len(hashes) == 1
        assert len(str(hashes.pop())) == 64
        assert rows[0]["email_encrypted"] != rows[1]["email_encrypted"]

    async def test_the_api_reads_them_back(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        first, last, email, phone, reason = PERSONAL
        asked = await ask(
            client, first_name=first, last_name=last, email=email, phone=phone, reason=reason
        )

        response = await client.get(
            f"/api/meetings/appointments/{asked['id']}", headers=admin.headers
        )

        body = response.json()
        assert (body["first_name"], body["last_name"], body["email"]) == (first, last, email)
        assert (body["phone"], body["reason"]) == (phone, reason)
