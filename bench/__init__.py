"""`make bench`: Attune under load, as it runs in production, next to a bare ASGI ceiling.

Run with `python -m bench` (see bench/README.md); nothing here is imported by the service or
by the tests.
"""
