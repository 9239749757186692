"""Gunicorn, the production server: `gunicorn --config gunicorn.conf.py <wsgi>`.

Threads in a few worker processes suit this I/O-bound service. The master
imports the service before it forks the workers (preload_app), so that they
share that memory and Django starts once per replica{% if cookiecutter.use_docker %}; the master also waits
for the database and migrates when asked, before it listens (on_starting){% endif %}.
The access log leaves out /healthz and /readiness, which the platform asks
every few seconds, and shows each request's X-Request-ID. Its lines, and
gunicorn's own, are JSON (django-logger-extra's formatters) unless
LOG_FORMAT=plain.
"""

import gc
import os

from gunicorn.glogging import Logger


def whole_number(name, default):
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1; got {raw!r}.")
    return int(raw)


{%- if cookiecutter.use_docker %}


def seconds(name, default):
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if not value > 0:
        raise SystemExit(f"{name} must be a number of seconds above 0; got {raw!r}.")
    return value
{%- endif %}


class ProbesQuietLogger(Logger):
    """Gunicorn's logger, without the access lines of the health probes."""

    QUIET_PATHS = frozenset({"/healthz", "/readiness"})

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") not in self.QUIET_PATHS:
            super().access(resp, req, environ, request_time)


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{whole_number('PORT', 8000)}"
preload_app = True
workers = whole_number("WEB_CONCURRENCY", 2)
worker_class = "gthread"
threads = whole_number("GUNICORN_THREADS", 4)
timeout = 30
graceful_timeout = 30
# Gunicorn 25.1+ opens a control socket under $HOME for runtime commands; the
# platform restarts pods instead, and a read-only image has no home to open it
# in (each start would log "Control server error").
control_socket_disable = True
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
logger_class = ProbesQuietLogger
if os.environ.get("LOG_FORMAT", "").strip() != "plain":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "access": {"()": "logger_extra.extras.gunicorn.JsonFormatter"},
            "error": {"()": "logger_extra.extras.gunicorn.JsonErrorFormatter"},
        },
        "handlers": {
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
            "error": {
                "class": "logging.StreamHandler",
                "formatter": "error",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["error"]},
        "loggers": {
            "gunicorn.access": {"handlers": ["access"], "propagate": False},
            "gunicorn.error": {"handlers": ["error"], "propagate": False},
        },
    }
{%- if cookiecutter.use_docker %}


class LogLines:
    """A command's output as lines of gunicorn's log (JSON, like the rest)."""

    def __init__(self, log):
        self.log, self.pending = log, ""

    def write(self, text):
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            if line.strip():
                self.log(line)

    def flush(self):
        pass


def on_starting(server):
    """In the master, with the service loaded, before it listens: what
    docker-entrypoint.sh does before any other command (wait for the
    database, the system checks, migrate with APPLY_MIGRATIONS=1)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connections

    migrate = os.environ.get("APPLY_MIGRATIONS", "0").strip() == "1"
    try:
        call_command(
            "wait_for_database",
            timeout=seconds("DATABASE_WAIT_SECONDS", 60),
            migrate=migrate,
            stdout=LogLines(server.log.info),
            stderr=LogLines(server.log.warning),
        )
    except CommandError as error:
        raise SystemExit(f"Error: {error}") from None
    finally:
        connections.close_all()  # a connection must not cross into the workers
{%- endif %}


# The workers share the master's memory until they write to it. A garbage
# collection writes to every object it visits: none runs in the master while
# it loads the service (so that no freed holes are left among its objects),
# and the workers' collections leave what the master made alone (gc.freeze).
gc.disable()


def when_ready(server):
    gc.freeze()  # just before the first fork


def post_fork(server, worker):
    gc.enable()
