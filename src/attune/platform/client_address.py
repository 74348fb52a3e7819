"""The address of the client behind a request, which rate limits and logs are keyed by.

The socket's peer is the client unless that peer is a proxy the operator trusts
(`ATTUNE_TRUSTED_PROXIES`). Then X-Forwarded-For is read from the right, skipping the trusted
proxies that appended to it: the first address that is not one of them is the client.
Everything to its left was written by the client itself and could be forged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection
from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "unknown"
# Where the request-context middleware leaves the resolved address for everything after it.
SCOPE_KEY = "attune.client_address"


def _parse(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)


def _forwarded_for(scope: Scope) -> list[str]:
    """Every X-Forwarded-For entry, left to right, across repeated headers."""
    entries: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            entries.extend(item.strip() for item in value.decode("latin-1").split(","))
    return entries


def resolve_client_address(scope: Scope, trusted: Sequence[Network]) -> str:
    peer = scope.get("client")
    if not peer or not peer[0]:
        return UNKNOWN
    nearest = _parse(peer[0])
    if nearest is None or not _is_trusted(nearest, trusted):
        return str(nearest) if nearest is not None else str(peer[0])
    for entry in reversed(_forwarded_for(scope)):
        address = _parse(entry)
        if address is None:
            # A hop we cannot read: nothing left of it can be trusted, so stop at the last
            # trusted proxy we could.
            break
        nearest = address
        if not _is_trusted(address, trusted):
            break
    return str(nearest)


def client_address(connection: HTTPConnection) -> str:
    """The client address resolved for this request by the request-context middleware."""
    resolved = connection.scope.get(SCOPE_KEY)
    if isinstance(resolved, str):
        return resolved
    return resolve_client_address(connection.scope, ())
