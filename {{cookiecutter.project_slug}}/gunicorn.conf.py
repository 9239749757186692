"""Gunicorn, the production server: `gunicorn --config gunicorn.conf.py <wsgi>`.

Threads in a few worker processes suit this I/O-bound service. The master
imports the service and answers a few warm-up requests before it forks the
workers (preload_app, when_ready), so that they share that memory and Django
starts once per replica{% if cookiecutter.use_docker %}. Before it listens, a child of the master waits
for the database and migrates when asked (on_starting){% endif %}.
The access log leaves out /healthz and /readiness, which the platform asks
every few seconds, and shows each request's X-Request-ID. Its lines, and
gunicorn's own, are JSON (django-logger-extra's formatters) unless
LOG_FORMAT=plain.
"""

import gc
import os
{%- if cookiecutter.use_docker %}
import sys
import traceback
{%- endif %}

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


def prepare_database(server):
    """What docker-entrypoint.sh does before any other command: wait for the
    database, run the system checks, migrate when APPLY_MIGRATIONS=1."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

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


def on_starting(server):
    """In the master, with the service loaded, before it listens: prepare the
    database in a child process. What migrate loads and leaves behind (every
    migration, the model states) then never enters the master's memory, which
    every worker starts from, and no database connection crosses a fork."""
    child = os.fork()
    if child == 0:
        code = 1
        try:
            prepare_database(server)
            code = 0
        except SystemExit as error:
            print(error, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)  # never return into the master's code
    code = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
    if code != 0:
        raise SystemExit(code)
{%- endif %}


# The workers share the master's memory until they write to it. A garbage
# collection writes to every object it visits: none runs in the master while
# it loads the service (so that no freed holes are left among its objects),
# and the workers' collections leave what the master made alone (gc.freeze).
gc.disable()


def when_ready(server):
    """Just before the first fork: answer a few requests here (warmup.py), so
    that the workers share what answering builds, then freeze every object."""
{%- if cookiecutter.use_sentry %}
    from {{ cookiecutter.package_name }}.sentry import paused
    from {{ cookiecutter.package_name }}.warmup import warm_up

    with paused():  # no thread of Sentry's may start before a fork
        statuses = warm_up(server.app.wsgi())
{%- else %}
    from {{ cookiecutter.package_name }}.warmup import warm_up

    statuses = warm_up(server.app.wsgi())
{%- endif %}
    server.log.info("Answered %d warm-up requests.", len(statuses))
    gc.freeze()


def post_fork(server, worker):
    gc.enable()
