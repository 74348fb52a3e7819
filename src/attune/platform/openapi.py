"""How errors appear in the OpenAPI document: one error schema, and 400 where FastAPI says 422.

Validation errors are answered 400 `{"error": "Invalid request format", ...}` (DESIGN.md §2),
so FastAPI's generated 422 responses would describe an answer the service never gives.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from attune.platform.errors import INVALID_REQUEST, AttuneError

INVALID_REQUEST_EXAMPLE = {"error": INVALID_REQUEST, "details": "Email is required"}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error the service answers with."""

    error: str = Field(examples=["The selected time slot is no longer available"])
    details: str | None = Field(default=None, examples=["Detailed error information"])
    fields: list[FieldError] | None = Field(
        default=None, description="For invalid requests: each field and what is wrong with it."
    )
    request_id: str | None = Field(default=None, description="For 500s: quote it to support.")


def documented_errors(
    *errors: type[AttuneError], body: bool = True
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these errors (and for an invalid body), each with an example."""
    responses: dict[int | str, dict[str, Any]] = {}

    def example(status: int, name: str, value: dict[str, Any]) -> None:
        entry = responses.setdefault(
            status, {"model": ErrorBody, "content": {"application/json": {"examples": {}}}}
        )
        entry["content"]["application/json"]["examples"][name] = {"value": value}

    for error in errors:
        example(error.status_code, error.__name__, {"error": error.error})
    if body:
        example(400, "InvalidRequest", INVALID_REQUEST_EXAMPLE)
    return responses


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorBody"},
                "example": INVALID_REQUEST_EXAMPLE,
            }
        },
    }


def _replace_validation_responses(schema: dict[str, Any]) -> None:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _error_response("Invalid request format"))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components.setdefault(
        "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    components.setdefault("FieldError", FieldError.model_json_schema())


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            _replace_validation_responses(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
