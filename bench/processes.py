"""The server processes the benchmark starts: started in a session of their own, watched for
memory while under load, and always stopped (the whole process group), even on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

STARTUP_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 15
SAMPLE_SECONDS = 0.1
MIB = 1024 * 1024
# Idle: the server's processes together use less than a tenth of a CPU over half a second.
IDLE_WINDOW_SECONDS = 0.5
IDLE_SHARE = 0.1
IDLE_TIMEOUT_SECONDS = 300
# uvicorn's own log lines (logger uvicorn.error) about its app processes.
STARTED = re.compile(r"Started server process \[(\d+)\]")
DIED = re.compile(r"Child process \[\d+\] died")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A server started by the benchmark: its supervisor process and the app processes it forks."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def processes(self) -> list[psutil.Process]:
        """The supervisor first, then its children by pid."""
        try:
            parent = psutil.Process(self.process.pid)
            children = sorted(parent.children(recursive=True), key=lambda child: child.pid)
        except psutil.NoSuchProcess:
            return []
        return [parent, *children]

    def roles(self) -> dict[str, psutil.Process]:
        """The processes by what they do: the supervisor, multiprocessing's resource tracker,
        and each app process under its pid (uvicorn replaces one it finds unresponsive)."""
        found: dict[str, psutil.Process] = {}
        for position, process in enumerate(self.processes()):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                command = " ".join(process.cmdline())
                if position == 0:
                    found["supervisor"] = process
                elif "resource_tracker" in command:
                    found["tracker"] = process
                else:
                    found[f"app {process.pid}"] = process
        return found

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def serving_pids(self) -> set[int]:
        """The app processes alive now that uvicorn has logged as started."""
        started = {int(pid) for pid in STARTED.findall(self.log())}
        alive = {process.pid for role, process in self.roles().items() if role.startswith("app")}
        return started & alive

    def replaced(self) -> int:
        """How many app processes uvicorn's supervisor has killed and replaced so far."""
        return len(DIED.findall(self.log()))

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL to whatever is left after a grace period."""
        if self.process.poll() is not None and not self._group_alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline and self._group_alive():
            time.sleep(0.05)
            self.process.poll()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        # A zombie supervisor still counts as a group member until it is reaped.
        return self.process.poll() is None or any(
            child.status() != psutil.STATUS_ZOMBIE for child in self.processes()[1:]
        )


def start(
    name: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    port: int,
    log_dir: Path,
    cwd: Path,
) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own argv, no shell)
            list(argv),
            env={**os.environ, **env},
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C reaches only the benchmark, which then stops the
            # whole group, uvicorn's app processes included.
            start_new_session=True,
        )
    return Server(name, process, f"http://127.0.0.1:{port}", log_path)


async def wait_until_serving(server: Server, path: str, app_processes: int) -> None:
    """Until `path` answers 200 and every app process has started, or fail with the log's tail."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                answered = (await client.get(path)).status_code == 200
                if answered and len(server.serving_pids()) >= app_processes:
                    return
            await asyncio.sleep(0.2)
    tail = server.log()[-3000:]
    server.stop()
    raise RuntimeError(f"{server.name} did not start serving; its log ends:\n{tail}")


@dataclass
class MemoryPeaks:
    """The highest resident set size seen per process, by role (Server.roles)."""

    by_role: dict[str, float] = field(default_factory=dict)

    def record(self, server: Server) -> None:
        for role, process in server.roles().items():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                megabytes = process.memory_info().rss / MIB
                self.by_role[role] = max(self.by_role.get(role, 0.0), megabytes)

    @property
    def highest(self) -> float:
        return max(self.by_role.values(), default=0.0)


@contextlib.asynccontextmanager
async def sampling_memory(server: Server) -> AsyncIterator[MemoryPeaks]:
    """Sample the server's processes ten times a second while the block runs."""
    peaks = MemoryPeaks()

    async def sample() -> None:
        while True:
            peaks.record(server)
            await asyncio.sleep(SAMPLE_SECONDS)

    task = asyncio.create_task(sample(), name=f"memory-{server.name}")
    try:
        yield peaks
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        peaks.record(server)


def python_module(module: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", module, *arguments]


def bytecode_cache(directory: Path) -> dict[str, str]:
    """The environment for a bytecode cache of the servers' own, as an installed service has.

    Without one (PYTHONDONTWRITEBYTECODE set, as in some containers), every app process
    compiles each module it imports whenever it starts: seconds of CPU, which on a busy
    machine outlast uvicorn's five-second health check of a new app process, so the
    supervisor kills it and starts another, over and over. The cache lives outside the
    source tree.
    """
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(directory)}


def compile_imports(environment: Mapping[str, str], modules: Sequence[str], cwd: Path) -> None:
    """Import `modules` once with `environment`, so that its bytecode cache holds them."""
    subprocess.run(  # noqa: S603 (our own argv, no shell)
        [sys.executable, "-c", "; ".join(f"import {module}" for module in modules)],
        env={**os.environ, **environment},
        cwd=cwd,
        check=True,
    )


async def wait_until_idle(server: Server) -> None:
    """Until the server's processes have (nearly) stopped using the CPU.

    A client that gives up does not stop the work it asked for: after a run of logins, the app
    processes go on hashing the passwords of requests wrk abandoned at its deadline. The next
    measurement must not pay for them.
    """
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    busy = cpu_seconds(server)
    while time.monotonic() < deadline:
        await asyncio.sleep(IDLE_WINDOW_SECONDS)
        now = cpu_seconds(server)
        if now - busy < IDLE_SHARE * IDLE_WINDOW_SECONDS:
            return
        busy = now


def cpu_seconds(server: Server) -> float:
    """CPU seconds used so far by every process of the server."""
    total = 0.0
    for process in server.processes():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total
