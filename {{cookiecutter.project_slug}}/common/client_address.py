"""Who sent the request: the client's address, as far as trusted proxies vouch for it.

In production the platform's router (and any proxy the team adds) stands
between the client and the service, so the socket's peer is the last proxy.
Each proxy appends the address it received the request from to
`X-Forwarded-For`; everything to the left of what the trusted proxies wrote
is whatever the client sent, and anyone can send anything. So the client is
the entry TRUSTED_PROXY_COUNT places from the right (0: the socket's peer
itself, for a service that faces clients directly).

No standard header carries the client's port (X-Forwarded-Port is the port
the proxy listened on), so behind a proxy the port is not known.

ClientAddressMiddleware settles this once per request. Whatever records or
logs the request takes the result from here: the audit trail, each log line
(through the logger context) and gunicorn's access log (through
REMOTE_ADDR, which it prints).
"""

import functools
import ipaddress
import logging
from typing import NamedTuple

from django.conf import settings
from logger_extra.logger_context import logger_context

from .clipping import clip

logger = logging.getLogger(__name__)


class Client(NamedTuple):
    address: str | None  # None: not known, or not an IP address
    port: int | None


# The longest text an address can be written as: a bracketed IPv6 address
# with an IPv4 tail, a zone and a port, with room to spare.
LONGEST_ADDRESS = 100


def parse_address(text):
    """`text` as a canonical IP address (IPv4-mapped IPv6 as IPv4), or None.

    An address with a port (`192.0.2.1:1234`, `[2001:db8::1]:1234`, as some
    proxies write) gives the address.
    """
    text = text.strip()
    return None if len(text) > LONGEST_ADDRESS else _canonical_address(text)


@functools.lru_cache(maxsize=1024)  # the same proxies and clients, again and again
def _canonical_address(text):
    if text.startswith("["):  # [IPv6], or [IPv6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).partition("%")[0])
    return str(address)


def parse_port(text):
    digits = text.isascii() and text.isdigit()
    return int(text) if digits and 0 < int(text) < 65536 else None


def resolve(meta, proxies):
    """The Client of a request with WSGI environ `meta`, behind `proxies` proxies.

    Also gives the text it could not use, if any, so that it can be reported.
    """
    peer = meta.get("REMOTE_ADDR") or ""  # none on a Unix socket
    if proxies == 0:
        chosen, port = peer, parse_port(meta.get("REMOTE_PORT") or "")
    else:
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = [hop for hop in forwarded if hop.strip()]
        # Fewer hops than proxies: the request did not come through them all.
        chosen, port = (hops[-proxies] if len(hops) >= proxies else peer), None
    address = parse_address(chosen)
    return Client(address, port), (None if address or not chosen else chosen)


def client_of(request):
    """The request's Client, settled once and kept on the request."""
    client = getattr(request, "client", None)
    if client is None:
        client, unusable = resolve(request.META, settings.TRUSTED_PROXY_COUNT)
        if unusable is not None:
            logger.warning(
                "The client's address is not known: %r is not an IP address",
                clip(unusable, 100),
            )
        request.client = client
    return client


class ClientAddressMiddleware:
    """Settle the client's address before anything records or logs the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client = client_of(request)
        request.META["REMOTE_ADDR"] = client.address or "unknown"
        with logger_context({"client_address": client.address or "unknown"}):
            return self.get_response(request)
