"""Fixtures shared by every test of the service.

`issuer` is a real OpenID Connect issuer on 127.0.0.1: it serves a discovery
document and a key set over HTTP, with an RSA key made when the tests start,
and mints tokens. helusers verifies them exactly as in production.
"""

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT_DIR = Path(__file__).resolve().parent
AUDIENCE = "test-service"


def pytest_report_header(config):
    """The database the tests use: never the development one in DATABASE_URL."""
    from django.db import connection

    name = connection.creation._get_test_db_name()
    header = f"test database: {connection.vendor} {name}"
    if config.option.numprocesses:
        header += ", a copy per worker (_gw0, _gw1, ...)"
    return header


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LoopbackServer:
    """An HTTP server on 127.0.0.1 for the tests, which can fail on purpose.

    `mode` is up, down (its port is closed), hang (it accepts requests and
    never answers them) or another mode its `handler` knows. The handler
    finds the server's owner as `self.server.owner`.
    """

    handler = None

    def __init__(self):
        self.released = threading.Event()
        self.mode = "up"
        self.server = None
        self.port = 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.server.daemon_threads = True
        self.server.owner = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def set_mode(self, mode):
        """Switch what the server does; `down` closes its port altogether."""
        if self.mode == "down" and mode != "down":
            self.start()
        elif mode == "down" and self.mode != "down":
            self.stop()
        if mode == "hang":
            self.released.clear()
        else:
            self.released.set()
        self.mode = mode

    def hang(self):
        """Hold a request unanswered until the mode changes."""
        self.released.wait(timeout=60)


class IssuerHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        issuer = self.server.owner
        issuer.requests += 1
        if issuer.mode == "hang":
            return issuer.hang()
        if issuer.mode == "error":
            return self.answer(500, {"error": "the issuer is having a bad day"})
        if self.path == "/.well-known/openid-configuration":
            return self.answer(200, issuer.discovery_document)
        if self.path == "/jwks":
            issuer.key_set_requests += 1
            return self.answer(200, issuer.key_set)
        return self.answer(404, {"error": "not found"})

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class SigningKey:
    """An RSA key with its key id, as the issuer publishes it."""

    def __init__(self, kid):
        self.kid = kid
        self.private = new_rsa_key()
        self.public_jwk = {
            **jwt.algorithms.RSAAlgorithm.to_jwk(
                self.private.public_key(), as_dict=True
            ),
            "kid": kid,
            "use": "sig",
            "alg": "RS256",
        }


class Issuer(LoopbackServer):
    """The loopback issuer. `mode` is one of up, error, hang and down.

    It signs with its newest key and publishes every key it has not retired,
    as an identity provider does while it rotates its keys.
    """

    handler = IssuerHandler

    def __init__(self):
        self.requests = 0
        self.key_set_requests = 0
        self.reset_keys()
        super().__init__()

    def reset_keys(self):
        self.published = [SigningKey("key-1")]

    def rotate(self):
        """Sign with a new key from now on; the old ones stay published."""
        new = SigningKey(f"key-{len(self.published) + 1}")
        self.published.append(new)
        return new

    def retire(self, key):
        self.published.remove(key)

    @property
    def signing_key(self):
        return self.published[-1]

    @property
    def key(self):
        return self.signing_key.private

    @property
    def kid(self):
        return self.signing_key.kid

    @property
    def key_set(self):
        return {"keys": [key.public_jwk for key in self.published]}

    @property
    def discovery_document(self):
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/jwks",
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "end_session_endpoint": f"{self.url}/end-session",
        }

    def claims(self, **overrides):
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 300,
            "given_name": "Maija",
            "family_name": "Meikäläinen",
            "email": "maija@example.com",
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def token(self, key=None, algorithm="RS256", headers=None, **claims):
        """A token signed like the real issuer's; every part can be overridden.

        `key` is a private key, or a SigningKey whose id goes in the header.
        A claim given as None is left out.
        """
        if isinstance(key, SigningKey):
            headers = {"kid": key.kid, **(headers or {})}
            key = key.private
        return jwt.encode(
            self.claims(**claims),
            key or self.key,
            algorithm=algorithm,
            headers={"kid": self.kid, **(headers or {})},
        )


@pytest.fixture(scope="session")
def issuer_server():
    issuer = Issuer()
    yield issuer
    issuer.set_mode("up")
    issuer.stop()


@pytest.fixture
def issuer(issuer_server, settings):
    """The loopback issuer, configured as the service's only token issuer.

    Each test starts with the issuer's first key only, and with no keys
    fetched yet (changing the setting empties the service's key cache).
    """
    settings.OIDC_API_TOKEN_AUTH = {
        **settings.OIDC_API_TOKEN_AUTH,
        "ISSUER": [issuer_server.url],
        "AUDIENCE": AUDIENCE,
        "API_SCOPE_PREFIX": "",
        "REQUIRE_API_SCOPE_FOR_AUTHENTICATION": False,
    }
    settings.TOKEN_AUTH_ISSUER_TIMEOUT = 1.0
    settings.TOKEN_AUTH_ISSUER_RETRY_INTERVAL = 0.3
    issuer_server.reset_keys()
    issuer_server.set_mode("up")
    yield issuer_server
    issuer_server.set_mode("up")
    issuer_server.reset_keys()


@pytest.fixture
def graphql(client):
    """Send a GraphQL document through the real `/graphql` view and its middleware."""

    def send(query, variables=None, token=None, path="/graphql", meta=(), **headers):
        """`meta`: WSGI environ values, such as the socket's REMOTE_ADDR."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return client.post(
            path,
            {"query": query, "variables": variables or {}},
            content_type="application/json",
            headers=headers,
            **dict(meta),
        )

    return send


@pytest.fixture
def service_log(settings):
    """Logging as settings.LOGGING configures it, in a given format, into a buffer."""

    def configure(log_format):
        buffer = io.StringIO()
        config = copy.deepcopy(settings.LOGGING)
        console = config["handlers"]["console"]
        del console["class"]
        console.update({"()": lambda: logging.StreamHandler(buffer)})
        console["formatter"] = log_format
        logging.config.dictConfig(config)
        return buffer

    yield configure
    logging.config.dictConfig(settings.LOGGING)


def within_the_issuer_timeout(seconds, settings):
    """Whether a request ended after about one TOKEN_AUTH_ISSUER_TIMEOUT.

    A request held by a hanging issuer would wait until the test ends, and
    requests queued behind one another would take one timeout each, so a
    bound of a few timeouts tells those apart on a loaded CI machine without
    measuring speed.
    """
    return seconds < 4 * settings.TOKEN_AUTH_ISSUER_TIMEOUT


@pytest.fixture
def post_at_once(live_server):
    """POST a GraphQL document to the live server with each token, eight at a time.

    Gives (response, seconds) per token, in order. Eight is as many requests
    as the production server takes at once by default; the live server
    queues only five connections, so more would wait for a retry.
    """

    def post(document, tokens):
        def call(token):
            started = time.monotonic()
            response = requests.post(
                f"{live_server.url}/graphql",
                json={"query": document},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            return response, time.monotonic() - started

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(call, tokens))

    return post


@pytest.fixture
def run_django():
    """Run Python code in a fresh process with Django set up from `env`.

    For behaviour that is fixed when the settings load (a missing SECRET_KEY,
    an unreachable database), which one process can only see once.
    """

    def run(code, **env):
        settings_module = "{{ cookiecutter.package_name }}.settings"
        full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **env}
        setup = "import django; django.setup()\n"
        return subprocess.run(
            [sys.executable, "-c", setup + code],
            cwd=PROJECT_DIR,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run
