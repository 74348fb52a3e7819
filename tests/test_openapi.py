"""The OpenAPI document served at /openapi.json (and rendered at /docs) describes the service."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from schemathesis.errors import FailureGroup

from attune.platform.database import Database
from attune.platform.ratelimit import EXEMPT_PATHS
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.fuzz.documented import assert_documented
from tests.support.people import add_admin


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def resolved(document: dict[str, Any], node: Any) -> str:
    """The operation with the schemas it refers to, as text, to look for examples in."""
    text = json.dumps(node)
    for name, schema in document["components"]["schemas"].items():
        if f"#/components/schemas/{name}" in text:
            text += json.dumps(schema)
    return text


async def test_every_operation_has_a_summary_and_an_example(client: httpx.AsyncClient) -> None:
    document = await openapi(client)
    for method, path, operation in operations(document):
        assert operation.get("summary"), f"{method} {path} has no summary"
        if path != "/metrics":  # Prometheus text, not JSON
            assert "example" in resolved(document, operation), f"{method} {path} has no example"


async def test_validation_errors_are_documented_as_400_not_422(client: httpx.AsyncClient) -> None:
    document = await openapi(client)
    for method, path, operation in operations(document):
        assert "422" not in operation["responses"], f"{method} {path} documents a 422"
    assert "HTTPValidationError" not in document["components"]["schemas"]
    register = document["paths"]["/api/auth/register"]["post"]["responses"]
    assert register["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


class TestEdgeAnswers:
    """What the middleware, the auth dependencies and the database can answer to any operation
    is in the document, and real answers of that kind match it."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return make_settings(tmp_path, database_url, rate_limits=True, max_body_bytes=1024)

    async def test_every_operation_documents_the_errors_it_can_meet(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        for method, path, operation in operations(document):
            responses = operation["responses"]
            assert "500" in responses, f"{method} {path}"
            assert ("429" in responses) == (path not in EXEMPT_PATHS), f"{method} {path}"
            if method in ("POST", "PUT", "PATCH"):
                assert {"413", "415"} <= responses.keys(), f"{method} {path}"
            if operation.get("security"):
                assert "401" in responses, f"{method} {path}"
            for status, response in responses.items():
                assert "X-Request-ID" in response["headers"], f"{method} {path} {status}"

    async def test_busy_database_is_documented_where_the_database_is_used(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        busy = document["paths"]["/api/bookings"]["post"]["responses"]["503"]
        assert busy["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
        assert "Retry-After" in busy["headers"]
        assert "503" not in document["paths"]["/health"]["get"]["responses"]

    async def test_the_reads_that_open_the_database_themselves_document_it_too(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        for path in ("/api/schedules", "/api/meetings/appointments/available-dates"):
            assert "503" in document["paths"][path]["get"]["responses"], path

    async def test_rate_limited_answer_matches_the_document(
        self, client: httpx.AsyncClient
    ) -> None:
        login = {"email": "nobody@example.com", "password": "not the password"}
        for _ in range(5):
            assert (await client.post("/api/auth/login", json=login)).status_code == 401
        response = await client.post("/api/auth/login", json=login)

        assert response.status_code == 429
        assert_documented(await openapi(client), "POST", "/api/auth/login", response)

    async def test_body_too_large_matches_the_document(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            content=json.dumps({"first_name": "x" * 2000}),
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 413
        assert_documented(await openapi(client), "POST", "/api/auth/register", response)

    async def test_body_that_is_not_json_matches_the_document(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/login", content="email=a", headers={"Content-Type": "text/plain"}
        )

        assert response.status_code == 415
        assert_documented(await openapi(client), "POST", "/api/auth/login", response)

    async def test_missing_login_matches_the_document(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/bookings")

        assert response.status_code == 401
        assert_documented(await openapi(client), "GET", "/api/bookings", response)

    async def test_an_undocumented_answer_is_caught(self, client: httpx.AsyncClient) -> None:
        """The check above can fail: a 401 is not an answer that /health documents."""
        response = await client.get("/api/bookings")

        with pytest.raises(FailureGroup):
            assert_documented(await openapi(client), "GET", "/health", response)


def path_with_values(path: str, operation: dict[str, Any]) -> str:
    """The path with a value of the right type in each parameter (ids that exist or not)."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            uuid_id = parameter["schema"].get("format") == "uuid"
            value = "7c9e6679-7425-40de-944b-e07fc1f90ae7" if uuid_id else "1"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def accepts_anonymous(operation: dict[str, Any]) -> bool:
    """OpenAPI: no requirement, or an empty one among the alternatives, admits anonymous calls."""
    requirements = operation.get("security", [])
    return not requirements or {} in requirements


class TestSecurityRequirements:
    """What the document says each operation needs is what the operation accepts."""

    async def test_every_operation_answers_an_anonymous_caller_as_documented(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        wrong = []
        for method, path, operation in operations(document):
            body: dict[str, Any] | None = {} if "requestBody" in operation else None
            response = await client.request(method, path_with_values(path, operation), json=body)
            refused = response.status_code == 401
            if refused == accepts_anonymous(operation):
                wrong.append(
                    f"{method} {path}: {response.status_code}, security {operation.get('security')}"
                )
        assert wrong == []

    async def test_the_public_appointment_request_takes_a_token_but_does_not_need_one(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        create = document["paths"]["/api/meetings/appointments/create"]["post"]

        assert create["security"] == [{}, {"HTTPBearer": []}]
        response = await client.post(
            "/api/meetings/appointments/create",
            json={},
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert response.status_code == 401


class TestSchemaNames:
    async def test_names_are_unique_and_free_of_module_paths(
        self, client: httpx.AsyncClient
    ) -> None:
        names = (await openapi(client))["components"]["schemas"]

        assert [name for name in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)] == []

    async def test_each_meeting_status_names_its_own_values(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        schemas = document["components"]["schemas"]

        def values(model: str) -> set[str]:
            reference = schemas[model]["properties"]["meeting_status"]["$ref"]
            return set(schemas[reference.rsplit("/", 1)[1]]["enum"])

        assert values("MeetingRead") == {"pending", "scheduled", "active", "completed"}
        assert values("JitsiMeetingRead") == values("AppointmentRead")
        assert "cancelled" in values("JitsiMeetingRead")


OPTIONAL_BODIES = [
    ("PUT", "/api/bookings/{booking_id}/cancel"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/meetings/appointments/{request_id}/reject"),
    ("PUT", "/api/admin/bookings/{booking_id}/cancel"),
    ("POST", "/api/admin/bookings/{booking_id}/refund"),
]


class TestRequestBodies:
    @pytest.mark.parametrize(("method", "path"), OPTIONAL_BODIES)
    async def test_an_optional_body_is_declared_optional_not_nullable(
        self, client: httpx.AsyncClient, method: str, path: str
    ) -> None:
        document = await openapi(client)
        body = document["paths"][path][method.lower()]["requestBody"]

        assert body.get("required", False) is False
        schema = body["content"]["application/json"]["schema"]
        # Left out, the body is as if `{}` were sent.
        assert schema == {"$ref": schema["$ref"], "default": {}}

    async def test_a_null_body_is_refused_as_the_document_says(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person = await add_admin(database, settings)

        response = await client.post(
            "/api/auth/logout",
            content=b"null",
            headers={**person.headers, "Content-Type": "application/json"},
        )

        assert response.status_code == 400

    async def test_no_body_is_declared_as_null(self, client: httpx.AsyncClient) -> None:
        document = await openapi(client)
        for method, path, operation in operations(document):
            if "requestBody" in operation:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                assert "anyOf" not in schema, f"{method} {path}"

    async def test_the_register_example_of_seed_003_is_valid_against_the_schema(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        validator = jsonschema_rs.validator_for(
            {"$ref": "#/components/schemas/UserCreate", "components": document["components"]}
        )
        seed_example = {
            "email": "user@example.com",
            "first_name": "John",
            "last_name": "Doe",
            "phone_number": "+1234567890",
            "password": "SecurePassword123",
            "password2": "SecurePassword123",
        }

        assert list(validator.iter_errors(seed_example)) == []
        password = seed_example.pop("password2")
        renamed = {**seed_example, "confirm_password": password}
        assert validator.is_valid(renamed)
        assert not validator.is_valid({**renamed, "phone_numbr": "+1234567890"})
        # The service refuses a field sent under both its names, and so does the document.
        assert not validator.is_valid({**renamed, "phone": "+1234567890"})


class TestMethods:
    """HTTP's method rules hold on every path, as the schema fuzzer checks them."""

    async def test_head_answers_as_get_without_a_body(self, client: httpx.AsyncClient) -> None:
        get = await client.get("/api/meetings/appointments/available-dates")
        head = await client.head("/api/meetings/appointments/available-dates")

        assert get.status_code == head.status_code == 200
        assert get.content
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]

    async def test_head_needs_what_get_needs(self, client: httpx.AsyncClient) -> None:
        assert (await client.head("/api/bookings")).status_code == 401

    async def test_allow_names_every_method_of_the_path(self, client: httpx.AsyncClient) -> None:
        response = await client.options("/api/admin/users/1")

        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD, PUT"
        assert response.json()["error"] == "Method not allowed"

    async def test_allow_of_a_path_without_get_has_no_head(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/api/auth/login")

        assert response.status_code == 405
        assert response.headers["allow"] == "POST"

    async def test_a_wrong_method_on_a_fixed_path_is_405_not_an_invalid_id(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.put("/api/admin/schedules/generate", json={}, headers=admin.headers)

        assert response.status_code == 405
        assert response.headers["allow"] == "POST"


class TestConstraints:
    """A rule the service checks on a field's text is in the field's schema, so that what the
    document calls valid the service accepts."""

    async def test_times_of_day_are_documented_as_the_service_reads_them(
        self, client: httpx.AsyncClient
    ) -> None:
        schemas = (await openapi(client))["components"]["schemas"]
        validator = jsonschema_rs.validator_for(
            schemas["ScheduleGenerate"]["properties"]["start_time"]
        )

        for value in ("09:00", "00:00", "23:59"):
            assert validator.is_valid(value), value
        for value in ("24:00", "9:00", "09:00:00", "09:00:00Z", "09:60"):
            assert not validator.is_valid(value), value

    async def test_addresses_are_documented_as_e_mail(self, client: httpx.AsyncClient) -> None:
        schemas = (await openapi(client))["components"]["schemas"]

        for model in ("UserCreate", "Credentials", "AppointmentCreate", "PasswordResetRequest"):
            assert schemas[model]["properties"]["email"]["format"] == "email", model
