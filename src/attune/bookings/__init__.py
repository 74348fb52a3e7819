"""Bookings (seed 000): a client's seat in a slot, its policy windows and its video room."""
