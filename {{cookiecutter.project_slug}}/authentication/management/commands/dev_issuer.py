"""`manage.py dev_issuer`: sign in to a local server without an outside service.

A development-only OpenID Connect issuer on 127.0.0.1. It serves a discovery
document and a key set, as Tunnistamo and Keycloak do, and signs tokens for
any user name it is asked for, so the service verifies them exactly as it
does in production. It runs only with DEBUG on: its tokens are for anyone
who can reach the port. The key is made at each start, so the tokens of an
earlier run stop working.
"""

import json
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from jwt.algorithms import RSAAlgorithm

DEFAULT_AUDIENCE = "local-development"
KEY_ID = "dev-issuer"


class DevIssuer(ThreadingHTTPServer):
    """The issuer's HTTP server; `url` is where the service finds it."""

    def __init__(self, port, audience, lifetime):
        super().__init__(("127.0.0.1", port), IssuerRequestHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.audience = audience
        self.lifetime = lifetime
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def key_set(self):
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def discovery_document(self):
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def token(self, user):
        """A token for `user`: the same subject (uuid) for a name every run."""
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.audience,
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dev-issuer:{user}")),
            "iat": now,
            "exp": now + self.lifetime,
            "given_name": user,
            "family_name": "Developer",
            "email": f"{user}@example.com",
        }
        prefix = settings.OIDC_API_TOKEN_AUTH.get("API_SCOPE_PREFIX")
        if prefix:  # the scope the service may require (api_scopes in helusers)
            claims["https://api.hel.fi/auth"] = [prefix]
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})


class IssuerRequestHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        address = urlsplit(self.path)
        issuer = self.server
        if address.path == "/.well-known/openid-configuration":
            self.answer("application/json", json.dumps(issuer.discovery_document()))
        elif address.path == "/jwks":
            self.answer("application/json", json.dumps(issuer.key_set()))
        elif address.path == "/token":
            user = parse_qs(address.query).get("user", ["dev"])[0][:100]
            self.answer("text/plain", issuer.token(user) + "\n")
        else:
            self.send_error(404)

    def answer(self, content_type, text):
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # the service's own log tells what it fetched


class Command(BaseCommand):
    help = "Run a development-only token issuer on 127.0.0.1 (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--user", default="dev", help="Whom the token is for.")
        parser.add_argument(
            "--lifetime", type=int, default=3600, help="Seconds a token lasts."
        )

    def handle(self, port, user, lifetime, **options):
        if not settings.DEBUG:
            raise CommandError(
                "dev_issuer signs tokens for anyone who asks: it runs only with "
                "DEBUG=1, on a developer's machine."
            )
        audience = settings.OIDC_API_TOKEN_AUTH["AUDIENCE"] or DEFAULT_AUDIENCE
        try:
            issuer = DevIssuer(port, audience, lifetime)
        except OSError as error:
            raise CommandError(f"Cannot listen on 127.0.0.1:{port}: {error}") from None
        self.stdout.write(
            f"Development issuer on {issuer.url}. Set these in .env and restart "
            "the server:\n"
            f"TOKEN_AUTH_AUTHSERVER_URL={issuer.url}\n"
            f"TOKEN_AUTH_ACCEPTED_AUDIENCE={audience}\n"
            f"A token for {user!r}, valid for {lifetime} s:\n"
            f"{issuer.token(user)}\n"
            f"Another, for anyone: curl '{issuer.url}/token?user=<name>'\n"
            "Stop with Ctrl-C.",
        )
        self.stdout.flush()
        try:
            issuer.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            issuer.server_close()
