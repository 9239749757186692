"""The probes, from django-helsinki-health-endpoints, as the platform calls them."""

import tomllib
from pathlib import Path

import pytest

VERSION = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
)["project"]["version"]


def test_healthz_answers_without_the_database(client):
    # No django_db mark: pytest-django fails the test if the view touches the database.
    response = client.get("/healthz")

    assert response.status_code == 200


@pytest.mark.django_db
def test_readiness_is_ok_when_the_database_answers(client):
    response = client.get("/readiness")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["version"]) == ("ok", "ok", VERSION)
    assert "release" in body


@pytest.mark.django_db
def test_service_info_and_readiness_report_the_version_release_please_writes(
    client, graphql
):
    readiness = client.get("/readiness").json()["version"]
    info = graphql("{ serviceInfo { version } }").json()["data"]["serviceInfo"]

    assert readiness == info["version"] == VERSION


def test_readiness_is_503_when_the_database_is_unreachable(run_django, tmp_path):
    unreachable = tmp_path / "missing-directory" / "db.sqlite3"
    result = run_django(
        "from django.test import Client\n"
        "response = Client().get('/readiness')\n"
        "print(response.status_code, response.content.decode())",
        DATABASE_URL=f"sqlite:///{unreachable}",
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split(" ", 1)
    assert status == "503"
    assert '"database": "error"' in body
    assert "unable to open" not in body  # no cause is shown to the caller


def test_health_endpoints_only_answer_reads(client):
    assert client.post("/healthz").status_code == 405
