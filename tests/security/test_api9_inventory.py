"""OWASP API9:2023 Improper Inventory Management.

The OpenAPI document at /openapi.json (rendered at /docs) is the inventory: it lists exactly
the routes the app serves, each with the methods it answers, and marks every route that needs
a token with the bearer scheme. A route the document leaves out, or a documented one that is
gone, fails here. That every operation has a summary and an example is
tests/test_openapi.py's job.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

from tests.security.routes import PUBLIC_ROUTES, endpoints

CONVERTER = re.compile(r"\{(\w+):\w+\}")


def documented_path(path: str) -> str:
    """`/x/{id:uuid}` as OpenAPI writes it: `/x/{id}`."""
    return CONVERTER.sub(r"{\1}", path)


async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    openapi: dict[str, Any] = response.json()
    return openapi


def operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }


async def test_the_document_lists_exactly_the_routes_served(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    served = {(e.method, documented_path(e.path)) for e in endpoints(app)}

    documented = set(operations(await document(client)))

    assert served, "the walk found no routes"
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


async def test_every_route_that_needs_a_token_says_so(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    documented = operations(await document(client))

    private = {
        (e.method, documented_path(e.path)) for e in endpoints(app) if e.key not in PUBLIC_ROUTES
    }
    unmarked = {key for key in private if not documented[key].get("security")}

    assert private
    assert unmarked == set()
