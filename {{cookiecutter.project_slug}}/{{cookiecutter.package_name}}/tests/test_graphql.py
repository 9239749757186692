import pytest
from django.conf import settings
from django.test import Client

SERVICE_INFO = "query { serviceInfo { name version } }"

pytestmark = pytest.mark.django_db


def test_service_info_is_served_to_anyone(graphql):
    response = graphql(SERVICE_INFO)

    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "serviceInfo": {
                "name": settings.SERVICE_NAME,
                "version": settings.SERVICE_VERSION,
            }
        }
    }


def test_graphql_needs_no_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/graphql", {"query": SERVICE_INFO}, content_type="application/json"
    )

    assert response.status_code == 200
    assert "errors" not in response.json()


def test_malformed_json_body_is_a_client_error(client):
    response = client.post("/graphql", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_graphiql_is_off_by_default(client):
    response = client.get("/graphql", headers={"accept": "text/html"})

    assert b"graphiql" not in response.content.lower()


def test_graphiql_is_served_when_enabled(run_django):
    result = run_django(
        "from django.test import Client\n"
        "response = Client().get('/graphql', headers={'accept': 'text/html'})\n"
        "print(response.status_code, b'graphiql' in response.content.lower())",
        ENABLE_GRAPHIQL="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "True"]


@pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls")
def test_unexpected_error_is_logged_not_shown(graphql, caplog):
    response = graphql("{ broken serviceInfo { name } }", path="/graphql-broken")

    assert response.status_code == 200
    body = response.json()
    assert body["data"]["serviceInfo"]["name"] == settings.SERVICE_NAME
    assert body["errors"] == [
        {
            "message": "Internal server error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["broken"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    assert "secret internals" in caplog.text


def test_response_carries_a_request_id(graphql):
    response = graphql(SERVICE_INFO, X_Request_ID="abc.123")

    assert response["X-Request-ID"] == "abc.123"
