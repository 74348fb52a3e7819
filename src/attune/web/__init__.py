"""The web pages: the client's pages at `/` and the therapist's back office at `/admin/`.

A second front door onto the services, beside the JSON API: a page handler gets the actor from
the cookie session (`auth.py`), reads a form (`forms.py`), calls the service method the API
endpoint calls, and renders its view with a template. No rule lives here. Every POST carries a
CSRF token (`csrf.py`, checked for every page route by `routing.PageRoute`); pages work without
JavaScript, and every asset is served from `static/` (docs/decisions.md, "Web pages").
"""
