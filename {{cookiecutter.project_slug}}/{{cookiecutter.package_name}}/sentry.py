"""Error reporting to Sentry, switched on by SENTRY_DSN.

Expected failures are not errors: a bad or expired token is the client's
problem and is answered as such, so it is never reported. Health probes are
never traced, and gunicorn's warm-up requests never reach Sentry (paused).
"""

import contextlib

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

UNTRACED_PATHS = frozenset({"/healthz", "/readiness"})
# Refused tokens and the reasons for them, wherever they surface.
EXPECTED = (
    "authentication.tokens.TokenRefused",
    "helusers.oidc.AuthenticationError",
    "jwt.exceptions.",
)


def is_expected(exception):
    name = f"{type(exception).__module__}.{type(exception).__qualname__}"
    return name.startswith(EXPECTED)


def drop_expected_failures(event, hint):
    exc_info = hint.get("exc_info")
    if exc_info and is_expected(exc_info[1]):
        return None
    return event


def sample_traces(context, rate):
    environ = context.get("wsgi_environ") or {}
    return 0 if environ.get("PATH_INFO") in UNTRACED_PATHS else rate


def init_sentry(*, dsn, environment, release, traces_sample_rate, transport=None):
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        traces_sampler=lambda context: sample_traces(context, traces_sample_rate),
        before_send=drop_expected_failures,
        transport=transport,
    )


@contextlib.contextmanager
def paused():
    """Sentry switched off for a block, and on again after it.

    gunicorn's master answers its warm-up requests in one (gunicorn.conf.py):
    through Sentry they would start its threads (sending, session flushing) in
    the master, and each forked worker would get copies of the locks those
    threads hold, without the threads. Sentry keeps its client on the global
    scope, so that is where it is swapped for one that records nothing.
    """
    scope = sentry_sdk.get_global_scope()
    client = scope.client
    scope.set_client(None)
    try:
        yield
    finally:
        scope.set_client(client)
