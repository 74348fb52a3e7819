"""The back office's records: clients (search, a client's page, audited as the API audits it),
the report by month (the API's figures, its CSV), the audit log (filters, pages) and the
settings (what still runs in demo mode, never a secret)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import Page, expect

from attune.app import create_app
from attune.models import IntentStatus, Payment, PaymentProvider, Refund, RefundStatus
from attune.platform.audit import AuditEntry
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.conftest import http_client, make_settings
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.page_client import sign_in_over_http
from tests.support.pages import sign_in
from tests.support.people import Person, add_admin, add_client, add_person

XSS = "<img src=x onerror=alert(1)>"
# The report's range: three months of the practice (UTC) with payments in two of them.
FROM, TO = "2026-09-01", "2026-11-30"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


async def pay(
    database: Database, booking_id: int, client: Person, cents: int, succeeded_at: datetime
) -> int:
    async with database.transaction() as session:
        payment = Payment(
            booking_id=booking_id,
            user_id=client.id,
            provider=PaymentProvider.demo,
            intent_id=f"pi_records_{booking_id}",
            client_secret_encrypted="sealed",
            amount_cents=cents,
            currency="usd",
            status=IntentStatus.succeeded,
            succeeded_at=succeeded_at,
        )
        session.add(payment)
        await session.flush()
        return payment.id


async def refund(
    database: Database, payment_id: int, booking_id: int, cents: int, succeeded_at: datetime
) -> None:
    async with database.transaction() as session:
        session.add(
            Refund(
                payment_id=payment_id,
                booking_id=booking_id,
                amount_cents=cents,
                reason="requested_by_customer",
                status=RefundStatus.succeeded,
                idempotency_key=f"refund:records:{payment_id}",
                succeeded_at=succeeded_at,
            )
        )


async def paid_history(database: Database, settings: Settings, client: Person) -> None:
    """Two sessions paid in October, one in November of which half went back."""
    for day, cents in (("2026-10-05", 10000), ("2026-10-19", 10000), ("2026-11-09", 12000)):
        booking_id = await book(database, settings, client, at(day, 14))
        payment_id = await pay(database, booking_id, client, cents, at(day))
        if day == "2026-11-09":
            await refund(database, payment_id, booking_id, 6000, at("2026-11-10"))


async def add_entries(database: Database, count: int, **values: Any) -> None:
    async with database.transaction() as session:
        for number in range(count):
            session.add(
                AuditEntry(
                    **{
                        "at": datetime.now(UTC) - timedelta(minutes=number + 1),
                        "action": "slot.created",
                        "target_type": "slot",
                        "target_id": str(number + 1),
                        "address": "203.0.113.7",
                        "details": {},
                        **values,
                    }
                )
            )


async def api(site: str, admin: Person, path: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site, headers=admin.headers) as http:
        response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


async def ask_for_appointment(site: str, client: Person) -> str:
    """An appointment request made on the form with the client's address."""
    async with httpx.AsyncClient(base_url=site) as http:
        dates = (await http.get("/api/meetings/appointments/available-dates")).json()
        asked = await http.post(
            "/api/meetings/appointments/create",
            json={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": client.email,
                "reason": "Sleep has been hard since the move",
                "preferred_dates": dates[:1],
                "preferred_time_slots": ["morning"],
            },
        )
    assert asked.status_code == 201, asked.text
    return str(asked.json()["id"])


