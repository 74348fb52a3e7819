"""localstripe for every payments test module that asks for it (tests/support/localstripe.py)."""

from __future__ import annotations

from tests.support.localstripe import localstripe_url

__all__ = ["localstripe_url"]
