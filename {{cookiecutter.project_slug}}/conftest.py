"""Fixtures shared by every test of the service.

`issuer` is a real OpenID Connect issuer on 127.0.0.1: it serves a discovery
document and a key set over HTTP, with an RSA key made when the tests start,
and mints tokens. helusers verifies them exactly as in production.
"""

import copy
import html
import io
import itertools
import json
import logging
import logging.config
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT_DIR = Path(__file__).resolve().parent
AUDIENCE = "test-service"
KEY_IDS = itertools.count(1)


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
        path, _, query = self.path.partition("?")
        if path == "/.well-known/openid-configuration":
            return self.answer(200, issuer.discovery_document)
        if path == "/jwks":
            issuer.key_set_requests += 1
            return self.answer(200, issuer.key_set)
        if path == "/authorize":
            return self.answer_page(issuer.approval_page(parse_qs(query)))
        if path == "/userinfo":
            claims = issuer.userinfo.get(self.bearer())
            if claims is None:
                return self.answer(401, {"error": "invalid_token"})
            return self.answer(200, claims)
        if path == "/end-session":
            given = {k: v[0] for k, v in parse_qs(query).items()}
            issuer.ended_sessions.append(given)
            return self.redirect(given.get("post_logout_redirect_uri", issuer.url))
        return self.answer(404, {"error": "not found"})

    def do_POST(self):  # noqa: N802 - the name http.server calls
        issuer = self.server.owner
        issuer.requests += 1
        if issuer.mode in ("hang", "error"):
            return self.do_GET()
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/authorize":  # the person approved the sign-in
            return self.redirect(issuer.approve(form))
        if self.path == "/token":
            tokens = issuer.exchange(form, self.headers.get("Authorization", ""))
            if tokens is None:
                return self.answer(400, {"error": "invalid_grant"})
            return self.answer(200, tokens)
        return self.answer(404, {"error": "not found"})

    def bearer(self):
        return self.headers.get("Authorization", "").removeprefix("Bearer ")

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_page(self, html):
        body = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

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

    It is a whole OpenID Connect provider, for browser sign-ins too: the
    authorization endpoint shows an approval page, whose form (or a POST of
    the same parameters) approves `person`, the claims of whoever signs in
    next; the token endpoint exchanges the code for an ID token and an access
    token, the userinfo endpoint answers for the access token, and the
    end-session endpoint redirects back and remembers what it was sent.
    """

    handler = IssuerHandler

    def __init__(self):
        self.requests = 0
        self.key_set_requests = 0
        self.reset_keys()
        self.reset_sign_on()
        super().__init__()

    def reset_sign_on(self):
        self.person = None  # claims; None: a new person each time
        self.codes = {}  # code -> what it was issued for
        self.userinfo = {}  # access token -> claims
        self.ended_sessions = []

    def approval_page(self, query):
        fields = "".join(
            f'<input type="hidden" name="{html.escape(name)}" '
            f'value="{html.escape(values[0])}">'
            for name, values in query.items()
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<link rel="icon" href="data:,">'  # no icon to ask for
            "<title>Loopback provider</title></head><body>"
            f'<form method="post" action="/authorize">{fields}'
            '<button id="approve" type="submit">Approve</button></form>'
            "</body></html>"
        )

    def approve(self, request):
        """The callback address, with a code for `person`, for an approval of
        an authorization `request`."""
        code = secrets.token_urlsafe(16)
        person = self.person or {"sub": str(uuid.uuid4())}
        self.codes[code] = {"request": request, "claims": person}
        query = urlencode({"code": code, "state": request.get("state", "")})
        return f"{request['redirect_uri']}?{query}"

    def exchange(self, form, authorization):
        """The tokens for an authorization code, once; None for any other."""
        issued = self.codes.pop(form.get("code"), None)
        if (
            issued is None
            or form.get("redirect_uri") != (issued["request"]["redirect_uri"])
        ):
            return None
        client_id = issued["request"]["client_id"]
        id_token = self.token(  # made now: its iat and exp are from now
            **issued["claims"],
            aud=client_id,
            azp=client_id,
            nonce=issued["request"].get("nonce"),
            sid=str(uuid.uuid4()),
        )
        access_token = secrets.token_urlsafe(24)
        self.userinfo[access_token] = {
            name: value
            for name, value in self.claims(**issued["claims"]).items()
            if name not in ("iss", "aud", "iat", "exp")
        }
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def reset_keys(self):
        self.published = [SigningKey(self.new_kid())]

    @staticmethod
    def new_kid():
        """A key id never used before, as a provider's: a client may keep a
        key by its id (python-social-auth does, for a day)."""
        return f"key-{next(KEY_IDS)}"

    def rotate(self):
        """Sign with a new key from now on; the old ones stay published."""
        new = SigningKey(self.new_kid())
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


def run_system_checks(**options):
    """`manage.py check` on the code, without the checks that ask a database
    (which Django 6.1 runs by default): the test databases are the suite's."""
    from django.core.management import call_command

    call_command("check", databases=[], **options)


@pytest.fixture(scope="session", autouse=True)
def system_checks_pass():
    """Run the system checks first, as manage.py does, also for `pytest <app>`:
    a broken rule fails every test with the check's own message, not with
    whatever it breaks further on."""
    run_system_checks(verbosity=0)


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
    # Trusting a plain-http issuer on 127.0.0.1 is what the tests are for.
    settings.SILENCED_SYSTEM_CHECKS = [
        *settings.SILENCED_SYSTEM_CHECKS,
        "authentication.E002",
    ]
    settings.TOKEN_AUTH_ISSUER_TIMEOUT = 1.0
    settings.TOKEN_AUTH_ISSUER_RETRY_INTERVAL = 0.3
    issuer_server.reset_keys()
    issuer_server.reset_sign_on()
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


class ManualClock:
    """A monotonic clock that moves only when the test moves it."""

    def __init__(self, start):
        self.seconds = start

    def __call__(self):
        return self.seconds

    def advance(self, seconds):
        self.seconds += seconds


@pytest.fixture
def clock(monkeypatch):
    """The clock of the service's key refreshes and cooldowns
    (authentication/issuer.py), in the test's hands: a cooldown passes when
    the test says so, and never while a slow machine runs the test."""
    manual = ManualClock(0.0)  # from zero, the sums a test makes are exact
    monkeypatch.setattr("authentication.issuer.now", manual)
    return manual


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
