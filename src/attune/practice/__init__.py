"""The practice's therapists and services: profiles, what each offers, and the terms a
service sets for the slots and bookings made for it."""
