"""PostgreSQL restarts under the default service's real server."""

import json

import pytest
from conftest import combination_params, database_url


@pytest.mark.parametrize("name", combination_params("default"))
def test_requests_succeed_again_once_postgresql_is_back(services, name, own_postgres):
    service = services(name)

    result = service.run_script(
        "scripts/database_restart.py",
        database_url(own_postgres.url, "restart"),
        "--stop-command",
        own_postgres.stop_command,
        "--start-command",
        own_postgres.start_command,
    )

    phases = json.loads(result.stdout.splitlines()[-1])
    assert phases["before"] == {"ok": 64}
    # While it is down: 503 to retry, for reads and mutations alike, never
    # the client's token blamed; the replica is alive but not ready.
    assert phases["down"] == {
        "me 503 SERVICE_UNAVAILABLE_ERROR Retry-After 5": 1,
        "updateMe 503 SERVICE_UNAVAILABLE_ERROR Retry-After 5": 1,
        "/healthz 200": 1,
        "/readiness 503": 1,
    }
    # Once it is back, no request fails: each broken connection is replaced.
    assert phases["after"] == {"ok": 64, "/readiness 200": 1}
