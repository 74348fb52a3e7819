"""The security tests run on a frozen day, so slots, holds and join windows sit in known time."""

from __future__ import annotations

import pytest

from attune.platform.clock import FrozenClock
from tests.security.practice import NOW


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)
