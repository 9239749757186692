"""Each hostile request in hostile.py gets its answer, and leaves one short line.

Through the real view with every middleware: the status and the first
error's code are the corpus's, and whatever is logged for the request is at
WARNING or below, one line of at most 2 KB, without a traceback.
"""

import json

import pytest

from {{ cookiecutter.package_name }} import documents
from {{ cookiecutter.package_name }}.tests import hostile
from {{ cookiecutter.package_name }}.tests.hostile import hostile_requests

pytestmark = pytest.mark.django_db

MAX_LOG_LINE = 2048


@pytest.mark.parametrize("case", hostile_requests(), ids=lambda case: case.name)
def test_hostile_request_is_answered(client, issuer, service_log, case):
    log = service_log("json")
    headers = {}
    if case.signed_in:
        headers["Authorization"] = f"Bearer {issuer.token()}"

    response = client.generic(
        "POST", "/graphql", case.body, content_type="application/json", headers=headers
    )

    body = response.json()
    errors = body.get("errors", [])
    assert response.status_code == case.status, errors[:1]
    if case.code is None:
        assert errors == []
        assert body["data"]
    else:
        assert errors[0]["extensions"]["code"] == case.code, errors[0]
    for line in log.getvalue().splitlines():
        assert len(line) <= MAX_LOG_LINE, line[:200]
        record = json.loads(line)
        assert record["level"] in {"DEBUG", "INFO", "WARNING"}, line
        assert "exc_info" not in record, line


def test_corpus_is_as_large_as_the_limits_allow(settings):
    """hostile.py sizes its documents by these limits: keep it in step."""
    assert (
        hostile.MAX_LENGTH,
        hostile.MAX_TOKENS,
        hostile.MAX_ALIASES,
        hostile.MAX_BODY,
        hostile.FRAGMENT_NESTING,
    ) == (
        settings.GRAPHQL_MAX_DOCUMENT_LENGTH,
        settings.GRAPHQL_MAX_TOKENS,
        settings.GRAPHQL_MAX_ALIASES,
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        documents.FRAGMENT_NESTING_LIMIT,
    )
