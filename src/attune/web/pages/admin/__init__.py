"""The back office at `/admin/`: staff only (`web.auth.Staff`)."""
