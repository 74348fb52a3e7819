"""The appointment core: what a booking (seed 000) and a scheduled appointment request (seed
003) share, written once (docs/architecture.md, "Calendar and appointment cores").

It sits below `bookings` and `requests` and above `notifications` and `video`: it knows
neither row type, only the `Appointment` protocol both satisfy.
"""
