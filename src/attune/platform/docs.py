"""`/docs`: Swagger UI, served by Attune itself from the pinned `swagger-ui-bundle-v2` package.

FastAPI's own page loads Swagger UI from a CDN, so on a machine without internet (or behind a
firewall that blocks the CDN) it is blank. Here every asset comes from this service: the page,
Swagger UI's script and style under `/docs/assets/`, and the few lines that start it on this
service's OpenAPI document, kept out of the page so that its Content-Security-Policy can forbid
inline script. ReDoc is not offered: one documentation page is enough.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
STARTER_PATH = f"{DOCS_PATH}/start.js"

PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Attune API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{STARTER_PATH}"></script>
</body>
</html>
"""

# `validatorUrl: null`: Swagger UI would otherwise send the document to validator.swagger.io.
STARTER = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
"""


async def _docs_page(_: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


async def _docs_starter(_: Request) -> Response:
    return Response(STARTER, media_type="text/javascript")


def install_docs(app: FastAPI) -> None:
    """Serve `/docs` and its assets; the app is created with FastAPI's own pages turned off.

    Plain Starlette routes, as FastAPI's own pages are: they are no operation of the API."""
    app.mount(ASSETS_PATH, StaticFiles(directory=Path(str(swagger_ui_path))), name="docs-assets")
    app.add_route(DOCS_PATH, _docs_page, methods=["GET"], include_in_schema=False)
    app.add_route(STARTER_PATH, _docs_starter, methods=["GET"], include_in_schema=False)
