"""What the answers about a video room say of it, for every kind of appointment."""

from __future__ import annotations

EXAMPLE_ROOM = "attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"
WINDOW_ENFORCED_DESCRIPTION = (
    "Whether the video server itself keeps the room shut outside the join window: true only "
    "with Jitsi tokens configured. When false (a public Jitsi server without tokens), Attune "
    "gives the link out only inside the window, but a link once given opens the room at any "
    "time."
)
