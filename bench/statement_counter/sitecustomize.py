"""Counts every SQL statement, BEGIN, COMMIT and ROLLBACK an `attune serve` process runs, and
writes the counts to `ATTUNE_BENCH_COUNT_STATEMENTS`.PID when it exits (`python -m bench.profile`
puts this directory on PYTHONPATH; Python imports `sitecustomize` by itself at start)."""

from __future__ import annotations

import atexit
import collections
import json
import os
import re
import signal
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_counts: collections.Counter[str] = collections.Counter()
_SPACE = re.compile(r"\s+")


def _statement(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    _counts[_SPACE.sub(" ", statement).strip()[:160]] += 1


def _named(name: str) -> Any:
    def count(*_arguments: Any) -> None:
        _counts[name] += 1

    return count


def _write_and_end(signal_number: int, _frame: Any) -> None:
    # uvicorn raises the signal that stopped it again once it has shut down, with the handler
    # that was set before it started (this one): atexit would never run.
    _write()
    signal.signal(signal_number, signal.SIG_DFL)
    signal.raise_signal(signal_number)


def _write() -> None:
    # One file a process: the server's migrations and password hashing run in processes of
    # their own, which end too.
    if _counts:
        path = Path(f"{os.environ['ATTUNE_BENCH_COUNT_STATEMENTS']}.{os.getpid()}")
        path.write_text(json.dumps(dict(_counts)))


if os.environ.get("ATTUNE_BENCH_COUNT_STATEMENTS"):
    event.listen(Engine, "before_cursor_execute", _statement)
    for _name in ("begin", "commit", "rollback"):
        event.listen(Engine, _name, _named(f"({_name} event)"))
    atexit.register(_write)
    signal.signal(signal.SIGTERM, _write_and_end)
