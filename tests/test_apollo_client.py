"""Apollo Client 4, from npm, against a default bake's production server.

Apollo's cache adds `__typename` to every selection: with introspection off,
as in production, the public query, `me` and `updateMe` must still work.
"""

import json
import shutil

import pytest
from bake import TEMPLATE_DIR, run
from conftest import combination_params, database_url

APOLLO_DIR = TEMPLATE_DIR / "tests" / "apollo"


@pytest.fixture(scope="session")
def apollo_client(tmp_path_factory):
    """client.mjs with the locked packages installed, outside the repository."""
    directory = tmp_path_factory.mktemp("apollo")
    for name in ("package.json", "package-lock.json", "client.mjs"):
        shutil.copy(APOLLO_DIR / name, directory)
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=directory, timeout=300)
    return directory


@pytest.mark.parametrize("name", combination_params("default"))
def test_apollo_client_works_with_introspection_off(
    services, name, postgres_url, apollo_client
):
    service = services(name)

    result = service.run_script(
        "tests/apollo/against_service.py",
        database_url(postgres_url, "apollo"),
        "--client",
        apollo_client,
    )

    output = json.loads(result.stdout.splitlines()[-1])
    results = output["results"]
    assert results["serviceInfo"]["data"]["serviceInfo"]["name"] == "Example Service"
    assert results["me"]["data"]["me"]["uuid"], results["me"]
    updated = results["updateMe"]["data"]["updateMe"]["user"]
    assert updated["preferredLanguage"] == "sv"
    assert len(output["sent"]) == 3
    assert all("__typename" in document for document in output["sent"])
