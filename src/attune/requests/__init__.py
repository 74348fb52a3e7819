"""Appointment requests (seed 003): asked for by anyone, scheduled or declined by the practice."""
