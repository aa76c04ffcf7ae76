"""The client's address, as the lock-out counts it (F8, #17; docs/adr/0011).

django-axes locks the (username, client address) pair out after five failures. Behind a reverse
proxy every request comes from the proxy's address: counted on it, five failures by anyone would
lock the named account out for everyone. The real client's address is in `X-Forwarded-For`,
but a client can write that header too: it is read only when the request comes from a proxy
the settings trust (`MICROCREDIT_TRUSTED_PROXIES`):

- not set (the default): `REMOTE_ADDR`, the header is ignored;
- a list of addresses or networks of the proxies: when `REMOTE_ADDR` is one of them, the header
  is read from the right (each proxy appends the address it received the request from) and the
  first address that is not a trusted proxy is the client's; a forged left part is never read;
- a count N: exactly N proxies stand in front of the application, which is reachable through
  them only; the client is the N-th address from the right of the header.

django-ipware is not among the dependencies: `AXES_CLIENT_IP_CALLABLE` points here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # imported by the settings: nothing of django.http at that point
    from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_trusted_proxies(value: str) -> int | list[str]:
    """The environment's `MICROCREDIT_TRUSTED_PROXIES`: "" → none, "2" → a count, "10.0.0.1,
    10.0.1.0/24" → addresses or networks (each checked here: a typo fails at start-up)."""
    value = value.strip()
    if not value:
        return []
    if value.isdigit():
        return int(value)
    proxies = [p.strip() for p in value.split(",") if p.strip()]
    for proxy in proxies:
        ipaddress.ip_network(proxy, strict=False)
    return proxies


def _networks(proxies: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(p, strict=False) for p in proxies]


def _address(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: list[Network]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address the lock-out and the logs count the request on."""
    remote: str | None = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "MICROCREDIT_TRUSTED_PROXIES", [])
    if not remote or not trusted:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if isinstance(trusted, int):
        if len(hops) < trusted:
            return remote
        found = _address(hops[-trusted])
        return str(found) if found is not None else remote
    networks = _networks(trusted)
    remote_address = _address(remote)
    if remote_address is None or not _trusted(remote_address, networks):
        return remote
    client = remote_address
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a trusted proxy would not write that: keep the last hop known for sure
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
