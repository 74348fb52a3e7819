"""The therapist's overview: dashboard, clients and every booking."""
