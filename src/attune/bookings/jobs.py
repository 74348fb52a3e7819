"""Booking sweeps: reminders before a session, and marking sessions completed after it."""
