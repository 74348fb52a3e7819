"""The ceiling: the least an ASGI app can do, served exactly as `attune serve` serves Attune.

Every figure of the benchmark is also given as a ratio to this app's, measured in the same run
with the same load, so a result reads as "this share of what Python, uvicorn and this machine
allow" rather than as a number that changes with the machine.

    python -m bench.ceiling --port 8090
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from starlette.types import Receive, Scope, Send

# uvicorn's own lines (app processes started, replaced) in the log, as `attune serve` has them.
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

BODY = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every request with a small JSON document; acknowledge the lifespan events."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def serve(host: str, port: int, workers: int) -> None:
    # The same uvicorn settings as `attune serve` (attune/cli.py), so that only the app differs.
    uvicorn.run(
        "bench.ceiling:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=30,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    serve(arguments.host, arguments.port, arguments.workers)


if __name__ == "__main__":
    main()
