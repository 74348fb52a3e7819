"""Load that wrk cannot make: each connection books a slot, then cancels that booking (the
id comes from the first answer), and five hundred clients racing for ten seats."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

import httpx

from bench.figures import Load, percentile
from bench.seed import Client, Practice

TIMEOUT_SECONDS = 60


def _client(base_url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=TIMEOUT_SECONDS)


@dataclass
class _Tally:
    cycles: list[float]
    statuses: Counter[int]
    errors: int = 0


async def _cycle_in_turn(
    http: httpx.AsyncClient, client: Client, slots: list[int], deadline: float, tally: _Tally
) -> None:
    """Book one of the client's slots, cancel the booking, next slot, until the deadline.

    A booking made is always cancelled, even past the deadline, so that the next run finds
    every slot free; only cycles that end before the deadline count.
    """
    headers = {"Authorization": f"Bearer {client.token}"}
    turn = 0
    while time.monotonic() < deadline:
        slot = slots[turn % len(slots)]
        turn += 1
        started = time.monotonic()
        try:
            booked = await http.post("/api/bookings", json={"schedule_id": slot}, headers=headers)
            tally.statuses[booked.status_code] += 1
            if booked.status_code != 201:
                continue
            booking_id = booked.json()["booking"]["id"]
            cancelled = await http.put(f"/api/bookings/{booking_id}/cancel", headers=headers)
            tally.statuses[cancelled.status_code] += 1
        except httpx.HTTPError:
            tally.errors += 1
            continue
        finished = time.monotonic()
        if cancelled.status_code == 200 and finished <= deadline:
            tally.cycles.append((finished - started) * 1000)


async def book_and_cancel(base_url: str, practice: Practice, seconds: float) -> Load:
    """Cycles of POST /api/bookings then PUT /api/bookings/{id}/cancel, one benchmark client
    per connection; `requests` in the result counts whole cycles."""
    tally = _Tally(cycles=[], statuses=Counter())
    async with _client(base_url, len(practice.clients)) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                _cycle_in_turn(http, client, practice.cycle_slots[client.id], deadline, tally)
                for client in practice.clients
            )
        )
    answered = sum(tally.statuses.values())
    expected = tally.statuses[201] + tally.statuses[200]
    return Load(
        requests=len(tally.cycles),
        seconds=seconds,
        p50_ms=percentile(tally.cycles, 50),
        p99_ms=percentile(tally.cycles, 99),
        max_ms=max(tally.cycles, default=0.0),
        errors=tally.errors,
        non_2xx=answered - expected,
    )


@dataclass(frozen=True)
class Race:
    """Many clients POSTing at once for few seats: what they were told, and how long it took."""

    clients: int
    seats: int
    statuses: dict[int, int]
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bookings_stored: int = -1  # counted in the database afterwards

    @property
    def created(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


async def race(base_url: str, practice: Practice) -> Race:
    """Every contender POSTs /api/bookings at the same moment, spread over the ten slots."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    errors = 0
    go = asyncio.Event()
    slots = practice.contention_slots

    async def book(http: httpx.AsyncClient, position: int, client: Client) -> None:
        nonlocal errors
        await go.wait()
        sent = time.monotonic()
        try:
            answer = await http.post(
                "/api/bookings",
                json={"schedule_id": slots[position % len(slots)]},
                headers={"Authorization": f"Bearer {client.token}"},
            )
        except httpx.HTTPError:
            errors += 1
            return
        latencies.append((time.monotonic() - sent) * 1000)
        statuses[answer.status_code] += 1

    async with _client(base_url, len(practice.contenders)) as http:
        tasks = [
            asyncio.create_task(book(http, position, client))
            for position, client in enumerate(practice.contenders)
        ]
        await asyncio.sleep(0)  # every task is now waiting for the signal
        started = time.monotonic()
        go.set()
        await asyncio.gather(*tasks)
        seconds = time.monotonic() - started
    return Race(
        clients=len(practice.contenders),
        seats=len(slots),
        statuses=dict(sorted(statuses.items())),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
    )
