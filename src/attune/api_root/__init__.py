"""`GET /api/`: seed 003's catalogue of the API, generated from the app's route table.

Every operation the app serves (both contracts: accounts, schedules, bookings, payments, video,
admin, appointment requests, monitoring) is listed with its method, URL, who may call it and the
fields its body requires or accepts, all read from the routes and their OpenAPI description, so
the catalogue cannot drift from what is served. The seed's own entries keep their names and texts
(descriptions, examples, side effects), with what is computed (URL, methods, authentication,
fields) taken from the routes: `password2`, for one, is optional, as the service accepts it.

URLs: seed 003 advertised its meetings endpoints at a fixed `http://127.0.0.1:8000` (NOTES.md §4,
gap 12). Here they start with `ATTUNE_PUBLIC_URL` when it is set; otherwise they are paths
(`/api/auth/register/`), which a client resolves against the address it used. The `Host` and
`X-Forwarded-Host` headers are never used: anyone can send them, and a cached or proxied
catalogue would then advertise the sender's host to everyone.
"""
