"""Attune: a booking backend for therapy practices."""

__version__ = "0.1.0"
