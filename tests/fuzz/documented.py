"""What "an answer the OpenAPI document describes" means: the schemathesis checks that the fuzzer
runs on every answer, also usable on one answer that a test provoked on purpose."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis

# No 5xx, and the status, the content type, the headers and the body are all documented.
CHECKS: dict[str, Any] = {
    "enabled": False,
    "not_a_server_error": {"enabled": True},
    "status_code_conformance": {"enabled": True},
    "content_type_conformance": {"enabled": True},
    "response_schema_conformance": {"enabled": True},
    "response_headers_conformance": {"enabled": True},
}


def assert_documented(
    document: dict[str, Any], method: str, path: str, response: httpx.Response
) -> None:
    """Raise if `response` to `method path` (as templated in the document) is not described."""
    schema = schemathesis.openapi.from_dict(
        document, config=schemathesis.Config.from_dict({"checks": CHECKS})
    )
    schema[path][method].Case().validate_response(response)
