"""Video sessions on Jitsi: room names, when a link is released, join windows and tokens."""
