"""Which video room an appointment meets in (docs/decisions.md, "A slot's bookings share one
room")."""

from __future__ import annotations

from attune.video.rooms import new_room_id


def room_offered_on_move(room_id: str | None, *, shared: bool) -> str:
    """The room an appointment brings to the time it moves to: its own, so a one-to-one
    session keeps the room its mails named, unless others it leaves behind still meet in it
    (a seat moved out of a group) or it has none yet; then a new one."""
    if shared or room_id is None:
        return new_room_id()
    return room_id
