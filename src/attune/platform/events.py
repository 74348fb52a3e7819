"""Domain events: how one domain's change reaches another without an import between them.

A service publishes an event through its unit of work (`await uow.publish(BookingCancelled(...))`)
and every handler subscribed to that event's class runs at once, in the same transaction: a
refund queued by payments commits or rolls back with the cancellation that caused it. The
composition root (`attune.app`) subscribes the handlers, so the publisher never knows who
listens (docs/architecture.md, "Domain events").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from attune.platform.unit_of_work import UnitOfWork

Event = TypeVar("Event")
Handler = Callable[["UnitOfWork", Any], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(
        self, event_type: type[Event], handler: Callable[[UnitOfWork, Event], Awaitable[None]]
    ) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, uow: UnitOfWork, event: object) -> None:
        """Run every handler of the event's class, in order of subscription, in `uow`."""
        for handler in self._handlers.get(type(event), ()):
            await handler(uow, event)
