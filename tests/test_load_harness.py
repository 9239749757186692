"""The load-and-fault harness, against the default service's real server."""

import json

import pytest
from conftest import combination_params, database_url


@pytest.mark.parametrize("name", combination_params("default"))
def test_load_and_faults(services, name, postgres_url):
    service = services(name)

    result = service.run_script(
        "scripts/load_harness.py",
        database_url(postgres_url, "load_harness"),
        check=False,
    )

    print(result.stdout)  # the summary, shown with `pytest -s` or on failure
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert len(summary["checks"]) == 9
    assert all(check["passed"] for check in summary["checks"])
