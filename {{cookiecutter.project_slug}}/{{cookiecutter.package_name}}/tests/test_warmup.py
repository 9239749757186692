"""The requests gunicorn's master answers before it forks (warmup.py).

No test here may use the database: a warm-up request that touched it would
fail with pytest-django's "Database access not allowed" and answer 500.
"""

import json
import logging

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from {{ cookiecutter.package_name }}.warmup import WARM_UP_REQUESTS, warm_up


@pytest.fixture
def production(settings):
    """Production's request handling: HTTPS only, behind the router.

    As Django's test client does, each request leaves the suite's database
    connection alone (checking it at the start and the end of a request
    would be a database access).
    """
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield settings
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize(
    "allowed_hosts",
    [["api.example.fi"], [".example.fi"], ["*"], ["", ".hel.fi", "api.hel.fi"]],
)
def test_each_request_is_answered_without_the_issuer_or_the_database(
    production, issuer, service_log, allowed_hosts
):
    production.ALLOWED_HOSTS = allowed_hosts
    application = get_wsgi_application()  # django.setup() configures logging
    log = service_log("json")
    asked_before = issuer.requests

    statuses = warm_up(application)

    assert statuses == ["200 OK"] * len(WARM_UP_REQUESTS)
    assert issuer.requests == asked_before
    assert log.getvalue() == ""  # the refused token's INFO line is left out
    assert logging.root.manager.disable == logging.NOTSET  # and only that once


def test_a_refused_request_is_named_in_a_warning(production, service_log):
    production.ALLOWED_HOSTS = []  # no host is let in: a misconfiguration
    application = get_wsgi_application()
    log = service_log("json")

    statuses = warm_up(application)

    assert statuses == ["400 Bad Request"] * len(WARM_UP_REQUESTS)
    warnings = [
        line["message"]
        for line in map(json.loads, log.getvalue().splitlines())
        if line["name"] == "{{ cookiecutter.package_name }}.warmup"
    ]
    assert len(warnings) == len(WARM_UP_REQUESTS)
    assert warnings[0] == (
        "The warm-up request GET /healthz was answered 400 Bad Request; the "
        "workers will each build what it would have built."
    )
