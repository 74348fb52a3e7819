"""Slots of the therapist's time (seed 000's schedules): publishing them and their seats."""
