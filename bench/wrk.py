"""Load from wrk (Debian's package): fifty connections for a fixed time, figures from
load.lua's done() as JSON."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

from bench.figures import Load

SCRIPT = Path(__file__).with_name("load.lua")
# Generous, so that a slow request (a login under load) counts as slow, not as an error.
REQUEST_TIMEOUT = "60s"


def ensure_installed() -> str:
    """The path of wrk, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", flush=True)
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise RuntimeError("wrk is not installed and there is no apt-get to install it")
    subprocess.run([apt_get, "install", "-y", "-q", "wrk"], check=True)  # noqa: S603
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("apt-get install wrk did not install wrk")
    return found


async def run(
    wrk: str,
    url: str,
    *,
    method: str,
    path: str,
    kind: str = "plain",
    lines: Path | None = None,
    seconds: float,
    connections: int,
) -> Load:
    """Keep `connections` requests in flight for `seconds`, one wrk thread (the server needs
    the cores more than the client does)."""
    argv = [
        wrk,
        "--threads=1",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={REQUEST_TIMEOUT}",
        f"--script={SCRIPT}",
        url,
        "--",
        method,
        path,
        kind,
    ]
    if lines is not None:
        argv.append(str(lines))
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        output, errors = await process.communicate()
    finally:
        if process.returncode is None:  # cancelled (Ctrl-C): wrk must not outlive the run
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {errors.decode()}")
    figures = json.loads(output.decode().strip().splitlines()[-1])
    return Load(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        errors=figures["connect_errors"]
        + figures["read_errors"]
        + figures["write_errors"]
        + figures["timeouts"],
        non_2xx=figures["non_2xx"],
    )
