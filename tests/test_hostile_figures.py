"""The hostile corpus against the default service's real server on PostgreSQL."""

import pytest
from conftest import combination_params, database_url


@pytest.mark.parametrize("name", combination_params("default"))
def test_every_hostile_request_gets_its_answer_from_the_real_server(
    services, name, postgres_url
):
    service = services(name)

    result = service.run_script(
        "scripts/hostile_figures.py",
        database_url(postgres_url, "hostile_figures"),
        timeout=600,
        check=False,
    )

    print(result.stdout)  # the table, shown with `pytest -s` or on failure
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) > 30  # the header, the plain query and every class
