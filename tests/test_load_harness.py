"""The load-and-fault harness, against the default service's real server."""

import json

import pytest
from bake import TEMPLATE_DIR, run
from conftest import combination_params, database_url


@pytest.mark.parametrize("name", combination_params("default"))
def test_load_and_faults(services, name, postgres_url):
    service = services(name)

    result = run(
        [
            service.venv / "python",
            TEMPLATE_DIR / "scripts" / "load_harness.py",
            "--service",
            service.path,
            "--database-url",
            database_url(postgres_url, "load_harness"),
        ],
        cwd=TEMPLATE_DIR,
        timeout=300,
        check=False,
    )

    print(result.stdout)  # the summary, shown with `pytest -s` or on failure
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert len(summary["checks"]) == 8
    assert all(check["passed"] for check in summary["checks"])
