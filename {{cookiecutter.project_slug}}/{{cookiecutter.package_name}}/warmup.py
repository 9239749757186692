"""Requests gunicorn's master answers itself before it forks the workers.

The first answer on a path builds what serving it needs: the middleware's and
GraphQL's caches, the validated schema, the interpreter's specialised bytecode.
Built in the master, that memory is shared by every worker; built in each
worker, it is a copy per worker. The requests are ones anybody may send
without signing in, so the identity provider is not asked and the database
is not touched: the master starts as it did without them, only with more of
the service ready to share.
"""

import io
import json
import logging
import sys
from wsgiref.util import setup_testing_defaults

from django.conf import settings

logger = logging.getLogger(__name__)

SERVICE_INFO = {"query": "{ serviceInfo { name } }"}
ME = {"query": "{ me { uuid } }"}
WARM_UP_REQUESTS = [
    ("GET", "/healthz", None, {}),
    ("POST", "/graphql", SERVICE_INFO, {}),
    ("POST", "/graphql", ME, {}),  # signed out: the authentication error
    ("POST", "/graphql", ME, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}),
]


def allowed_host():
    """A host name that ALLOWED_HOSTS lets in, as the router would send."""
    for host in settings.ALLOWED_HOSTS:
        name = host.lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def request_environ(method, path, document, headers):
    """A WSGI environ for an HTTPS request that came through the router."""
    body = json.dumps(document).encode() if document is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": allowed_host(),
        "SERVER_PORT": "443",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        **headers,
    }
    setup_testing_defaults(environ)  # what every WSGI server adds
    return environ


def status_of(application, environ):
    """The status line `application` answers `environ` with, its body read
    and the response closed, as a WSGI server does."""
    started = []
    response = application(environ, lambda status, *_: started.append(status))
    try:
        b"".join(response)
    finally:
        getattr(response, "close", lambda: None)()
    return started[0]


def warm_up(application):
    """Answer WARM_UP_REQUESTS with the WSGI `application`; gives the status
    line of each, and logs a warning for any that is not 200 OK."""
    statuses = []
    for method, path, document, headers in WARM_UP_REQUESTS:
        # What these requests log at INFO (a refused token) would read as
        # a stranger's doing at every start; warnings still show.
        logging.disable(logging.INFO)
        try:
            status = status_of(
                application, request_environ(method, path, document, headers)
            )
        finally:
            logging.disable(logging.NOTSET)
        statuses.append(status)
        if not status.startswith("200"):
            logger.warning(
                "The warm-up request %s %s was answered %s; the workers will "
                "each build what it would have built.",
                method,
                path,
                status,
            )
    return statuses
