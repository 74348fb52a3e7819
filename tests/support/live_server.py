"""The app served by uvicorn on 127.0.0.1, for tests that need real concurrent HTTP requests.

`httpx.ASGITransport` runs requests one after another in the test's task; the races that matter
(two transactions taking the last seat) only happen with a real server and real connections.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_SECONDS = 10
# Generous: on a busy machine a hundred requests queue for database connections; what the
# tests assert is the outcome of every request, never how fast it came.
REQUEST_TIMEOUT_SECONDS = 60


@asynccontextmanager
async def live_server(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` (with its lifespan) on a free port; yields the base URL, then shuts down."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="on",
        http="h11",
        ws="none",
        log_level="warning",
        access_log=False,
        backlog=1024,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]), name="live-server")
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if serving.done():
                    serving.result()  # raises why it stopped
                    raise RuntimeError("uvicorn stopped before it started serving")
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        listener.close()


def live_client(base_url: str) -> httpx.AsyncClient:
    """A client with a connection for each of up to 200 requests in flight at once."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_SECONDS,
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
    )
