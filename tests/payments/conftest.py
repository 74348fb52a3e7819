"""The payments tests: localstripe for the modules that ask for it (tests/support/localstripe.py),
and a clock frozen at the bookings builders' NOW, so slots and holds are placed in known time."""

from __future__ import annotations

import pytest

from attune.platform.clock import FrozenClock
from tests.bookings.builders import NOW
from tests.support.localstripe import localstripe_url

__all__ = ["localstripe_url"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)
