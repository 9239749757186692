import json
import logging
import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from common.content_security_policy import CSPMiddleware

from {{ cookiecutter.package_name }}.tests.hostile import chain, many_fragments
from {{ cookiecutter.package_name }}.views import ServiceGraphQLView

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
    assert response.json() == {
        "errors": [
            {
                "message": "The request body is not valid JSON.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


def test_body_that_is_not_json_is_refused_unread(client):
    response = client.post(
        "/graphql", "query { serviceInfo }", content_type="text/plain"
    )

    assert response.status_code == 415
    assert response.json() == {
        "errors": [
            {
                "message": "Unsupported content type 'text/plain': "
                "POST a JSON body (application/json).",
                "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
            }
        ]
    }


def test_one_megabyte_body_is_refused_before_it_is_read(graphql):
    document = "query { " + "serviceInfo { name } " * 60_000 + "}"
    assert len(document) > 1_000_000

    response = graphql(document)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The request body is too large: at most 262144 bytes.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


def test_garbled_content_length_is_a_client_error(client):
    response = client.post(
        "/graphql", "{}", content_type="application/json", CONTENT_LENGTH="many"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "The Content-Length header is not a number."
    )


def test_chunked_body_is_refused_where_the_server_does_not_end_it(client):
    """Django reads a body up to its Content-Length: a chunked one has none.

    gunicorn marks the end of a chunked body (test_production_server.py
    reads one there); a server that does not gets the body refused, not
    taken as empty.
    """
    response = client.post(
        "/graphql",
        json.dumps({"query": "{ serviceInfo { name } }"}),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
    )

    assert response.status_code == 411
    assert response.json()["errors"][0]["extensions"]["code"] == "LENGTH_REQUIRED"


def test_too_long_document_is_refused_before_parsing(graphql, settings):
    repeats = settings.GRAPHQL_MAX_DOCUMENT_LENGTH // 20 + 1
    document = "query { " + "serviceInfo { name } " * repeats + "}"

    response = graphql(document)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(
        "The GraphQL document is too long"
    )


def test_alias_flood_is_refused(graphql, settings):
    count = settings.GRAPHQL_MAX_ALIASES + 1
    flood = " ".join(f"a{number}: " + "serviceInfo { name }" for number in range(count))

    response = graphql("query { " + flood + " }")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        f"The document has more than {settings.GRAPHQL_MAX_ALIASES} aliases "
        "(a fragment's count each time it is spread)."
    )


def test_many_aliases_within_the_limit_are_served(graphql, settings):
    count = settings.GRAPHQL_MAX_ALIASES
    many = " ".join(f"a{number}: " + "serviceInfo { name }" for number in range(count))

    response = graphql("query { " + many + " }")

    assert response.status_code == 200
    assert len(response.json()["data"]) == count


def test_depth_bomb_is_refused(graphql, settings):
    depth = settings.GRAPHQL_QUERY_DEPTH_LIMIT + 5
    document = "query Bomb { " + "me { " * depth + "id" + " }" * depth + " }"

    response = graphql(document)

    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages == ["The operation is nested deeper than 10 fields."]


def test_fragments_nested_too_deep_are_refused(graphql):
    response = graphql(chain(60))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": "Fragments are spread inside one another more than 50 deep.",
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]


def test_document_too_costly_to_validate_is_refused(graphql):
    """Fragments spread side by side cost validation the square of their number."""
    response = graphql(many_fragments())

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["message"] == "The document is too complex to validate."
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_introspection_is_off_in_production(graphql):
    response = graphql("{ __schema { queryType { name } } }")

    assert response.status_code == 400
    assert "introspection" in response.json()["errors"][0]["message"].lower()


@pytest.mark.parametrize("introspection", [False, True])
def test_did_you_mean_hints_follow_introspection(graphql, settings, introspection):
    settings.ENABLE_GRAPHQL_INTROSPECTION = introspection

    response = graphql("{ servicInfo { name } }")

    message = response.json()["errors"][0]["message"]
    assert message.startswith("Cannot query field 'servicInfo' on type 'Query'.")
    assert ("Did you mean" in message) is introspection


def test_graphiql_page_may_load_what_it_needs(client, settings):
    settings.ENABLE_GRAPHQL_INTROSPECTION = True
    view = ServiceGraphQLView(graphiql=True)
    request = RequestFactory().get("/graphql", headers={"accept": "text/html"})

    response = view.dispatch(request)

    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="(https?://[^/"]+)/', page)
    assert sources, "GraphiQL loads from a CDN"
    response = CSPMiddleware(lambda r: response).process_response(request, response)
    policy = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
    )
    for origin in set(sources):
        assert origin in policy["script-src"]
        assert origin in policy["style-src"]
    assert "'unsafe-inline'" in policy["script-src"]  # GraphiQL's settings script


def test_api_responses_carry_a_strict_content_security_policy(client):
    policy = client.get("/healthz")["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "cdn.jsdelivr.net" not in policy


def test_cors_preflight_from_an_allowed_origin(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.hel.fi"]

    allowed = client.options(
        "/graphql",
        headers={
            "Origin": "https://app.hel.fi",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, x-request-id",
        },
    )
    refused = client.options(
        "/graphql",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
        },
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.hel.fi"
    assert "x-request-id" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in refused


def refuse_a_token(graphql):
    graphql("{ me { id } }", token="nonsense", X_Request_ID="log-42")


def test_log_lines_are_json_with_the_request_id(graphql, service_log, settings):
    assert settings.LOG_FORMAT == "json"  # the default with DEBUG off
    output = service_log("json")

    refuse_a_token(graphql)

    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    [line] = [line for line in lines if line["message"].startswith("Token refused")]
    assert line["context"]["request_id"] == "log-42"
    assert line["context"]["client_address"] == "127.0.0.1"
    assert (line["level"], line["name"]) == ("INFO", "authentication.middleware")


def test_plain_log_lines_carry_the_request_id(graphql, service_log):
    output = service_log("plain")

    refuse_a_token(graphql)
    logging.getLogger("outside").warning("No request here.")

    lines = output.getvalue().splitlines()
    [line] = [line for line in lines if "Token refused" in line]
    assert " INFO [log-42 127.0.0.1] authentication.middleware: Token refused" in line
    assert lines[-1].endswith(" WARNING [- -] outside: No request here.")


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
    response = graphql(
        "{ broken serviceInfo { name } }",
        path="/graphql-broken",
        meta={"HTTP_ACCEPT_LANGUAGE": "en"},
    )

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
    response = graphql(SERVICE_INFO, X_Request_ID="abc-123_x")

    assert response["X-Request-ID"] == "abc-123_x"


def test_request_for_another_host_is_one_warning(client, caplog):
    host = "evil.example" + "x" * 5000

    response = client.post(
        "/graphql", {}, content_type="application/json", headers={"Host": host}
    )

    assert response.status_code == 400
    [record] = [r for r in caplog.records if r.name.startswith("django.security")]
    assert record.levelname == "WARNING"
    assert record.exc_info is None
    assert "evil.example" in record.getMessage()
    assert len(record.getMessage()) < 600