class TestClients:
    async def test_search_finds_a_client_by_part_of_the_name(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        await add_person(
            database, settings, email="grace@example.com", first_name="Grace", last_name="Hopper"
        )
        await add_person(
            database, settings, email="alan@example.com", first_name="Alan", last_name="Turing"
        )
        await sign_in(page, admin.email)

        await page.goto("/admin/clients")
        await page.get_by_label("Search").fill("hopp")
        await page.get_by_role("button", name="Search").click()

        await expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
        await expect(page.get_by_role("link", name="Alan Turing")).to_have_count(0)
        await expect(page.get_by_label("Search")).to_have_value("hopp")
        await assert_accessible(page)
        await page.goto("/admin/clients")
        await expect(page.get_by_role("link", name="Alan Turing")).to_be_visible()
        await screenshots(page, "admin-clients", tmp_path)

        await page.get_by_label("Search").fill("ALAN@example")
        await page.get_by_role("button", name="Search").click()
        await expect(page.get_by_role("link", name="Alan Turing")).to_be_visible()
        await expect(page.get_by_role("link", name="Grace Hopper")).to_have_count(0)

    async def test_the_list_is_paged(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        for number in range(1, 28):
            await add_person(
                database,
                settings,
                email=f"pat{number}@example.com",
                first_name="Pat",
                last_name=f"Number{number}",
                password_hash="not used",
            )
        await sign_in(page, admin.email)

        await page.goto("/admin/clients?search=pat")
        await expect(page.get_by_role("link", name=re.compile(r"^Pat Number"))).to_have_count(25)
        await page.get_by_role("link", name="Next page").click()

        await expect(page.get_by_role("link", name=re.compile(r"^Pat Number"))).to_have_count(2)
        await expect(page.get_by_label("Search")).to_have_value("pat")
        await page.get_by_role("link", name="Previous page").click()
        await expect(page.get_by_role("link", name=re.compile(r"^Pat Number"))).to_have_count(25)

    async def test_a_clients_page_shows_their_bookings_and_is_audited_once_per_opening(
        self, page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        client = await add_client(database, settings)
        await paid_history(database, settings, client)
        request_id = await ask_for_appointment(site, client)
        await sign_in(page, admin.email)

        for _ in range(2):
            await page.goto(f"/admin/clients/{client.id}")
            await expect(page.get_by_role("heading", name="Client1 Lovelace")).to_be_visible()

        bookings = page.get_by_role("region", name="Bookings", exact=True)
        await expect(bookings.get_by_role("link")).to_have_count(3)
        first = bookings.get_by_role("link").first
        assert re.fullmatch(r"/admin/bookings/\d+", await first.get_attribute("href") or "")
        requests = page.get_by_role("region", name="Appointment requests", exact=True)
        await expect(requests.get_by_role("link")).to_have_count(1)
        await expect(requests.get_by_role("link")).to_have_attribute(
            "href", f"/admin/requests/{request_id}"
        )
        await expect(requests).to_contain_text("Pending review")
        await expect(page.get_by_text("Times in UTC")).to_be_visible()
        entries = (
            await api(
                site,
                admin,
                "/api/admin/audit",
                action="user.viewed",
                target_type="user",
                target_id=str(client.id),
            )
        ).json()["entries"]
        assert [entry["details"] for entry in entries] == [{"via": "detail"}] * 2
        assert {entry["actor_id"] for entry in entries} == {admin.id}
        await assert_accessible(page)
        await screenshots(page, "admin-client", tmp_path)

    async def test_a_stranger_id_is_a_not_found_page(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)

        response = await page.goto("/admin/clients/999999")

        assert response is not None
        assert response.status == 404
        await assert_accessible(page)

    async def test_a_name_someone_typed_is_text(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        person = await add_person(
            database, settings, email="x@example.com", first_name=XSS, last_name="Smith"
        )
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await sign_in(page, admin.email)

        await page.goto("/admin/clients")
        await expect(page.get_by_role("link", name=f"{XSS} Smith")).to_be_visible()
        await page.goto(f"/admin/clients/{person.id}")
        await expect(page.get_by_role("heading", name=f"{XSS} Smith")).to_be_visible()

        assert await page.locator("img").count() == 0
        assert dialogs == []

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        admin = await add_admin(database, settings)
        client = await add_client(database, settings)
        await paid_history(database, settings, client)
        await sign_in(phone, admin.email)

        for path in ("/admin/clients", f"/admin/clients/{client.id}"):
            await phone.goto(path)
            await assert_no_sideways_scroll(phone)
            await assert_accessible(phone)


class TestReports:
    async def test_the_figures_by_month_are_the_apis(
        self, page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        client = await add_client(database, settings)
        await paid_history(database, settings, client)
        await sign_in(page, admin.email)

        await page.goto("/admin/reports")
        await page.get_by_label("From").fill(FROM)
        await page.get_by_label("To").fill(TO)
        await page.get_by_role("button", name="Show").click()

        report = (
            await api(site, admin, "/api/admin/reports/financial", start_date=FROM, end_date=TO)
        ).json()
        months: dict[str, list[float]] = {}
        for day in report["days"]:
            sums = months.setdefault(day["date"][:7], [0, 0, 0, 0])
            sums[0] += day["paid_sessions"]
            sums[1] += day["gross_cents"]
            sums[2] += day["refunds_cents"]
            sums[3] += day["net_cents"]
        table = page.get_by_role("table", name="Paid sessions and revenue by month")
        rows = await table.locator("tbody tr").all_inner_texts()
        shown = [row.split("\t") for row in rows]
        expected = [
            [
                date.fromisoformat(f"{month}-01").strftime("%B %Y"),
                str(sums[0]),
                f"${sums[1] / 100:,.2f}",
                f"${sums[2] / 100:,.2f}",
                f"${sums[3] / 100:,.2f}",
            ]
            for month, sums in months.items()
        ]
        assert shown == expected
        assert expected[1] == ["October 2026", "2", "$200.00", "$0.00", "$200.00"]
        assert expected[2] == ["November 2026", "1", "$120.00", "$60.00", "$60.00"]
        total = (await table.locator("tfoot tr").inner_text()).split("\t")
        assert total == ["Total", "3", "$320.00", "$60.00", "$260.00"]
        assert report["net_cents"] == 26000
        # The charts are drawn in the page, named, with the table as their text.
        await expect(page.get_by_role("img", name="Paid sessions by month")).to_be_visible()
        await expect(page.get_by_role("img", name="Net revenue by month")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "admin-reports", tmp_path)

    async def test_the_csv_download_is_the_apis(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        client = await add_client(database, settings)
        await paid_history(database, settings, client)
        await sign_in(page, admin.email)
        await page.goto(f"/admin/reports?start_date={FROM}&end_date={TO}")

        async with page.expect_download() as started:
            await page.get_by_role("link", name="Download CSV").click()
        download = await started.value

        api_csv = await api(
            site, admin, "/api/admin/reports/financial", start_date=FROM, end_date=TO, format="csv"
        )
        saved = await download.path()
        assert await asyncio.to_thread(Path(saved).read_bytes) == api_csv.content
        assert download.suggested_filename == f"financial-{FROM}-{TO}.csv"

    async def test_a_range_longer_than_a_year_is_refused_beside_its_field(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)

        response = await page.goto("/admin/reports?start_date=2024-01-01&end_date=2026-01-01")

        assert response is not None
        assert response.status == 400
        await expect(page.get_by_role("alert")).to_contain_text("366 days")
        await expect(page.get_by_label("From")).to_have_value("2024-01-01")
        await assert_accessible(page)

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        admin = await add_admin(database, settings)
        await sign_in(phone, admin.email)

        await phone.goto("/admin/reports")

        await expect(phone.get_by_role("img", name="Paid sessions by month")).to_be_visible()
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


class TestAuditLog:
    async def test_filters_and_pages(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        other = await add_person(
            database, settings, email="front@example.com", first_name="Fran", admin=True
        )
        await add_entries(database, 30, actor_id=admin.id)
        await add_entries(
            database,
            2,
            actor_id=other.id,
            action="booking.cancelled",
            target_type="booking",
            details={"reason_given": True, "note": XSS},
        )
        await add_entries(
            database, 1, actor_id=other.id, action="slot.deleted", at=at("2026-01-15")
        )
        await sign_in(page, admin.email)

        await page.goto("/admin/audit-log")
        await page.get_by_label("Action").select_option("slot.created")
        await page.get_by_role("button", name="Filter").click()
        rows = page.get_by_role("table").locator("tbody tr")
        await expect(rows).to_have_count(25)
        await expect(page.get_by_text("30 entries")).to_be_visible()
        await page.get_by_role("link", name="Next page").click()
        await expect(rows).to_have_count(5)
        await expect(page.get_by_label("Action")).to_have_value("slot.created")
        await page.get_by_role("link", name="Previous page").click()
        await expect(rows).to_have_count(25)

        await page.goto("/admin/audit-log")
        await page.get_by_label("Who").fill("FRONT@example.com")
        await page.get_by_role("button", name="Filter").click()
        await expect(rows).to_have_count(3)
        await expect(rows.first).to_contain_text("front@example.com")
        await expect(rows.first).to_contain_text("booking.cancelled")
        await expect(rows.first).to_contain_text("203.0.113.7")
        # What was typed into a record is text.
        await expect(rows.first).to_contain_text(XSS)
        assert await page.locator("td img").count() == 0
        await expect(page.get_by_text("Times in UTC")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "admin-audit-log", tmp_path)

        await page.get_by_label("Who").fill(str(other.id))
        await page.get_by_label("From").fill("2026-01-15")
        await page.get_by_label("To").fill("2026-01-15")
        await page.get_by_role("button", name="Filter").click()
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("slot.deleted")

    async def test_a_who_that_is_neither_is_refused_beside_its_field(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)

        response = await page.goto("/admin/audit-log?who=someone&from=2026-02-01&to=2026-01-01")

        assert response is not None
        assert response.status == 400
        await expect(page.get_by_role("alert")).to_contain_text("e-mail address")
        await expect(page.get_by_label("Who")).to_have_value("someone")
        await assert_accessible(page)

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        admin = await add_admin(database, settings)
        await add_entries(
            database, 3, actor_id=admin.id, details={"weekdays": [XSS, "tuesday"], "all": False}
        )
        await sign_in(phone, admin.email)

        await phone.goto("/admin/audit-log")

        await expect(phone.get_by_role("table").locator("tbody tr").first).to_contain_text(
            f"{XSS}, tuesday"
        )
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


class TestSettings:
    async def test_shows_what_is_still_in_demo_mode(
        self, page: Page, phone: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)

        await page.goto("/admin/settings")

        stripe = page.get_by_role("row", name=re.compile("Payments \\(Stripe\\)"))
        await expect(stripe).to_contain_text("Demo mode")
        await expect(stripe).to_contain_text("no card is charged")
        mail = page.get_by_role("row", name=re.compile("Mail \\(SMTP\\)"))
        await expect(mail).to_contain_text("Configured")
        await expect(page.get_by_text("$100.00")).to_be_visible()
        await expect(page.get_by_text("24 hours: a client may cancel")).to_be_visible()
        html = await page.content()
        assert settings.smtp_url is not None
        assert settings.smtp_url.get_secret_value() not in html
        await assert_accessible(page)
        await screenshots(page, "admin-settings", tmp_path)
        await sign_in(phone, admin.email)
        await phone.goto("/admin/settings")
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)

    async def test_a_stripe_key_reads_configured_and_is_never_shown(
        self, tmp_path: Path, database_url: str, database: Database, clock: Clock
    ) -> None:
        secrets = {
            "stripe_secret_key": "sk_test_records_0123456789",
            "stripe_webhook_secret": "whsec_records_0123456789",
            "smtp_url": "smtp://mailer:hunter2pass@127.0.0.1:2525",
            "redis_url": "redis://:redispass99@127.0.0.1:6390/0",
        }
        configured = make_settings(tmp_path, database_url, **secrets)
        admin = await add_admin(database, configured)
        app: FastAPI = create_app(configured, database=database, clock=clock)

        async with http_client(app) as http:
            await sign_in_over_http(http, admin.email)
            response = await http.get("/admin/settings")

        assert response.status_code == 200
        text = re.sub(r"\s+", " ", response.text)
        assert re.search(r"Payments \(Stripe\)</th> <td><span[^>]*>Configured", text)
        assert re.search(r"Mail \(SMTP\)</th> <td><span[^>]*>Configured", text)
        assert re.search(r"Rate limits \(Redis\)</th> <td><span[^>]*>Configured", text)
        for secret in ("sk_test_records", "whsec_records", "hunter2pass", "redispass99", "mailer"):
            assert secret not in response.text
