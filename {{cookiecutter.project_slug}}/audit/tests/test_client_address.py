"""The recorded client address is the one the trusted proxies vouch for.

Read through the real view: `me` writes an ACCESS entry, which records the
address the same way every audit log entry does. On PostgreSQL the address
column is `inet`, which refuses anything that is not an address.
"""

import logging
import uuid

import pytest
from auditlog.models import LogEntry

from common.client_address import _canonical_address, parse_address

pytestmark = pytest.mark.django_db

ROUTER = "10.128.2.1"  # the socket's peer: the platform's router


def read_me(graphql, issuer, peer=ROUTER, port="50123", **headers):
    response = graphql(
        "{ me { uuid } }",
        token=issuer.token(sub=str(uuid.uuid4())),
        meta={"REMOTE_ADDR": peer, "REMOTE_PORT": port},
        **headers,
    )
    assert response.json()["data"]["me"], response.json()
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "recorded"),
    [
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the router wrote the last
        (1, "198.51.100.7", "198.51.100.7"),
        (1, None, ROUTER),  # not through the router at all
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "10.0.0.9", ROUTER),  # fewer hops than proxies: only the peer is sure
        (0, "1.2.3.4", ROUTER),
        (1, "::ffff:198.51.100.7", "198.51.100.7"),
        (1, "[2001:db8::1]", "2001:db8::1"),
        (1, "[2001:db8::1]:4711", "2001:db8::1"),
        (1, "198.51.100.7:4711", "198.51.100.7"),
        (1, "1.2.3.4,, 198.51.100.7 ", "198.51.100.7"),
    ],
)
def test_address_is_counted_from_the_right(
    graphql, issuer, settings, proxies, forwarded_for, recorded
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"X_Forwarded_Port": "443"}
    if forwarded_for is not None:
        headers["X_Forwarded_For"] = forwarded_for

    entry = read_me(graphql, issuer, **headers)

    assert entry.remote_addr == recorded
    # Behind a proxy no header says the client's port; without, the peer's is.
    assert entry.remote_port == (50123 if proxies == 0 else None)


@pytest.mark.parametrize(
    "forwarded_for", ["unknown", "999.1.1.1", "1.2.3.4, not-an-address", "x" * 5000]
)
def test_unusable_address_is_recorded_as_unknown_and_logged_once(
    graphql, issuer, caplog, forwarded_for
):
    with caplog.at_level(logging.WARNING):
        entry = read_me(graphql, issuer, X_Forwarded_For=forwarded_for)

    assert entry.remote_addr is None
    [warning] = [r for r in caplog.records if r.name.endswith("client_address")]
    assert warning.levelname == "WARNING"
    assert len(warning.getMessage()) < 200


def test_addresses_are_parsed_once_and_few_are_kept():
    """Parsing is cached, for the few proxies and clients seen again and
    again; made-up addresses cannot grow the cache, nor long ones enter it."""
    for number in range(3000):
        assert parse_address(f"10.0.{number // 256}.{number % 256}")
    assert parse_address("1" * 10_000) is None

    kept = _canonical_address.cache_info()
    assert kept.currsize <= kept.maxsize == 1024
    assert parse_address(" ::ffff:198.51.100.7 ") == "198.51.100.7"


def test_log_lines_carry_the_same_address(graphql, issuer, service_log):
    output = service_log("plain")

    graphql(
        "{ me { uuid } }",
        token="not-a-token",
        meta={"REMOTE_ADDR": ROUTER},
        X_Forwarded_For="1.2.3.4, 198.51.100.7",
        X_Request_ID="addr-1",
    )

    [line] = [line for line in output.getvalue().splitlines() if "Token" in line]
    assert "[addr-1 198.51.100.7]" in line
