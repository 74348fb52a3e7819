"""Which domain listens to which domain's events: wired here, so the publisher imports no
listener (docs/architecture.md, "Domain events")."""

from __future__ import annotations

from attune.platform.events import EventBus


def domain_events() -> EventBus:
    return EventBus()
