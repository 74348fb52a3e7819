"""What can go wrong when asking for a meeting, mapped to HTTP by the platform handler."""

from __future__ import annotations

from attune.platform.errors import Conflict


class MeetingCancelled(Conflict):
    error = "This booking is cancelled, so it has no meeting"
    details = "A cancelled booking has no video session."
